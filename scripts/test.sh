#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run): installs and builds what is
# missing (scripts/setup.sh), checks the formatting of our C++ sources, runs every
# test with ctest, then the end-to-end test of the service and its dashboard in
# headless Chromium, then each fuzz target on a fixed number of inputs. Exits
# non-zero if anything fails; every check always runs.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$repo_root/scripts/setup.sh"
cd "$repo_root"

status=0

# --- Formatting ------------------------------------------------------------------
check_format() {
  local dirs=() d
  for d in src apps tests bench fuzz python; do
    [[ -d "$d" ]] && dirs+=("$d")
  done
  ((${#dirs[@]} > 0)) || return 0

  local files=() file
  mapfile -d '' files < <(find "${dirs[@]}" -type f \( -name '*.h' -o -name '*.cc' \) -print0 | sort -z)
  echo "citybrain: checking formatting of ${#files[@]} files ..." >&2

  local off=()
  for file in "${files[@]}"; do
    clang-format --dry-run -Werror --style=file "$file" >/dev/null 2>&1 || off+=("$file")
  done
  if ((${#off[@]} > 0)); then
    echo "citybrain: error: ${#off[@]} file(s) are not formatted per .clang-format:" >&2
    printf '  %s\n' "${off[@]}" >&2
    echo "citybrain: fix them with: scripts/format.sh" >&2
    echo "citybrain: (see the changes with: clang-format --dry-run ${off[0]})" >&2
    return 1
  fi
}

check_format || status=1

# --- Tests -----------------------------------------------------------------------
run_tests() {
  local log="build/logs/ctest.log" jobs
  jobs="$(nproc)"
  mkdir -p "$(dirname "$log")"
  echo "citybrain: running tests (ctest --preset release, $jobs jobs) ..." >&2
  if ctest --preset release -j "$jobs" --no-tests=error >"$log" 2>&1; then
    # One summary line, e.g. "100% tests passed, 0 tests failed out of 42".
    echo "citybrain: $(grep -m1 'tests passed' "$log" || echo 'tests passed')" >&2
    return 0
  fi
  # The log without its progress lines ("Start 3: ...", "3/40 Test #3: ... Passed"):
  # what is left is the output of the failed tests and ctest's summary.
  echo "citybrain: error: tests failed (full log: $repo_root/$log):" >&2
  grep -v -E '^ +Start +[0-9]+: |^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed ' "$log" >&2 || true
  return 1
}

run_tests || status=1

# --- Suites that must have been built ----------------------------------------------
# Some tests exist only when an optional part was built; ctest above ran them. Here we
# make sure they were there: `require_test REGEX WHAT` fails naming WHAT when ctest
# lists no test matching REGEX.
require_test() {
  if ctest --preset release -N -R "$1" 2>/dev/null | grep -q -E "Test +#[0-9]+: "; then
    return 0
  fi
  echo "citybrain: error: $2" >&2
  return 1
}

# The Python module `citybrain` and its pytest suite (tests/python, test Python.CityflowApi;
# scripts/setup.sh installs pybind11).
require_test '^Python\.CityflowApi$' \
  "the Python tests are missing: the module was not built (is pybind11-dev installed?)" || status=1
# The brain's rollouts over MPI ranks (tests/app/mpi_cli.cmake, test app_cli_mpi: `mpirun
# -np 1` and `-np 2` give the same results; scripts/setup.sh installs libopenmpi-dev).
require_test '^app_cli_mpi$' \
  "the MPI test is missing: the MPI plugin was not built (is libopenmpi-dev installed?)" || status=1

# --- End-to-end: the live service and its dashboard in headless Chromium ----------
# tests/e2e/dashboard.mjs starts build/release/citybrain serve on a CityFlow and a
# SUMO network and on the KDD round-3 city (an emergency vehicle dispatched through
# the page, followed until it arrives), drives the dashboard (playwright-core with
# Debian's chromium, installed here: only this test needs it) and saves
# build/e2e/dashboard.png, dashboard-sumo.png, dashboard-ev-city.png, dashboard-ev.png
# and dashboard-ev-arrived.png.
run_e2e() {
  local log="build/logs/e2e.log"
  mkdir -p "$(dirname "$log")"
  if ! command -v chromium >/dev/null 2>&1; then
    if [[ "${CITYBRAIN_SKIP_APT:-0}" == 1 ]]; then
      echo "citybrain: error: the end-to-end test needs chromium (/usr/bin/chromium)" >&2
      return 1
    fi
    echo "citybrain: installing chromium for the end-to-end test ..." >&2
    local as_root=()
    ((EUID == 0)) || as_root=(sudo)
    if ! { "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium ||
      { "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update &&
        "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; }; } \
      >"build/logs/apt-chromium.log" 2>&1; then
      echo "citybrain: error: installing chromium failed (log: $repo_root/build/logs/apt-chromium.log)" >&2
      return 1
    fi
  fi
  if [[ ! -f tests/e2e/node_modules/.package-lock.json ||
    tests/e2e/package-lock.json -nt tests/e2e/node_modules/.package-lock.json ]]; then
    if ! npm --prefix tests/e2e ci --no-audit --no-fund >"build/logs/e2e-npm-ci.log" 2>&1; then
      echo "citybrain: error: npm ci in tests/e2e failed (log: $repo_root/build/logs/e2e-npm-ci.log)" >&2
      return 1
    fi
  fi
  echo "citybrain: running the end-to-end test (dashboard in headless Chromium) ..." >&2
  if node tests/e2e/dashboard.mjs >"$log" 2>&1; then
    echo "citybrain: end-to-end test passed (screenshots: build/e2e/dashboard.png, dashboard-sumo.png, dashboard-ev-city.png, dashboard-ev.png, dashboard-ev-arrived.png)" >&2
    return 0
  fi
  echo "citybrain: error: the end-to-end test failed (full log: $repo_root/$log):" >&2
  tail -n 40 "$log" >&2
  return 1
}

run_e2e || status=1

# --- Fuzzing: every fuzz target on a fixed number of inputs under ASan+UBSan ----------
# scripts/fuzz.sh builds the fuzz preset (clang, build/fuzz) and runs each target of
# fuzz/ from its seeds with a fixed libFuzzer seed, so a reader that crashes, hangs,
# leaks or runs out of memory on an input the targets reach fails CI
# (docs/fuzzing.md). CITYBRAIN_FUZZ_RUNS changes the number of inputs per target.
run_fuzz() {
  local runs="${CITYBRAIN_FUZZ_RUNS:-4000}"
  echo "citybrain: fuzzing each target for $runs inputs (scripts/fuzz.sh --runs $runs) ..." >&2
  if scripts/fuzz.sh --runs "$runs" --seed 1; then
    return 0
  fi
  echo "citybrain: error: a fuzz target failed (see above; docs/fuzzing.md says how to replay it)" >&2
  return 1
}

run_fuzz || status=1

if ((status == 0)); then
  echo "citybrain: all checks passed" >&2
fi
exit "$status"
