#!/usr/bin/env bash
# Installs what citybrain needs on Debian 12, then configures and builds the release
# tree (build/release). Safe to run again: it installs only missing packages,
# configures only when build/release/build.ninja is missing, and lets Ninja rebuild
# only what changed. Quiet on success; on failure it prints the tail of the log.
#
# Progress lines go to stderr so that `scripts/demo.sh --json > out.json` stays clean.
# python3-dev, pybind11-dev, python3-numpy and python3-pytest are for the Python
# module `citybrain` (python/, docs/python.md), which the build makes whenever
# pybind11 is found, and its tests (tests/python, run by ctest).
# clang-14, libclang-rt-14-dev (libFuzzer, the sanitizer runtimes) and llvm-14 (its
# symbolizer) are for the fuzz targets (scripts/fuzz.sh, docs/fuzzing.md); the
# release build itself uses g++.
# libopenmpi-dev and openmpi-bin (mpirun) are for the MPI plugin (src/mpi): the
# brain spreads its rollouts over the ranks of `mpirun -np N citybrain run ...`.
# Set CITYBRAIN_SKIP_APT=1 to skip the package step (e.g. on a non-Debian machine
# where the dependencies were installed another way).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

readonly packages=(
  build-essential cmake ninja-build pkg-config
  nlohmann-json3-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev
  libcpp-httplib-dev libsqlite3-dev libpugixml-dev libsimdjson-dev sumo
  clang-format python3
  python3-dev pybind11-dev python3-numpy python3-pytest
  clang-14 libclang-rt-14-dev llvm-14
  libopenmpi-dev openmpi-bin
)
readonly log_dir="build/logs"
readonly tail_lines=60

say() { printf 'citybrain: %s\n' "$*" >&2; }

die() {
  printf 'citybrain: error: %s\n' "$*" >&2
  exit 1
}

# Runs "$@" with its output captured in the log file $1; on failure prints what
# failed, the tail of the log and where the whole log is, then exits.
run_logged() {
  local log="$1" what="$2"
  shift 2
  mkdir -p "$(dirname "$log")"
  if ! "$@" >"$log" 2>&1; then
    printf 'citybrain: error: %s failed. Last %d lines of %s:\n' "$what" "$tail_lines" "$log" >&2
    printf -- '----------------------------------------------------------------------\n' >&2
    tail -n "$tail_lines" "$log" >&2
    printf -- '----------------------------------------------------------------------\n' >&2
    # With -j the first error may have scrolled out of the tail; name it too.
    if (($(wc -l <"$log") > tail_lines)) && grep -q -E '(^|[: ])(error|Error)[: ]' "$log"; then
      printf 'citybrain: first errors in the log:\n' >&2
      grep -m 5 -E '(^|[: ])(error|Error)[: ]' "$log" | sed 's/^/  /' >&2
    fi
    printf 'citybrain: full log: %s/%s\n' "$repo_root" "$log" >&2
    exit 1
  fi
}

is_installed() {
  dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed$'
}

install_missing_packages() {
  if [[ "${CITYBRAIN_SKIP_APT:-0}" == 1 ]]; then
    return
  fi
  if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    die "dpkg/apt-get not found: this script installs dependencies on Debian 12 only.
  Install these (or your system's equivalents) by hand, then re-run with CITYBRAIN_SKIP_APT=1:
  ${packages[*]}"
  fi

  local missing=() pkg
  for pkg in "${packages[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
  done
  # The dashboard (web/) is built with node and npm; Debian's own only when the
  # machine has none (a node installed another way has its own npm).
  if ! command -v npm >/dev/null 2>&1; then
    missing+=(nodejs npm)
  fi
  if ((${#missing[@]} == 0)); then
    return
  fi

  local as_root=()
  if ((EUID != 0)); then
    if command -v sudo >/dev/null 2>&1; then
      as_root=(sudo)
    else
      die "missing packages: ${missing[*]}
  Installing them needs root, and sudo is not available. As root, run:
    apt-get update && apt-get install -y --no-install-recommends ${missing[*]}
  then run this script again."
    fi
  fi

  say "installing ${missing[*]} ..."
  local apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get)
  run_logged "$log_dir/apt.log" "apt-get update" "${apt[@]}" update
  run_logged "$log_dir/apt-install.log" "apt-get install" \
    "${apt[@]}" install -y --no-install-recommends "${missing[@]}"
}

configure_and_build() {
  if [[ ! -f build/release/build.ninja ]]; then
    say "configuring (cmake --preset release) ..."
    run_logged "$log_dir/configure.log" "configuring (cmake --preset release)" \
      cmake --preset release
  fi
  local jobs
  jobs="$(nproc)"
  say "building (cmake --build --preset release, $jobs jobs) ..."
  run_logged "$log_dir/build.log" "building (cmake --build --preset release)" \
    cmake --build --preset release -j "$jobs"
}

# The dashboard: TypeScript bundled by esbuild into web/dist, which `citybrain serve`
# serves at /. npm ci only when the lock file changed; the bundle only when a source
# changed. Set CITYBRAIN_SKIP_WEB=1 to skip (the service then says it is not built).
build_dashboard() {
  if [[ "${CITYBRAIN_SKIP_WEB:-0}" == 1 ]]; then
    return
  fi
  if [[ ! -f web/node_modules/.package-lock.json || web/package-lock.json -nt web/node_modules/.package-lock.json ]]; then
    say "installing the dashboard's npm packages (npm ci in web/) ..."
    run_logged "$log_dir/web-npm-ci.log" "npm ci (web/)" npm --prefix web ci --no-audit --no-fund
  fi
  if [[ ! -f web/dist/index.html ]] ||
    [[ -n "$(find web/src web/package.json web/build.mjs web/tsconfig.json -newer web/dist/index.html -print -quit)" ]]; then
    say "building the dashboard (npm run build in web/) ..."
    run_logged "$log_dir/web-build.log" "building the dashboard (web/)" npm --prefix web run build
  fi
}

install_missing_packages
configure_and_build
build_dashboard
say "build ready in build/release"
