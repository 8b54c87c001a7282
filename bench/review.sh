#!/bin/sh
# The engine's cost against cJSON alone on the same AdmissionReview, two ways:
# CPU time (medians over interleaved rounds; noisy on a shared machine) and
# valgrind's instruction counts (repeatable). Without REVIEW_JSON it also
# times a 1 MiB review (bench/big_review.py: a pod with a large
# managedFields). Not a test: figures to read.
#   bench/review.sh [POLICY] [REVIEW_JSON]
set -eu
cd "$(dirname "$0")/.."
policy=${1:-manifests/policies/restricted.yaml}
body=${2:-bench/data/pod-review.json}
big=build/bench/pod-review-1mib.json
./scripts/build >/dev/null
cmake --build build --target review_bench >/dev/null
echo "== CPU time =="
./build/bench/review_bench "$policy" "$body" 15 2000 | tail -1
if command -v valgrind >/dev/null 2>&1; then
    echo "== instructions (callgrind, 200 iterations each) =="
    out=$(mktemp)
    valgrind --tool=callgrind --callgrind-out-file="$out" \
        ./build/bench/review_bench "$policy" "$body" 1 200 >/dev/null 2>&1
    callgrind_annotate --inclusive=yes "$out" 2>/dev/null |
        awk '/review_bench.c:time_cjson/ {c=$1} /review_bench.c:time_review/ {r=$1}
             END {gsub(",", "", c); gsub(",", "", r);
                  printf "cJSON parse+print %d, sg_review %d instructions per call, ratio %.2f\n",
                         c/220, r/220, r/c}'
    rm -f "$out"
else
    echo "(apt-get install valgrind for instruction counts)"
fi
if [ $# -lt 2 ]; then
    [ -f "$big" ] || python3 bench/big_review.py "$big" >/dev/null
    echo "== CPU time, 1 MiB review ($big) =="
    ./build/bench/review_bench "$policy" "$big" 7 20 | tail -1
fi
