"""server_http: the HTTP surface of the real binary over TLS - every error
code with its short message, /healthz, /readyz, /metrics (parsed, counters
move), keep-alive reuse, and that garbage never stops it serving."""
import http.client
import os
import signal
import socket
import ssl
import sys

from harness import *

LIMIT = 65536
env = Env()
srv = env.server(["--max-body-bytes", str(LIMIT), "--threads", "2"]).start()


def test_healthz_and_readyz():
    code, body, _ = srv.curl(srv.url("/healthz"))
    check((code, body) == (200, b"ok\n"), "healthz: %d %r" % (code, body))
    code, body, _ = srv.curl(srv.url("/readyz"))
    check((code, body) == (200, b"ready\n"), "readyz: %d %r" % (code, body))
    code, _, _ = srv.curl("-I", srv.url("/healthz"))
    check(code == 200, "HEAD /healthz: %d" % code)


def test_unknown_path_is_404():
    for path in ("/", "/validate/x", "/VALIDATE", "/metricsx"):
        code, body, _ = srv.curl(srv.url(path))
        check((code, body) == (404, b"not found\n"), "%s: %d %r" % (path, code, body))


def test_wrong_method_is_405_with_allow():
    code, body, err = srv.curl("-v", srv.url("/validate"))
    check(code == 405 and b"takes POST" in body, "GET /validate: %d %r" % (code, body))
    check("< Allow: POST" in err, "no Allow header: " + err)
    code, body, err = srv.curl("-v", "-X", "POST", "-H", "Content-Type: application/json",
                               "-d", "{}", srv.url("/metrics"))
    check(code == 405 and "< Allow: GET" in err, "POST /metrics: %d" % code)
    code, _, _ = srv.curl("-X", "PUT", "-H", "Content-Type: application/json", "-d", "{}",
                          srv.url("/mutate"))
    check(code == 405, "PUT /mutate: %d" % code)


def test_wrong_content_type_is_415():
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "application/jsonx"):
        code, body, _ = srv.post("/validate", "{}", ctype)
        check(code == 415 and body == b"unsupported content type: send application/json\n",
              "%s: %d %r" % (ctype, code, body))
    code, _, _ = srv.post("/validate", "{}", "Application/JSON; charset=utf-8")
    check(code == 400, "JSON with parameters should pass the type check, got %d" % code)


def test_body_over_limit_is_413():
    big = os.path.join(env.dir, "big.json")
    with open(big, "wb") as f:
        f.write(b'{"pad":"' + b"x" * (LIMIT + 100) + b'"}')
    # Declared: answered from the headers, before any of the body is read.
    # (A client still sending the body when the answer and the close come,
    # as curl would be, can see EPIPE before it reads the 413.)
    conn = srv.connect()
    conn.putrequest("POST", "/validate")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(LIMIT + 100))
    conn.endheaders()
    resp = conn.getresponse()
    code, body = resp.status, resp.read()
    conn.close()
    check(code == 413 and b"limit is %d" % LIMIT in body, "declared: %d %r" % (code, body))
    # Chunked: no Content-Length, found out while reading.
    code, body, _ = srv.post_file("/mutate", big, "-H", "Transfer-Encoding: chunked")
    check(code == 413 and body == b"request body too large\n", "chunked: %d %r" % (code, body))
    # Exactly at the limit is read (and is then not an AdmissionReview).
    at = os.path.join(env.dir, "at.json")
    with open(at, "wb") as f:
        f.write(b'{"pad":"' + b"x" * (LIMIT - 10) + b'"}')
    code, _, _ = srv.post_file("/validate", at)
    check(code == 400, "a body at the limit should reach the engine, got %d" % code)


def test_not_an_admission_review_is_400():
    cases = {
        "not JSON": "hello",
        "truncated": '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","requ',
        "empty": "",
        "wrong type": '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",'
                      '"request":"yes"}',
        "no uid": json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                              "request": {"kind": {"kind": "Pod"}}}),
    }
    for what, body in cases.items():
        code, text, _ = srv.post("/validate", body)
        check(code == 400, "%s: %d %r" % (what, code, text))
        check(text.endswith(b"\n") and len(text) < 400 and b"{" not in text[:1],
              "%s: not a short plain message: %r" % (what, text))
    rejected = [d for d in srv.decisions() if d.get("status") == 400]
    check(len(rejected) >= len(cases), "400s are logged: %r" % rejected[-3:])


def test_keep_alive_connection_is_reused():
    code, _, err = srv.curl("-v", srv.url("/healthz"), "-o", "/dev/null", srv.url("/readyz"))
    check("Re-using existing connection" in err, "curl did not reuse: " + err[-500:])
    conn = srv.connect()
    conn.request("GET", "/healthz")
    r = conn.getresponse()
    r.read()
    sock = conn.sock
    for _ in range(20):
        conn.request("POST", "/validate", body=b"{}",
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        check(r.status == 400, "status %d" % r.status)
        check(conn.sock is sock, "the connection was not kept alive")
    conn.close()


def read_responses(tls, n):
    """Reads `n` HTTP/1.1 responses in order from one TLS socket."""
    f = tls.makefile("rb")
    out = []
    for _ in range(n):
        status = f.readline().split()
        headers = {}
        for line in iter(f.readline, b"\r\n"):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        out.append((int(status[1]), f.read(int(headers["content-length"]))))
    return out


def test_pipelined_requests_in_one_write_are_all_answered():
    # Several requests in one TLS record, and several records in one
    # segment: OpenSSL reads ahead of the record it needs, and the server must
    # still answer every request it holds without waiting for more bytes.
    bodies = [json.dumps(realistic_pod(3000 + 500 * i)).replace(
        '"uid-1"', '"pipe-%d"' % i).encode() for i in range(4)]
    reqs = [b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(b), b) for b in bodies]
    reqs.insert(2, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    with socket.create_connection(("127.0.0.1", srv.port)) as raw:
        with srv.context().wrap_socket(raw, server_hostname="localhost") as tls:
            tls.settimeout(10 * SLOW)
            tls.sendall(b"".join(reqs))           # one write, split into records by size
            tls.sendall(reqs[0] + reqs[2])        # and two requests in one small record
            got = read_responses(tls, len(reqs) + 2)
    check([c for c, _ in got] == [200] * len(got), "statuses %s" % [c for c, _ in got])
    uids = [json.loads(b)["response"]["uid"] for c, b in got if b.startswith(b"{")]
    check(uids == ["pipe-0", "pipe-1", "pipe-2", "pipe-3", "pipe-0"], "uids %s" % uids)
    check(got[2][1] == b"ok\n" and got[-1][1] == b"ok\n", "healthz bodies")


def test_client_that_never_reads_is_cut_not_waited_for():
    # A client that pipelines requests and never reads the answers fills
    # its receive window and then the server's send buffer. The server
    # stops reading from it (it answers one request at a time), goes on
    # serving others, and the request timeout cuts it, with a log line
    # saying why.
    cut = threading.Event()
    # /metrics answers are a few KB each: the server's send buffer (which
    # the kernel grows up to tcp_wmem's maximum) fills after a few hundred
    # of them, even when the server runs slowly under a sanitizer.
    req = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
    short = env.server(["--request-timeout", "2"]).start()

    def flood():
        raw = socket.create_connection(("127.0.0.1", short.port))
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        tls = short.context().wrap_socket(raw, server_hostname="localhost")
        try:
            for _ in range(20000):
                tls.sendall(req * 64)
        except (OSError, ssl.SSLError):
            cut.set()
        finally:
            raw.close()

    t = threading.Thread(target=flood, daemon=True)
    started = time.monotonic()
    t.start()
    # It is cut 2 s after the request whose answer could not be sent.
    while not cut.is_set() and time.monotonic() - started < 2 + 10 * SLOW:
        code, _, _ = short.curl(short.url("/healthz"))
        check(code == 200, "another client was not served: %d" % code)
        time.sleep(0.2)
    check(cut.wait(1), "a client that never reads was still connected %.0f s after its request "
          "timeout of 2 s" % (time.monotonic() - started - 2))
    wait_for(lambda: any("could not be sent" in e.get("msg", "") for e in short.events()), 5,
             "the log line saying why the connection was closed")
    check(short.stop() == 0, "exit status")


def test_metrics_counters_move():
    before = srv.metrics()
    for _ in range(3):
        srv.post("/validate", "nope")
    srv.curl(srv.url("/nowhere"))
    after = srv.metrics()
    name = "seccomp_guard_http_requests_total"
    d400 = metric(after, name, endpoint="validate", code=400) - metric(
        before, name, endpoint="validate", code=400)
    d404 = metric(after, name, endpoint="other", code=404) - metric(
        before, name, endpoint="other", code=404)
    check(d400 == 3 and d404 == 1, "deltas: 400=%s 404=%s" % (d400, d404))
    check(metric(after, name, endpoint="metrics", code=200) >= 1, "scrapes not counted")
    expiry = metric(after, "seccomp_guard_certificate_expiry_seconds")
    check(364 * 86400 < expiry <= 365 * 86400, "certificate expiry %s" % expiry)
    check(metric(after, "seccomp_guard_ready") == 1, "not ready")
    check(metric(after, "seccomp_guard_connections") >= 1, "connections gauge")
    for family in ("seccomp_guard_decisions_total", "seccomp_guard_policy_reloads_total",
                   "seccomp_guard_certificate_reloads_total",
                   "seccomp_guard_request_duration_seconds_bucket",
                   "seccomp_guard_request_timeouts_total"):
        check(family in after, "missing metric family " + family)


def test_garbage_does_not_stop_it():
    ctx = srv.context()
    with socket.create_connection(("127.0.0.1", srv.port)) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"\x00\x01garbage\r\n\r\nGET / HTTP/9.9\r\n\r\n")
            tls.settimeout(5 * SLOW)
            try:
                tls.recv(1000)
            except (OSError, ssl.SSLError):
                pass
    with socket.create_connection(("127.0.0.1", srv.port)) as raw:
        raw.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")  # plain HTTP on TLS
        raw.settimeout(5 * SLOW)
        try:
            raw.recv(1000)
        except OSError:
            pass
    code, _, _ = srv.curl(srv.url("/healthz"))
    check(code == 200, "server stopped answering after garbage")


def busy_connection(srv):
    """A TLS connection in the middle of a request (its head half sent, at
    once: no Nagle delay after the handshake's last record)."""
    raw = socket.create_connection(("127.0.0.1", srv.port), timeout=5 * SLOW)
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    tls = srv.context().wrap_socket(raw, server_hostname="localhost")
    tls.sendall(b"POST /validate HTTP/1.1\r\nHost: x\r\n")
    return tls


def test_body_memory_and_connection_limits():
    # The busy connections are not to time out while the third waits.
    lim = env.server(["--body-memory-bytes", "10000", "--max-connections", "2",
                      "--request-timeout", "60", "--threads", "1"]).start()
    code, body, _ = lim.post("/validate", "x" * 20000)
    check(code == 503 and b"busy" in body, "over the body budget: %d %r" % (code, body))
    code, _, _ = lim.post("/validate", "x" * 5000)
    check(code == 400, "under the body budget: %d" % code)
    # Two connections in a request fill it; a third waits unserved until
    # one goes.
    held = [busy_connection(lim) for _ in range(2)]
    time.sleep(0.5 * SLOW)  # the server has read their heads: they are busy, not handshaking
    extra = lim.connect(timeout=1.5)
    try:
        extra.request("GET", "/healthz")
        extra.getresponse().read()
        check(False, "a third connection was served with --max-connections 2")
    except (OSError, http.client.HTTPException, ssl.SSLError):
        pass
    extra.close()
    held.pop().close()
    code, _, _ = lim.curl(lim.url("/healthz"))
    check(code == 200, "not serving once a slot was free: %d" % code)
    # An idle connection gives way to a newcomer: the slots are one busy
    # and one idle; the newcomer is served and the idle one closed.
    idle = lim.connect()
    idle.request("GET", "/healthz")
    idle.getresponse().read()
    code, _, _ = lim.curl(lim.url("/healthz"))
    check(code == 200, "a newcomer waited for an idle connection: %d" % code)
    idle.sock.settimeout(5 * SLOW)
    try:
        check(idle.sock.recv(1) == b"", "the idle connection is still open")
    except (ssl.SSLError, OSError):
        pass  # closed: EOF, reset or a TLS alert
    wait_for(lambda: lim.events("connection-limit"), 5, "the log line about the idle one closed")
    held[0].close()
    check(lim.stop() == 0, "exit status")


def thread_cpu_ticks(pid):
    ticks = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks[tid] = int(fields[11]) + int(fields[12])  # utime + stime
    return ticks


def test_connections_are_spread_over_the_threads():
    # The API server keeps a few connections open for hours: they must not
    # all land on one thread (one CPU) because that thread happened to be
    # the one the kernel woke first.
    spread = env.server(["--threads", "4"]).start()
    conns = []
    for _ in range(8):
        c = spread.connect()
        c.request("GET", "/healthz")
        c.getresponse().read()
        conns.append(c)
        time.sleep(0.05)
    before = thread_cpu_ticks(spread.proc.pid)

    def hammer(c):
        end = time.monotonic() + 3
        while time.monotonic() < end:
            c.request("GET", "/healthz")
            c.getresponse().read()

    threads = [threading.Thread(target=hammer, args=(c,)) for c in conns]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    after = thread_cpu_ticks(spread.proc.pid)
    used = sorted((after[t] - before.get(t, 0) for t in after), reverse=True)
    working = [u for u in used if u * 5 >= used[0]]  # at least a fifth of the busiest
    check(len(working) >= 3, "CPU ticks per thread %s: the connections share few threads" % used)
    for c in conns:
        c.close()
    check(spread.stop() == 0, "exit status")


def connections_per_loop(pid):
    """Client sockets in each epoll set of the process (each of
    libmicrohttpd's threads has one; a socket in several is not counted)."""
    fds = {}
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            fds[int(fd)] = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            pass
    sets = []
    for fd, target in fds.items():
        if "eventpoll" in target:
            with open("/proc/%d/fdinfo/%d" % (pid, fd)) as f:
                sets.append([int(l.split()[1]) for l in f if l.startswith("tfd:")])
    shared = {t for s in sets for t in s if sum(t in other for other in sets) > 1}
    return sorted(sum(1 for t in s if "socket" in fds.get(t, "") and t not in shared)
                  for s in sets)


def test_a_burst_of_connections_is_spread_over_the_threads():
    # 64 connections waiting in the listen queue at once (a pause, or the
    # API server reconnecting after a restart): the thread that wakes first
    # must not keep most of them. The client handshakes one connection
    # after another, so the last ones wait long after their accept: a
    # handshake deadline to match.
    burst = env.server(["--threads", "4", "--handshake-timeout", "60",
                        "--request-timeout", "60"]).start()
    burst.kill(signal.SIGSTOP)
    raws = [socket.create_connection(("127.0.0.1", burst.port), timeout=20) for _ in range(64)]
    burst.kill(signal.SIGCONT)
    conns = []
    for raw in raws:
        tls = burst.context().wrap_socket(raw, server_hostname="localhost")
        tls.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        tls.recv(1000)
        conns.append(tls)
    per_loop = connections_per_loop(burst.proc.pid)
    check(len(per_loop) == 4 and per_loop[0] >= 12, "connections per thread: %s" % per_loop)
    for c in conns:
        c.close()
    check(burst.stop() == 0, "exit status")


def test_idle_timeout_closes_kept_alive_connections():
    idle = env.server(["--idle-timeout", "1"]).start()
    conn = idle.connect()
    conn.request("GET", "/healthz")
    conn.getresponse().read()
    time.sleep(2.5)
    try:
        conn.sock.settimeout(2 * SLOW)
        check(conn.sock.recv(1) == b"", "an idle connection is still open")
    except TimeoutError:
        raise TestFailure("an idle connection is still open after the idle timeout")
    except (ssl.SSLError, OSError):
        pass  # closed: EOF, reset or a TLS alert
    conn.close()
    check(idle.stop() == 0, "exit status")


def test_sigterm_exits_zero():
    rc = srv.stop()
    check(rc == 0, "exit status %s after SIGTERM" % rc)
    check(srv.events("stop"), "no stop event")


if __name__ == "__main__":
    run(globals())
