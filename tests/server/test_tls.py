"""server_tls: TLS as the API server meets it - 1.2 and 1.3 only (1.1 and
weak ciphers refused by the server, not by the client), ECDSA and RSA
keys, start-up refusals that name the file (an expired or not yet valid
certificate among them), /readyz once the served certificate expires, and
--client-ca requiring a certificate the CA signed, refusals logged with
GnuTLS's reason."""
import signal
import subprocess

from harness import *

env = Env()
srv = env.server().start()


def s_client(*args, port=None):
    """openssl s_client against the server; returns its combined output."""
    cmd = [OPENSSL, "s_client", "-connect", "127.0.0.1:%d" % (port or srv.port),
           "-servername", "localhost", "-CAfile", env.ca] + list(args)
    r = subprocess.run(cmd, input=b"Q\n", capture_output=True, timeout=30 * SLOW)
    return (r.stdout + r.stderr).decode(errors="replace")


def test_tls12_and_tls13_accepted():
    code, _, err = srv.curl("-v", "--tlsv1.2", "--tls-max", "1.2", srv.url("/healthz"))
    check(code == 200 and "TLSv1.2" in err, "TLS 1.2: %d" % code)
    code, _, err = srv.curl("-v", "--tlsv1.3", srv.url("/healthz"))
    check(code == 200 and "TLSv1.3" in err, "TLS 1.3: %d" % code)


def test_tls11_refused_by_the_server():
    # SECLEVEL=0 lets OpenSSL 3 offer TLS 1.1 at all; the alert in the
    # output then comes from the server, so this fails if the server
    # accepted 1.1 (handshake completes) or if the client never offered it.
    out = s_client("-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0")
    check("no protocols available" not in out and re.search(r"written [1-9]\d* bytes", out),
          "the client did not offer TLS 1.1:\n" + out[-800:])
    check("Cipher is (NONE)" in out, "TLS 1.1 was not refused:\n" + out[-800:])
    out = s_client("-tls1", "-cipher", "DEFAULT:@SECLEVEL=0")
    check("Cipher is (NONE)" in out, "TLS 1.0 was not refused:\n" + out[-800:])


def test_weak_ciphers_refused():
    out = s_client("-tls1_2", "-cipher", "AES128-SHA:DES-CBC3-SHA:@SECLEVEL=0")
    check("Cipher is (NONE)" in out or "handshake failure" in out,
          "a non-ECDHE CBC cipher was accepted:\n" + out[-800:])
    out = s_client("-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256")
    check("Cipher is ECDHE-ECDSA-AES128-GCM-SHA256" in out, "ECDHE-ECDSA GCM refused")


def test_rsa_key_served():
    certs = make_certs(os.path.join(env.dir, "rsa"), "rsa")
    rsa = env.server(cert=os.path.join(certs, "tls.crt"), key=os.path.join(certs, "tls.key"))
    rsa.ca = os.path.join(certs, "ca.crt")
    rsa.start()
    code, _, err = rsa.curl("-v", "--tlsv1.2", "--tls-max", "1.2", rsa.url("/healthz"))
    check(code == 200 and "ECDHE-RSA" in err, "RSA over TLS 1.2: %d %s" % (code, err[-300:]))
    conn = rsa.connect()
    conn.connect()
    der = conn.sock.getpeercert(binary_form=True)
    conn.close()
    check(der == cert_der(os.path.join(certs, "tls.crt")), "not the RSA certificate")
    check(rsa.stop() == 0, "RSA server exit status")


def test_startup_refusals_name_the_file():
    other = make_certs(os.path.join(env.dir, "other"))
    other_key = os.path.join(other, "tls.key")
    cert = env.secret.path("tls.crt")
    rc, err = env.server(key=other_key).start(expect_fail=True)
    check(rc == 1 and "does not match" in err and cert in err and other_key in err,
          "mismatched key: %d %s" % (rc, err))
    missing = os.path.join(env.dir, "nope.crt")
    rc, err = env.server(cert=missing).start(expect_fail=True)
    check(rc == 1 and missing in err, "missing cert: %d %s" % (rc, err))
    bad = os.path.join(env.dir, "bad.yaml")
    with open(bad, "w") as f:
        f.write("seccomp:\n  unconfined: [\n")
    rc, err = env.server(policy=bad).start(expect_fail=True)
    check(rc == 1 and re.search(re.escape(bad) + r":\d+:\d+", err),
          "bad policy: %d %s" % (rc, err))
    # The harness passes its own --listen first; a later one wins.
    busy = env.server(args=["--listen", "127.0.0.1:%d" % srv.port])
    rc, err = busy.start(expect_fail=True)
    check(rc == 1 and "127.0.0.1:%d" % srv.port in err, "port in use: %d %s" % (rc, err))
    rc, err = env.server(args=["--listen", "nonsense"]).start(expect_fail=True)
    check(rc == 1 and "nonsense" in err, "bad --listen: %d %s" % (rc, err))
    r = subprocess.run([BINARY, "serve", "--threads", "x"], capture_output=True, text=True)
    check(r.returncode == 2 and "--threads" in r.stderr, "bad flag: %s" % r.stderr)
    # One limit, stated once: the engine reads at most 4 MiB, so the
    # option refuses more rather than let a body through to a 400.
    r = subprocess.run([BINARY, "serve", "--max-body-bytes", str(4 * 1024 * 1024 + 1)],
                       capture_output=True, text=True)
    check(r.returncode == 2 and "--max-body-bytes" in r.stderr and "4194304" in r.stderr,
          "--max-body-bytes over the engine's limit: %d %s" % (r.returncode, r.stderr))
    r = subprocess.run([BINARY, "serve", "--help"], capture_output=True, text=True)
    for flag in ("--listen", "--client-ca", "--max-body-bytes", "--max-connections",
                 "--connection-memory-bytes", "--idle-timeout", "--request-timeout",
                 "--threads", "(default :8443)", "(default 4194304)"):
        check(flag in r.stdout, "--help lacks " + flag)


def test_expired_or_not_yet_valid_certificate_refused_at_start():
    now = int(time.time())
    expired = make_cert_valid(os.path.join(env.dir, "expired"), env.ca_pair, now - 86400,
                              now - 60)
    rc, err = env.server(cert=expired[0], key=expired[1]).start(expect_fail=True)
    check(rc == 1 and "expired at" in err and expired[0] in err,
          "expired certificate: %d %s" % (rc, err))
    early = make_cert_valid(os.path.join(env.dir, "early"), env.ca_pair, now + 86400,
                            now + 2 * 86400)
    rc, err = env.server(cert=early[0], key=early[1]).start(expect_fail=True)
    check(rc == 1 and "not valid before" in err and early[0] in err,
          "not yet valid certificate: %d %s" % (rc, err))


def test_not_ready_once_the_served_certificate_expires():
    now = int(time.time())
    valid = int(3 + SLOW / 2)  # long enough for the server to start and answer once
    short = make_cert_valid(os.path.join(env.dir, "short"), env.ca_pair, now - 60, now + valid)
    srv2 = env.server(cert=short[0], key=short[1]).start()
    code, body, _ = srv2.curl(srv2.url("/readyz"))
    check((code, body) == (200, b"ready\n"), "ready while valid: %d %r" % (code, body))
    time.sleep(max(0, now + valid + 1.5 - time.time()))
    # The client cannot verify an expired certificate: -k, this once.
    code, body, _ = srv2.curl("-k", srv2.url("/readyz"))
    check(code == 503 and b"expired" in body, "readyz once expired: %d %r" % (code, body))
    code, body, _ = srv2.curl("-k", srv2.url("/healthz"))
    check(code == 200, "healthz once expired: %d" % code)
    wait_for(lambda: any(e.get("event") == "certificate" and e.get("level") == "error" and
                         "expired at" in e.get("msg", "") for e in srv2.events()), 5,
             "the log line saying the certificate expired")
    check(srv2.stop() == 0, "exit status")


def make_client_ca(d, name):
    """A CA and a client certificate (clientAuth) it signed, with openssl."""
    os.makedirs(d)
    ca_key, ca_crt = os.path.join(d, "ca.key"), os.path.join(d, "ca.crt")
    key, csr, crt = (os.path.join(d, n) for n in ("client.key", "client.csr", "client.crt"))
    ext = os.path.join(d, "ext.cnf")
    with open(ext, "w") as f:
        f.write("extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n")
    run = lambda *a: subprocess.run([OPENSSL] + list(a), capture_output=True, check=True)
    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", ca_key, "-out", ca_crt, "-days", "2", "-subj", "/CN=" + name + " CA")
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", key, "-out", csr, "-subj", "/CN=" + name)
    run("x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial",
        "-out", crt, "-days", "1", "-extfile", ext)
    return ca_crt, (crt, key)


def make_intermediate_ca(d, name):
    """A root CA, an intermediate CA it signed, and a client certificate the
    intermediate signed; returns the intermediate and the client pair."""
    os.makedirs(d)
    p = lambda n: os.path.join(d, n)
    with open(p("ca.cnf"), "w") as f:
        f.write("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n")
    with open(p("client.cnf"), "w") as f:
        f.write("extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n")
    run = lambda *a: subprocess.run([OPENSSL] + list(a), capture_output=True, check=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    run("req", "-x509", *ec, "-keyout", p("root.key"), "-out", p("root.crt"), "-days", "2",
        "-subj", "/CN=" + name + " root")
    run("req", *ec, "-keyout", p("int.key"), "-out", p("int.csr"), "-subj", "/CN=" + name + " issuing")
    run("x509", "-req", "-in", p("int.csr"), "-CA", p("root.crt"), "-CAkey", p("root.key"),
        "-CAcreateserial", "-out", p("int.crt"), "-days", "2", "-extfile", p("ca.cnf"))
    run("req", *ec, "-keyout", p("client.key"), "-out", p("client.csr"), "-subj", "/CN=" + name)
    run("x509", "-req", "-in", p("client.csr"), "-CA", p("int.crt"), "-CAkey", p("int.key"),
        "-CAcreateserial", "-out", p("client.crt"), "-days", "1", "-extfile", p("client.cnf"))
    return p("int.crt"), (p("client.crt"), p("client.key"))


def test_issuing_ca_alone_is_enough_as_client_ca():
    # Operators often hand over only the CA that issued the API server's
    # client certificate, not its root: every certificate in --client-ca
    # is a trust anchor.
    ca, client = make_intermediate_ca(os.path.join(env.dir, "issuing"), "kube-apiserver")
    mtls = env.server(args=["--client-ca", ca]).start()
    code, _, err = mtls.curl("--cert", client[0], "--key", client[1], mtls.url("/healthz"),
                             check_rc=False)
    check(code == 200, "a certificate the issuing CA signed was refused: %d %s" % (code, err))
    code, _, _ = mtls.curl(mtls.url("/healthz"), check_rc=False)
    check(code != 200, "no client certificate was accepted")
    check(mtls.stop() == 0, "exit status")


def test_client_certificate_required_with_client_ca():
    ca, good = make_client_ca(os.path.join(env.dir, "clients"), "kube-apiserver")
    _, stranger = make_client_ca(os.path.join(env.dir, "strangers"), "mallory")
    mtls = env.server(args=["--client-ca", ca]).start()
    code, _, _ = mtls.curl("--cert", good[0], "--key", good[1], mtls.url("/healthz"))
    check(code == 200, "a certificate the CA signed was refused: %d" % code)
    code, _, err = mtls.curl(mtls.url("/healthz"), check_rc=False)
    check(code != 200, "no client certificate was accepted")
    code, _, err = mtls.curl("--cert", stranger[0], "--key", stranger[1], mtls.url("/healthz"),
                             check_rc=False)
    check(code != 200, "a certificate from another CA was accepted")
    code, _, _ = mtls.curl("--cert", good[0], "--key", good[1], mtls.url("/readyz"))
    check(code == 200, "refusals stopped the server")
    # An operator sees why clients are turned away.
    wait_for(lambda: any(e.get("event") == "tls" and "refused" in e.get("msg", "") and
                         "certificate" in e.get("msg", "") for e in mtls.events()), 5,
             "a log line saying TLS handshakes were refused and why")
    check(mtls.stop() == 0, "exit status")
    rc, err = env.server(args=["--client-ca", env.secret.path("tls.key")]).start(
        expect_fail=True)
    check(rc == 1 and "--client-ca" in err, "a key as client CA: %d %s" % (rc, err))


def test_sigterm_exits_zero():
    check(srv.stop() == 0, "exit status after SIGTERM")


if __name__ == "__main__":
    run(globals())
