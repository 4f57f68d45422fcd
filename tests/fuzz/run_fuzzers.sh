#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) in a tree of their own and runs each one for a
# bounded number of inputs and seconds, starting from its seed corpus (tests/fuzz/corpus/<fuzzer>/) when
# there is one. A crash, a leak or a sanitizer report fails the run and leaves the input in the work folder.
#
#   run_fuzzers.sh SOURCE_DIR BUILD_DIR [RUNS] [SECONDS_PER_FUZZER]
set -euo pipefail
src=$1
build=$2
runs=${3:-20000}
seconds=${4:-60}

cmake -S "$src" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DEKC_FUZZ=ON \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$build.configure.log" 2>&1 ||
  { cat "$build.configure.log"; exit 1; }
cmake --build "$build"

shopt -s nullglob
fuzzers=("$build"/tests/fuzz/*_fuzzer)
if [ ${#fuzzers[@]} -eq 0 ]; then
  echo "run_fuzzers.sh: no fuzzers were built under $build/tests/fuzz" >&2
  exit 1
fi
work="$build/fuzz-work"
mkdir -p "$work"
for fuzzer in "${fuzzers[@]}"; do
  name=$(basename "$fuzzer")
  corpus="$work/$name-corpus"
  mkdir -p "$corpus"
  seeds=()
  [ -d "$src/tests/fuzz/corpus/$name" ] && seeds=("$src/tests/fuzz/corpus/$name")
  echo "== $name: up to $runs inputs or $seconds s"
  (cd "$work" && "$fuzzer" -runs="$runs" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 "$corpus" "${seeds[@]}")
done
echo "run_fuzzers.sh: ${#fuzzers[@]} fuzzers ran clean"
