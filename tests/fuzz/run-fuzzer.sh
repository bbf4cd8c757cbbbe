#!/usr/bin/env bash
# Runs the libFuzzer target for a given number of seconds.
#
#   tests/fuzz/run-fuzzer.sh [SECONDS] [BUILD_DIR] [-- LIBFUZZER_ARGS...]
#
# Builds BUILD_DIR (default _build-fuzz) with clang, -Dfuzzing=true and
# AddressSanitizer + UndefinedBehaviorSanitizer, then fuzzes from the
# committed corpus (tests/fuzz/corpus, read only) with a working corpus in
# BUILD_DIR/corpus, on one core. Findings (crash-*, leak-*, timeout-*) land
# in BUILD_DIR/findings; reproduce one without libFuzzer with
#   BUILD_DIR/tests/fuzz/fuzz-replay FILE
# and, once fixed, copy it into tests/fuzz/corpus. Needs clang and
# libclang-rt-14-dev (Debian 12).
set -euo pipefail

seconds=${1:-60}
builddir=${2:-_build-fuzz}
shift $(( $# < 2 ? $# : 2 ))
[ "${1:-}" = -- ] && shift
srcdir=$(cd "$(dirname "$0")/../.." && pwd)

if [ ! -f "$builddir/build.ninja" ]; then
  CC=${CC:-clang} meson setup "$builddir" "$srcdir" \
    -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dintrospection=disabled -Dexamples=false -Dbuildtype=debugoptimized
fi
ninja -C "$builddir" -j "${NINJA_JOBS:-2}" tests/fuzz/fuzz-memory-set tests/fuzz/fuzz-replay

mkdir -p "$builddir/corpus" "$builddir/findings"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export G_DEBUG=gc-friendly
# GSlice hides the set's own memory from ASan (tree nodes, buckets).
export G_SLICE=always-malloc

# One job in one worker: one core. libFuzzer logs to fuzz-0.log in the
# build directory, and new inputs go to its corpus only.
cd "$builddir"
"./tests/fuzz/fuzz-memory-set" \
  -max_total_time="$seconds" -jobs=1 -workers=1 \
  -max_len=4096 -timeout=10 -print_final_stats=1 \
  -artifact_prefix=findings/ \
  "$@" corpus "$srcdir/tests/fuzz/corpus" || status=$?
cat fuzz-0.log 2>/dev/null | tail -n 30
exit "${status:-0}"
