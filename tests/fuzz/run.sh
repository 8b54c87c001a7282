#!/bin/sh
# Fuzzes every target for a few seconds each, from its committed corpus,
# with clang's libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer;
# fails on the first crash, leak, sanitizer report or timeout. scripts/test
# runs it after the corpus replays, so each CI run also looks a little
# beyond the corpus. Nothing is written to the corpus: new inputs go to a
# scratch folder (tests/fuzz/README.md says how to merge them by hand).
#
#   tests/fuzz/run.sh [SECONDS]      (default 10 per target)
#
# Builds in build-fuzz/ (clang, -DSG_FUZZ=ON, the `fuzz` target only). A
# crashing input is kept in build-fuzz/crashes/ and named in the output.
set -eu
cd "$(dirname "$0")/../.."
seconds=${1:-10}
case $seconds in '' | *[!0-9]*) echo "usage: tests/fuzz/run.sh [SECONDS]" >&2; exit 2 ;; esac
jobs=$(nproc 2>/dev/null || echo 2)

CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DSG_FUZZ=ON -DSG_BUILD_TESTS=ON \
    >/dev/null
cmake --build build-fuzz --target fuzz -j "$jobs" >/dev/null

scratch=$(mktemp -d /tmp/sg-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
mkdir -p build-fuzz/crashes
status=0
# Every target has a corpus folder; a binary left from a target that is
# gone (an older build-fuzz/) is not run.
for corpus in tests/fuzz/corpus/*/; do
    target=$(basename "$corpus")
    bin=build-fuzz/tests/fuzz/fuzz_$target
    [ -x "$bin" ] || { echo "fuzz: FAIL: no $bin for corpus/$target" >&2; status=1; continue; }
    # The targets cut their input where fuzzing them is useful (README.md);
    # -max_len says the same to libFuzzer so it does not waste runs.
    case $target in
    policy) max_len=8192 ;;
    *) max_len=65536 ;;
    esac
    dict=tests/fuzz/k8s.dict
    [ "$target" != profile ] || dict=tests/fuzz/profile.dict
    mkdir -p "$scratch/$target"
    if "$bin" -dict=$dict -max_len=$max_len -timeout=10 -rss_limit_mb=2048 \
        -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="build-fuzz/crashes/$target-" \
        "$scratch/$target" "tests/fuzz/corpus/$target" >"$scratch/$target.log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$target.log")
        echo "fuzz: $target: ${runs:-?} runs in ${seconds} s, no finding"
    else
        tail -40 "$scratch/$target.log" >&2
        echo "fuzz: FAIL: $target: see the report above; the input is in build-fuzz/crashes/" >&2
        status=1
    fi
done
exit $status
