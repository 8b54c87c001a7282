#!/bin/sh
# bench/server/memory.sh - what one review costs `seccomp-guard serve` in
# memory while it is judged, for sizing a Deployment's memory limit. For
# each body, a fresh server with THREADS threads; its peak RSS (VmHWM)
# idle is the reference, then 2*THREADS clients post the body at once,
# ROUNDS times, and the peak is read again. Reported, median over ROUNDS
# fresh servers: the idle peak, the loaded peak, and the growth per thread
# as a multiple of the body's bytes (every thread holds one body's tree at
# a time; bodies being received are bounded apart, --body-memory-bytes).
#
#   bench/server/memory.sh              # build/seccomp-guard, THREADS=2, ROUNDS=3
#   THREADS=4 ROUNDS=5 bench/server/memory.sh
#
# Bodies: bench/data/pod-review.json (3.8 KB, a Deployment's pod); a 1 MiB
# review from big_review.py (managedFields, as real large objects carry);
# the costliest body a review may be: the same pod with a list of empty
# strings that brings it to SG_JSON_MAX_NODES values and keys (each one a
# cJSON item and a string copy in the thread's arena). Tools: curl.
set -eu
cd "$(dirname "$0")/../.."
BIN=${SG_BIN:-build/seccomp-guard}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
PY=/usr/bin/python3
[ -x "$BIN" ] || { echo "bench: build first (./scripts/build): $BIN missing" >&2; exit 2; }

dir=$(mktemp -d /tmp/sg-mem.XXXXXX)
pid=""
cleanup() {
    [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

"$BIN" certs --service seccomp-guard --namespace seccomp-guard --out "$dir/certs" \
    --ip 127.0.0.1 --dns localhost >/dev/null 2>&1
cp bench/data/pod-review.json "$dir/small.json"
$PY bench/big_review.py "$dir/big.json" >/dev/null
max_nodes=$(sed -n 's/^#define SG_JSON_MAX_NODES (\(.*\))$/\1/p' validate/json.h)
$PY - "$dir/small.json" "$dir/worst.json" "$max_nodes" <<'EOF'
import json, sys
src, out, limit = sys.argv[1], sys.argv[2], eval(sys.argv[3], {})

def nodes(v):
    if isinstance(v, dict):
        return 1 + sum(1 + nodes(x) for x in v.values())
    if isinstance(v, list):
        return 1 + sum(nodes(x) for x in v)
    return 1

review = json.load(open(src))
meta = review["request"]["object"]["metadata"]
meta["managedFields"] = [{"manager": "m", "fieldsV1": {"f:x": []}}]
room = limit - nodes(review)
meta["managedFields"][0]["fieldsV1"]["f:x"] = [""] * room
assert nodes(review) == limit
open(out, "w").write(json.dumps(review, separators=(",", ":")))
EOF

port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }

# One fresh server: "IDLE_KIB LOADED_KIB".
one_round() {
    "$BIN" serve --policy manifests/policies/default.yaml --tls-cert "$dir/certs/tls.crt" \
        --tls-key "$dir/certs/tls.key" --listen "127.0.0.1:$port" --threads "$THREADS" \
        --body-memory-bytes 67108864 >/dev/null 2>"$dir/server.log" &
    pid=$!
    i=0
    until curl -sk -o /dev/null "https://127.0.0.1:$port/healthz"; do
        i=$((i + 1))
        [ $i -lt 100 ] || { echo "bench: server did not start" >&2; cat "$dir/server.log" >&2; exit 1; }
        sleep 0.1
    done
    idle=$(hwm $pid)
    for r in 1 2 3; do
        clients=""
        n=0
        while [ $n -lt $((2 * THREADS)) ]; do
            curl -sk -o /dev/null --max-time 60 -H 'Content-Type: application/json' \
                --data-binary "@$1" -w '%{http_code}\n' "https://127.0.0.1:$port/validate" \
                >>"$dir/codes" &
            clients="$clients $!"
            n=$((n + 1))
        done
        wait $clients
    done
    loaded=$(hwm $pid)
    kill $pid
    wait $pid 2>/dev/null || true
    pid=""
    echo "$idle $loaded"
}

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

echo "seccomp-guard serve --threads $THREADS; $((2 * THREADS)) clients at once; median of $ROUNDS servers"
for body in small big worst; do
    : >"$dir/rounds"
    : >"$dir/codes"
    r=0
    while [ $r -lt "$ROUNDS" ]; do
        one_round "$dir/$body.json" >>"$dir/rounds"
        r=$((r + 1))
    done
    if grep -qv '^200$' "$dir/codes"; then
        echo "bench: $body: not every answer was 200:" $(sort "$dir/codes" | uniq -c) >&2
        exit 1
    fi
    bytes=$(wc -c <"$dir/$body.json")
    idle=$(awk '{print $1}' "$dir/rounds" | median)
    loaded=$(awk '{print $2}' "$dir/rounds" | median)
    per=$(awk '{print ($2 - $1) / '"$THREADS"'}' "$dir/rounds" | median)
    awk -v b="$body" -v bytes="$bytes" -v i="$idle" -v l="$loaded" -v p="$per" 'BEGIN {
        printf "%-5s %8d bytes: peak RSS idle %.1f MiB, loaded %.1f MiB; per thread %.1f MiB = %.1fx the body\n",
            b, bytes, i / 1024, l / 1024, p / 1024, p * 1024 / bytes }'
done
