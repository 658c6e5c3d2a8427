#!/usr/bin/env bash
# Runs the libFuzzer targets of fuzz/ (docs/fuzzing.md).
#
#   scripts/fuzz.sh [--time SECONDS | --runs N] [--seed S] [TARGET...]
#
# Builds the `fuzz` preset (clang, ASan+UBSan, build/fuzz) when needed, then runs
# each TARGET (default: all) one after the other:
#   --time SECONDS  fuzz each target for SECONDS (default 60). New inputs go to the
#                   target's working corpus build/fuzz/corpus/<target>/, which is
#                   kept, so later runs start where this one stopped.
#   --runs N        run each target on exactly N inputs with a fixed seed (1 unless
#                   --seed), starting from the seeds only, in a scratch corpus: the
#                   same binary and seeds give the same run (what scripts/test.sh does).
#   --seed S        libFuzzer's random seed (default: 1 with --runs, random with --time).
# Every run also reads the seeds: fuzz/corpus/<target>/ (small hand-made inputs and
# the reproducers of fixed bugs, in git) and build/fuzz/seeds/<target>/ (taken from
# data/ at each run: small files whole, the first 32 KB of large ones).
#
# Prints per target: inputs run, coverage (libFuzzer's cov: edges and ft: features),
# corpus size, and the result. Exits non-zero if any target crashed, leaked, timed
# out (-timeout=10 s per input) or ran out of memory (-rss_limit_mb=2048), and says
# where the reproducer is; replay it with build/fuzz/fuzz_<target> <file>.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

readonly all_targets=(cityflow_roadnet cbengine_roadnet cityflow_flow cbengine_flow cityflow_config http_bodies sumo_net sumo_routes)
readonly build_dir="build/fuzz"
readonly seed_cut_bytes=32768  # large data files seed with their first 32 KB
readonly max_len_cap=131072    # -max_len: the largest seed, at most 128 KB

usage() {
  sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

die() {
  printf 'citybrain fuzz: error: %s\n' "$*" >&2
  exit 2
}

mode="time"
amount=60
seed=""
targets=()
while (($# > 0)); do
  case "$1" in
    --time)
      (($# >= 2)) || die "--time needs a number of seconds"
      mode="time" amount="$2"
      shift 2
      ;;
    --runs)
      (($# >= 2)) || die "--runs needs a number of inputs"
      mode="runs" amount="$2"
      shift 2
      ;;
    --seed)
      (($# >= 2)) || die "--seed needs a number"
      seed="$2"
      shift 2
      ;;
    -h | --help) usage ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *)
      targets+=("$1")
      shift
      ;;
  esac
done
[[ "$amount" =~ ^[1-9][0-9]*$ ]] || die "expected a positive whole number after --$mode, got '$amount'"
[[ -z "$seed" || "$seed" =~ ^[0-9]+$ ]] || die "expected a non-negative whole number after --seed, got '$seed'"
((${#targets[@]} > 0)) || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $t "* ]] || die "unknown target '$t', expected one of: ${all_targets[*]}"
done
if [[ "$mode" == runs && -z "$seed" ]]; then
  seed=1
fi

# --- Build ------------------------------------------------------------------------
mkdir -p "$build_dir/logs"
if [[ ! -f "$build_dir/build.ninja" ]]; then
  echo "citybrain fuzz: configuring (cmake --preset fuzz) ..." >&2
  if ! cmake --preset fuzz >"$build_dir/logs/configure.log" 2>&1; then
    tail -n 30 "$build_dir/logs/configure.log" >&2
    die "configuring failed (log: $repo_root/$build_dir/logs/configure.log); is clang-14 installed (scripts/setup.sh)?"
  fi
fi
echo "citybrain fuzz: building the fuzz targets (cmake --build --preset fuzz) ..." >&2
if ! cmake --build --preset fuzz -j "$(nproc)" >"$build_dir/logs/build.log" 2>&1; then
  tail -n 40 "$build_dir/logs/build.log" >&2
  die "building failed (log: $repo_root/$build_dir/logs/build.log)"
fi

# --- Seeds from data/ ---------------------------------------------------------------
data_seeds() {
  case "$1" in
    cityflow_roadnet) echo data/cityflow/examples/roadnet.json data/cityflow/synthetic_3x3/roadnet_3_3.json ;;
    cbengine_roadnet)
      echo data/citybrain_kddcup2021/roadnet_1x1.txt data/citybrain_kddcup2021/roadnet_warm_up.txt \
        data/citybrain_kddcup2021/roadnet_round3.txt
      ;;
    cityflow_flow)
      echo data/cityflow/examples/flow.json data/cityflow/synthetic_3x3/anon_3_3_300_0.3_bi.json \
        data/cityflow/hangzhou_4x4/anon_4_4_hangzhou_real.json
      ;;
    cbengine_flow)
      echo data/citybrain_kddcup2021/flow_1x1.txt data/citybrain_kddcup2021/flow_warm_up_1000.txt \
        data/citybrain_kddcup2021/flow_round3_flow0.txt
      ;;
    cityflow_config) echo data/cityflow/examples/config.json ;;
    http_bodies) ;;  # hand-made seeds only (fuzz/corpus/http_bodies)
    sumo_net) echo data/sumo/grid2/grid2.net.xml ;;
    sumo_routes) echo data/sumo/grid2/grid2.rou.xml ;;
  esac
}

dictionary() {
  case "$1" in
    cbengine_roadnet | cbengine_flow) echo fuzz/cbengine.dict ;;
    sumo_net) echo fuzz/xml.dict ;;
    sumo_routes) echo fuzz/sumo_routes.dict ;;
    *) echo fuzz/json.dict ;;
  esac
}

make_seeds() {
  local target="$1" dir="$build_dir/seeds/$1" file
  rm -rf "$dir"
  mkdir -p "$dir"
  for file in $(data_seeds "$target"); do
    [[ -f "$file" ]] || die "seed file $file is missing"
    head -c "$seed_cut_bytes" "$file" >"$dir/$(basename "$file")"
  done
}

largest_file() {
  local size
  size="$(find "$@" -type f -printf '%s\n' 2>/dev/null | sort -n | tail -n 1)"
  echo "${size:-0}"
}

# --- Runs ----------------------------------------------------------------------------
status=0
printf '%-17s %10s %8s %7s %7s %9s  %s\n' target inputs exec/s cov ft corpus result >&2
for target in "${targets[@]}"; do
  binary="$build_dir/fuzz_$target"
  [[ -x "$binary" ]] || die "$binary was not built"
  make_seeds "$target"
  committed="fuzz/corpus/$target"
  mkdir -p "$committed"
  if [[ "$mode" == runs ]]; then
    work="$build_dir/runs/$target"
    rm -rf "$work"
    limit=(-runs="$amount")
  else
    work="$build_dir/corpus/$target"
    limit=(-max_total_time="$amount")
  fi
  mkdir -p "$work"
  artifacts="$build_dir/artifacts/$target/"
  mkdir -p "$artifacts"
  max_len="$(largest_file "$committed" "$build_dir/seeds/$target" "$work")"
  ((max_len >= 4096)) || max_len=4096
  ((max_len <= max_len_cap)) || max_len="$max_len_cap"
  log="$build_dir/logs/$target.log"
  options=("${limit[@]}" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" -print_final_stats=1
    -dict="$(dictionary "$target")" -artifact_prefix="$artifacts")
  [[ -n "$seed" ]] && options+=(-seed="$seed")
  result=ok
  # Symbolized reports: the LLVM symbolizer of clang 14, when installed (llvm-14).
  if ! ASAN_SYMBOLIZER_PATH="${ASAN_SYMBOLIZER_PATH:-/usr/lib/llvm-14/bin/llvm-symbolizer}" \
    UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}" \
    "$binary" "${options[@]}" "$work" "$build_dir/seeds/$target" "$committed" >"$log" 2>&1; then
    result=FAILED
    status=1
  fi
  # The last status line ("#N DONE cov: 812 ft: 3011 corp: 254/1Mb ...") and stats.
  last="$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)"
  inputs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  speed="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
  cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")"
  ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")"
  corpus="$(sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p' <<<"$last")"
  printf '%-17s %10s %8s %7s %7s %9s  %s\n' "$target" "${inputs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" \
    "${corpus:-?}" "$result" >&2
  if [[ "$result" == FAILED ]]; then
    reproducer="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)"
    echo "citybrain fuzz: $target failed; last lines of $repo_root/$log:" >&2
    if grep -q -E 'ERROR: |SUMMARY: |runtime error|citybrain fuzz:|terminate called|what\(\): ' "$log"; then
      grep -E 'ERROR: |SUMMARY: |runtime error|citybrain fuzz:|terminate called|what\(\): ' "$log" | head -n 12 | sed 's/^/  /' >&2
    else
      tail -n 8 "$log" | sed 's/^/  /' >&2
    fi
    if [[ -n "$reproducer" ]]; then
      echo "citybrain fuzz: reproducer: $repo_root/$reproducer (replay: $binary $reproducer)" >&2
    fi
  fi
done
if ((status == 0)); then
  echo "citybrain fuzz: no crash, leak, timeout or out-of-memory in ${#targets[@]} target(s)" >&2
fi
exit "$status"
