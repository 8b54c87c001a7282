#!/bin/sh
# bench/server/run.sh - HTTPS keep-alive throughput and latency of
# `seccomp-guard serve` POST /validate (bench/data/pod-review.json: a
# Deployment's 3.8 KB pod as the API server sends it; libmicrohttpd and
# GnuTLS) against nginx serving a fixed response of the same size (OpenSSL),
# over the same certificate (ECDSA P-256) and equivalent TLS settings,
# measured in the same run. Not a test: run it by hand, on an otherwise
# idle machine if there is one; docs/performance.md has the figures.
#
#   bench/server/run.sh                 # build/seccomp-guard, 3 rounds of 10 s
#   REVIEW=my-review.json POLICY=manifests/policies/restricted.yaml bench/server/run.sh
#   ROUNDS=5 DURATION=20 bench/server/run.sh
#   SERVER_ARGS="--threads 2" bench/server/run.sh   # try another threading
#
# The server under test and nginx are pinned to CPU $SERVER_CPU, wrk to
# $LOAD_CPU (taskset), so each side has one core of the two. Reported:
# medians over the rounds of requests/s, p50 and p99 at 16 and 64
# connections, the ratio to nginx, peak RSS (VmHWM) of each server, CPU
# per new TLS connection (wrk with Connection: close, server CPU time from
# /proc divided by connections), and the memory of IDLE kept-alive TLS
# connections (each answered once, then left open). Tools: wrk, nginx-light,
# taskset, openssl (scripts/deps/test/server.txt).
set -eu
cd "$(dirname "$0")/../.."
BIN=${SG_BIN:-build/seccomp-guard}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CONNS=${CONNS:-"16 64"}
IDLE=${IDLE:-500}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
# All load comes from 127.0.0.1: the per-address limit (128 by default)
# would refuse the IDLE connections.
SERVER_ARGS=${SERVER_ARGS:-"--max-connections-per-address 4096 --max-connections 4096"}
REVIEW=${REVIEW:-bench/data/pod-review.json}   # a Deployment's pod, as the API server sends it
POLICY=${POLICY:-manifests/policies/default.yaml}
PY=/usr/bin/python3
[ -x "$BIN" ] || { echo "bench: build first (./scripts/build): $BIN missing" >&2; exit 2; }
for tool in wrk nginx taskset; do
    command -v $tool >/dev/null 2>&1 || [ -x /usr/sbin/$tool ] ||
        { echo "bench: $tool missing (scripts/setup installs it)" >&2; exit 2; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

dir=$(mktemp -d /tmp/sg-bench.XXXXXX)
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

free_port() {
    $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Certificates, the review, the response nginx will send (byte for byte
# what seccomp-guard answers, from `seccomp-guard review`).
"$BIN" certs --service seccomp-guard --namespace seccomp-guard --out "$dir/certs" \
    --ip 127.0.0.1 --dns localhost >/dev/null 2>&1
cp "$REVIEW" "$dir/review.json"
# The policy is read where it is: default.yaml finds its profiles folder
# (../profiles) relative to itself.
"$BIN" review --policy "$POLICY" "$dir/review.json" >"$dir/response.json" ||
    { echo "bench: seccomp-guard review failed on $REVIEW" >&2; exit 1; }
response=$(cat "$dir/response.json")
body_bytes=$(wc -c <"$dir/review.json")
resp_bytes=$(printf %s "$response" | wc -c)

cat >"$dir/post.lua" <<EOF
local f = io.open("$dir/review.json", "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
EOF

# nginx: one process, the same certificate, TLS 1.2/1.3, the AEAD ECDHE
# suites and groups of SG_TLS_PRIORITIES (server/tls.h) in the same
# server-preferred order, no session resumption (the server has none
# either), no limit on requests per connection, access log on like our
# decision log.
ngx_port=$(free_port)
mkdir -p "$dir/nginx"
# nginx reads backslash escapes in the quoted string and expands $names.
case $response in *'$'*) echo "bench: the response holds a \$; nginx would expand it" >&2; exit 1 ;; esac
escaped=$(printf %s "$response" | sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g")
cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log;
events { worker_connections 4096; }
http {
    access_log $dir/nginx/access.log;
    client_body_temp_path $dir/nginx/body;
    proxy_temp_path $dir/nginx/proxy;
    fastcgi_temp_path $dir/nginx/fastcgi;
    uwsgi_temp_path $dir/nginx/uwsgi;
    scgi_temp_path $dir/nginx/scgi;
    keepalive_requests 100000000;
    keepalive_timeout 120s;
    client_max_body_size 4m;
    client_body_buffer_size 16k;
    server {
        listen 127.0.0.1:$ngx_port ssl;
        ssl_certificate $dir/certs/tls.crt;
        ssl_certificate_key $dir/certs/tls.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305;
        ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256;
        ssl_prefer_server_ciphers on;
        ssl_ecdh_curve X25519:prime256v1:secp384r1;
        ssl_session_cache off;
        ssl_session_tickets off;
        location = /validate {
            default_type application/json;
            return 200 '$escaped';
        }
    }
}
EOF
taskset -c "$SERVER_CPU" "$NGINX" -c "$dir/nginx.conf" -p "$dir/nginx" 2>"$dir/nginx/start.log" &
ngx_pid=$!
pids="$pids $ngx_pid"

sg_port=$(free_port)
# shellcheck disable=SC2086
taskset -c "$SERVER_CPU" "$BIN" serve --policy "$POLICY" --tls-cert "$dir/certs/tls.crt" \
    --tls-key "$dir/certs/tls.key" --listen "127.0.0.1:$sg_port" $SERVER_ARGS \
    >"$dir/decisions.log" 2>"$dir/events.log" &
sg_pid=$!
pids="$pids $sg_pid"
sleep 1
for url in "https://127.0.0.1:$ngx_port/validate" "https://127.0.0.1:$sg_port/validate"; do
    got=$(curl -sS -k -X POST -H 'Content-Type: application/json' --data-binary @"$dir/review.json" "$url")
    [ "$got" = "$response" ] || { echo "bench: $url answered: $got" >&2; exit 1; }
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# run_wrk NAME PORT PID CONNS [extra wrk args] -> one line:
#   name conns req/s p50ms p99ms requests server-CPU-us-per-request [errors]
# CPU per request (from /proc, 10 ms ticks) is the figure least moved by
# other load on a shared machine; req/s and latency are what clients see.
run_wrk() {
    name=$1 port=$2 pid=$3 c=$4
    shift 4
    t0=$(cpu_ticks "$pid")
    taskset -c "$LOAD_CPU" wrk -t1 -c"$c" -d"${DURATION}s" --latency -s "$dir/post.lua" "$@" \
        "https://127.0.0.1:$port/validate" >"$dir/wrk.out" 2>&1
    t1=$(cpu_ticks "$pid")
    $PY - "$name" "$c" "$dir/wrk.out" "$((t1 - t0))" "$(getconf CLK_TCK)" <<'EOF'
import re, sys
name, c, path, ticks, hz = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
t = open(path).read()
def ms(v, unit):
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
lat = {p: ms(v, u) for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", t, re.M)}
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
reqs = int(re.search(r"(\d+) requests in", t).group(1))
errs = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", t)
print(name, c, "%.0f" % rps, "%.3f" % lat["50"], "%.3f" % lat["99"], reqs,
      "%.1f" % (ticks / hz * 1e6 / max(reqs, 1)),
      "errors:" + errs.group(0).replace(" ", "_") if errs else "")
EOF
}

echo "seccomp-guard bench: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, server on CPU $SERVER_CPU, wrk on CPU $LOAD_CPU"
echo "review $body_bytes bytes, response $resp_bytes bytes, ${ROUNDS} rounds of ${DURATION}s, server args: ${SERVER_ARGS:-none}"
: >"$dir/results"
r=1
while [ "$r" -le "$ROUNDS" ]; do
    for c in $CONNS; do
        run_wrk nginx "$ngx_port" "$ngx_pid" "$c" | tee -a "$dir/results"
        run_wrk seccomp-guard "$sg_port" "$sg_pid" "$c" | tee -a "$dir/results"
    done
    r=$((r + 1))
done

# CPU per new TLS connection: every request on a new connection.
newconn() {
    DURATION=5 run_wrk "$1" "$2" "$3" 16 -H "Connection: close" |
        awk '{printf "%s newconn %d connections, %.3f ms CPU per connection\n", $1, $6, $7 / 1000}'
}
newconn nginx "$ngx_port" "$ngx_pid" | tee -a "$dir/results"
newconn seccomp-guard "$sg_port" "$sg_pid" | tee -a "$dir/results"

ngx_rss=$(awk '/VmHWM/ {print $2}' "/proc/$ngx_pid/status")
sg_rss=$(awk '/VmHWM/ {print $2}' "/proc/$sg_pid/status")
echo "peak RSS (VmHWM): nginx ${ngx_rss} KiB, seccomp-guard ${sg_rss} KiB"

# IDLE kept-alive TLS connections, each answered once: each server's RSS
# with them open, against before. The client holds them until told.
cat >"$dir/idle.py" <<'EOF'
import socket, ssl, sys, time
port, n, review = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
body = open(review, "rb").read()
req = (b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
       b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
ctx = ssl.create_default_context()
ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
conns = []
for _ in range(n):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)))
    s.sendall(req)
    s.recv(65536)
    conns.append(s)
time.sleep(1)
print("ready", flush=True)
sys.stdin.readline()
EOF
idle_rss() {
    name=$1 port=$2 pid=$3
    before=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
    rm -f "$dir/idle.fifo" "$dir/idle.out"
    mkfifo "$dir/idle.fifo"
    $PY "$dir/idle.py" "$port" "$IDLE" "$dir/review.json" <"$dir/idle.fifo" >"$dir/idle.out" &
    ipid=$!
    exec 9>"$dir/idle.fifo"
    while ! grep -q ready "$dir/idle.out" 2>/dev/null && kill -0 $ipid 2>/dev/null; do sleep 0.2; done
    after=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
    echo >&9
    exec 9>&-
    wait $ipid || true
    echo "$name: $IDLE idle kept-alive TLS connections: RSS ${after} KiB (${before} KiB before)"
}
idle_rss nginx "$ngx_port" "$ngx_pid"
idle_rss seccomp-guard "$sg_port" "$sg_pid"

$PY - "$dir/results" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if " newconn " not in l]
print("\n| connections | nginx req/s | seccomp-guard req/s | ratio | nginx p50 / p99 ms | "
      "seccomp-guard p50 / p99 ms | server CPU us/request nginx / seccomp-guard (ratio) |")
print("|---|---|---|---|---|---|---|")
for c in sorted({r[1] for r in rows}, key=int):
    def med(name, col):
        return statistics.median(float(r[col]) for r in rows if r[0] == name and r[1] == c)
    n, s = med("nginx", 2), med("seccomp-guard", 2)
    cn, cs = med("nginx", 6), med("seccomp-guard", 6)
    print("| %s | %.0f | %.0f | %.2fx | %.2f / %.2f | %.2f / %.2f | %.1f / %.1f (%.2fx) |" % (
        c, n, s, s / n, med("nginx", 3), med("nginx", 4),
        med("seccomp-guard", 3), med("seccomp-guard", 4), cn, cs, cn / cs))
EOF
