"""server_rotation: hot reload without dropping a request. While clients
keep sending reviews (over kept-alive connections and over new ones), the
certificate and the policy are replaced the way the kubelet replaces a
Secret or ConfigMap volume (a new ..data symlink renamed over the old);
no request fails, the new certificate is what new handshakes get, old
connections stay open, and a broken certificate (a key that does not
match, an expired one) or policy is refused (log line and metric) while
the last good one stays in force."""
import signal
import threading

from harness import *

DENY = b"rules:\n  seccomp-unconfined: deny\nbase: default\n"
WARN = b"rules:\n  seccomp-unconfined: warn\nbase: default\n"
RESTRICTED = read(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                               "manifests", "policies", "restricted.yaml"))
BROKEN = b"rules:\n  seccomp-unconfined: [deny\n"

env = Env(policy=DENY)
srv = env.server().start()
UNCONFINED = json.dumps(review({"containers": [{
    "name": "c", "image": "i", "securityContext": {"seccompProfile": {"type": "Unconfined"}}}]
})).encode()


class Load:
    """Threads sending POST /validate until stopped: `keep` of them over one
    kept-alive connection each, `fresh` over a new connection per request.
    Every answer must be a 200 AdmissionReview; anything else is a failure."""

    def __init__(self, keep=2, fresh=1):
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()
        self.failures, self.verdicts, self.certs = [], [], []
        self.count = 0
        self.threads = [threading.Thread(target=self.loop, args=(k < keep,))
                        for k in range(keep + fresh)]
        self.keep_socks = []
        for t in self.threads:
            t.start()

    def one(self, conn):
        conn.request("POST", "/validate", body=UNCONFINED,
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise TestFailure("status %d: %r" % (r.status, body[:200]))
        return json.loads(body)["response"]["allowed"]

    def loop(self, keep):
        conn = None
        while not self.stop_flag.is_set():
            try:
                if conn is None:
                    conn = srv.connect()
                    conn.connect()
                    if keep:
                        with self.lock:
                            self.keep_socks.append(conn.sock)
                allowed = self.one(conn)
                with self.lock:
                    self.count += 1
                    self.verdicts.append((time.monotonic(), allowed))
                    if not keep:
                        self.certs.append(conn.sock.getpeercert(binary_form=True))
            except Exception as e:
                with self.lock:
                    self.failures.append(repr(e))
                conn = None
                continue
            if not keep:
                conn.close()
                conn = None
        if conn is not None:
            conn.close()

    def finish(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join(30 * SLOW)
        return self


def wait_event(event, n):
    """Waits for the n-th `event` line; returns all of them."""
    wait_for(lambda: len(srv.events(event)) >= n, 10, "%d %s event(s)" % (n, event))
    return srv.events(event)


def test_certificate_rotation_drops_nothing():
    old_der = cert_der(env.secret.path("tls.crt"))
    load = Load()
    wait_for(lambda: load.count >= 20, 10, "load to start")
    new = make_certs(os.path.join(env.dir, "rotated"), ca=env.ca_pair)
    before = srv.metrics()
    env.secret.update({"tls.crt": read(os.path.join(new, "tls.crt")),
                       "tls.key": read(os.path.join(new, "tls.key"))})
    wait_event("certificate-reload", 1)
    mark = load.count
    wait_for(lambda: load.count >= mark + 30, 10, "requests after the rotation")
    load.finish()
    check(not load.failures, "failed requests: %s" % load.failures[:5])
    new_der = cert_der(os.path.join(new, "tls.crt"))
    check(new_der != old_der, "the test did not make a new certificate")
    check(load.certs[0] == old_der and load.certs[-1] == new_der,
          "new handshakes did not move to the new certificate")
    after = srv.metrics()
    check(metric(after, "seccomp_guard_certificate_reloads_total", result="ok") ==
          metric(before, "seccomp_guard_certificate_reloads_total", result="ok") + 1,
          "reload not counted")
    # A connection opened before the rotation is still open and served.
    conn = srv.connect()
    conn.connect()
    check(conn.sock.getpeercert(binary_form=True) == new_der, "new connection, old cert")
    conn.close()


def test_kept_alive_connection_survives_rotation():
    conn = srv.connect()
    conn.request("GET", "/healthz")
    conn.getresponse().read()
    sock = conn.sock
    old = sock.getpeercert(binary_form=True)
    n = len(srv.events("certificate-reload"))
    new = make_certs(os.path.join(env.dir, "rotated2"), ca=env.ca_pair)
    env.secret.update({"tls.crt": read(os.path.join(new, "tls.crt")),
                       "tls.key": read(os.path.join(new, "tls.key"))})
    wait_event("certificate-reload", n + 1)
    conn.request("GET", "/healthz")
    r = conn.getresponse()
    r.read()
    check(r.status == 200 and conn.sock is sock, "the kept-alive connection was dropped")
    check(sock.getpeercert(binary_form=True) == old, "the session changed certificate")
    conn.close()


def test_mismatched_key_refused_old_pair_kept():
    current = cert_der(env.secret.path("tls.crt"))
    before = srv.metrics()
    n = len(srv.events("certificate-reload"))
    a = make_certs(os.path.join(env.dir, "mismatch-a"), ca=env.ca_pair)
    b = make_certs(os.path.join(env.dir, "mismatch-b"), ca=env.ca_pair)
    env.secret.update({"tls.crt": read(os.path.join(a, "tls.crt")),
                       "tls.key": read(os.path.join(b, "tls.key"))})
    ev = wait_event("certificate-reload", n + 1)[-1]
    check(ev["level"] == "error" and "does not match" in ev["msg"] and "stays" in ev["msg"],
          "refusal event: %r" % ev)
    after = srv.metrics()
    check(metric(after, "seccomp_guard_certificate_reloads_total", result="error") ==
          metric(before, "seccomp_guard_certificate_reloads_total", result="error") + 1,
          "refusal not counted")
    conn = srv.connect()
    conn.connect()
    check(conn.sock.getpeercert(binary_form=True) == current, "the last good pair was not kept")
    conn.close()
    code, _, _ = srv.curl(srv.url("/readyz"))
    check(code == 200, "not ready after a refused rotation")


def served_cert():
    conn = srv.connect()
    conn.connect()
    der = conn.sock.getpeercert(binary_form=True)
    conn.close()
    return der


def test_expired_certificate_refused_old_pair_kept():
    current = served_cert()
    n = len(srv.events("certificate-reload"))
    now = int(time.time())
    old = make_cert_valid(os.path.join(env.dir, "expired"), env.ca_pair, now - 86400, now - 60)
    env.secret.update({"tls.crt": read(old[0]), "tls.key": read(old[1])})
    ev = wait_event("certificate-reload", n + 1)[-1]
    check(ev["level"] == "error" and "expired at" in ev["msg"] and "stays" in ev["msg"],
          "refusal event: %r" % ev)
    check(served_cert() == current, "the last good pair was not kept")
    code, _, _ = srv.curl(srv.url("/readyz"))
    check(code == 200, "not ready after a refused rotation")


def test_policy_change_and_broken_policy():
    load = Load(keep=2, fresh=0)
    wait_for(lambda: load.count >= 20, 10, "load to start")
    before = srv.metrics()
    n = len(srv.events("policy-reload"))
    env.config.update({"policy.yaml": WARN})
    wait_event("policy-reload", n + 1)
    t_reload = time.monotonic()
    wait_for(lambda: load.verdicts[-1][0] > t_reload + 0.2, 10, "requests after the change")
    env.config.update({"policy.yaml": BROKEN})
    ev = wait_event("policy-reload", n + 2)[-1]
    t_broken = time.monotonic()
    wait_for(lambda: load.verdicts[-1][0] > t_broken + 0.2, 10, "requests after the break")
    load.finish()
    check(not load.failures, "failed requests: %s" % load.failures[:5])
    check(ev["level"] == "error" and "policy.yaml:" in ev["msg"],
          "broken policy refusal: %r" % ev)
    first = [a for t, a in load.verdicts[:10]]
    after_change = [a for t, a in load.verdicts if t > t_reload + 0.05]
    check(first and not any(first), "the first policy (deny) was not in force: %r" % first)
    check(after_change and all(after_change), "the new policy (warn) did not take over, or "
          "the broken one replaced it")
    after = srv.metrics()
    d_ok = metric(after, "seccomp_guard_policy_reloads_total", result="ok") - metric(
        before, "seccomp_guard_policy_reloads_total", result="ok")
    d_err = metric(after, "seccomp_guard_policy_reloads_total", result="error") - metric(
        before, "seccomp_guard_policy_reloads_total", result="error")
    check((d_ok, d_err) == (1, 1), "reload metrics moved by ok=%s error=%s" % (d_ok, d_err))


def test_truncated_policy_keeps_the_last_good():
    """restricted.yaml cut after its first dozen lines (a writer that does
    not replace the file in one step) would allow a pod with no seccomp
    profile; it names no base, so it is refused and restricted stays."""
    no_profile = json.dumps(review({"containers": [{"name": "c", "image": "i"}]}))
    n = len(srv.events("policy-reload"))
    env.config.update({"policy.yaml": RESTRICTED})
    wait_event("policy-reload", n + 1)
    code, body, _ = srv.post("/validate", no_profile)
    check(code == 200 and json.loads(body)["response"]["allowed"] is False,
          "restricted did not deny a pod without a profile: %s" % body)
    check(metric(srv.metrics(), "seccomp_guard_policy_refused") == 0, "refused before the cut")
    cut = b"".join(RESTRICTED.splitlines(keepends=True)[:12])
    check(b"base:" not in cut, "the cut still names its base")
    env.config.update({"policy.yaml": cut})
    ev = wait_event("policy-reload", n + 2)[-1]
    check(ev["level"] == "error" and "names no base" in ev["msg"] and
          "last good one stays in force" in ev["msg"], "truncated policy refusal: %r" % ev)
    check(metric(srv.metrics(), "seccomp_guard_policy_refused") == 1, "gauge not set")
    code, body, _ = srv.post("/validate", no_profile)
    check(code == 200 and json.loads(body)["response"]["allowed"] is False,
          "the truncated policy replaced restricted: %s" % body)
    env.config.update({"policy.yaml": DENY})
    wait_event("policy-reload", n + 3)
    check(metric(srv.metrics(), "seccomp_guard_policy_refused") == 0, "gauge not cleared")


def test_sighup_reloads():
    env.config.update({"policy.yaml": DENY})
    n = len(srv.events("policy-reload"))
    wait_event("policy-reload", n + 1)
    before = metric(srv.metrics(), "seccomp_guard_policy_reloads_total", result="ok")
    srv.kill(signal.SIGHUP)
    wait_for(lambda: metric(srv.metrics(), "seccomp_guard_policy_reloads_total", result="ok") ==
             before + 1, 10, "SIGHUP reload")
    code, body, _ = srv.post("/validate", UNCONFINED.decode())
    check(code == 200 and json.loads(body)["response"]["allowed"] is False,
          "deny policy not back in force")
    check(srv.stop() == 0, "exit status")


if __name__ == "__main__":
    run(globals())
