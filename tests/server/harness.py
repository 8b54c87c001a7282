"""harness.py - what every server test shares: fresh certificates made by
`seccomp-guard certs`, the real binary started on a loopback port (port 0,
read back from its start-up log line), clients (curl for single calls, the
standard library's ssl/http.client for load), /metrics parsing, and a small
runner that prints `N passed, N failed` and exits non-zero on failure.

Usage inside a test file:
    from harness import *
    def test_something(): ...
    if __name__ == "__main__": run(globals())
The binary under test is argv[1] (ctest passes $<TARGET_FILE:seccomp-guard>).
"""
import base64
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback

BINARY = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else None
# Sanitizer builds run several times slower; every wait scales with this.
SLOW = float(os.environ.get("SG_TEST_SLOW", "1"))
CURL = shutil.which("curl") or "/usr/bin/curl"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"


class TestFailure(AssertionError):
    pass


def check(cond, what):
    if not cond:
        raise TestFailure(what)


def wait_for(pred, timeout, what, step=0.05):
    end = time.monotonic() + timeout * SLOW
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise TestFailure("timed out waiting for " + what)


# ---- certificates --------------------------------------------------------


def make_certs(out_dir, key_type="ecdsa", ca=None):
    """Runs `seccomp-guard certs`; with ca=(crt, key) signs with that CA.
    Returns the directory, holding ca.crt, tls.crt, tls.key."""
    args = [BINARY, "certs", "--service", "seccomp-guard", "--namespace", "seccomp-guard",
            "--out", out_dir, "--ip", "127.0.0.1", "--dns", "localhost", "--force"]
    if key_type == "rsa":
        args += ["--key-type", "rsa", "--rsa-bits", "2048"]
    if ca is not None:
        args += ["--ca-cert", ca[0], "--ca-key", ca[1]]
    r = subprocess.run(args, capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, "certs failed: " + r.stderr)
    return out_dir


def make_cert_valid(out_dir, ca, not_before, not_after):
    """A serving certificate for localhost / 127.0.0.1 valid from
    `not_before` to `not_after` (unix seconds), signed by ca=(crt, key).
    Returns (cert path, key path)."""
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress
    ca_cert = x509.load_pem_x509_certificate(read(ca[0]))
    ca_key = serialization.load_pem_private_key(read(ca[1]), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    when = lambda t: datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(when(not_before)).not_valid_after(when(not_after))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .sign(ca_key, hashes.SHA256()))
    os.makedirs(out_dir, exist_ok=True)
    crt, kp = os.path.join(out_dir, "tls.crt"), os.path.join(out_dir, "tls.key")
    with open(crt, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(kp, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return crt, kp


class SecretVolume:
    """A directory laid out as the kubelet lays out a Secret or ConfigMap
    volume: DIR/..data -> ..<version>/, DIR/<name> -> ..data/<name>, and an
    update that renames a new ..data symlink over the old one."""

    def __init__(self, root, files):
        self.root = root
        self.version = 0
        os.makedirs(root, exist_ok=True)
        self.update(files)
        for name in files:
            os.symlink(os.path.join("..data", name), os.path.join(root, name))

    def path(self, name):
        return os.path.join(self.root, name)

    def update(self, files):
        """files: {name: bytes}. Atomic, like the kubelet's AtomicWriter."""
        self.version += 1
        vdir = "..v%d" % self.version
        os.makedirs(os.path.join(self.root, vdir))
        for name, data in files.items():
            with open(os.path.join(self.root, vdir, name), "wb") as f:
                f.write(data)
        tmp = os.path.join(self.root, "..data_tmp")
        os.symlink(vdir, tmp)
        os.replace(tmp, os.path.join(self.root, "..data"))


def read(path):
    with open(path, "rb") as f:
        return f.read()


def cert_der(pem_path):
    pem = read(pem_path).decode()
    body = pem.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
    return base64.b64decode("".join(body.split()))


# ---- the server ------------------------------------------------------------


class Server:
    """The real binary on 127.0.0.1:<ephemeral>. stdout (decision lines)
    and stderr (events) go to files in the work directory."""

    def __init__(self, work, cert, key, ca, policy, args=()):
        self.work, self.cert, self.key, self.ca, self.policy = work, cert, key, ca, policy
        self.args = list(args)
        self.proc = None
        self.port = None
        self.out_path = os.path.join(work, "stdout.log")
        self.err_path = os.path.join(work, "stderr.log")

    def start(self, expect_fail=False):
        cmd = [BINARY, "serve", "--policy", self.policy, "--tls-cert", self.cert,
               "--tls-key", self.key, "--listen", "127.0.0.1:0"] + self.args
        self.out = open(self.out_path, "ab")
        self.err = open(self.err_path, "ab")
        self.err_start = os.path.getsize(self.err_path)
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=self.err,
                                     stdin=subprocess.DEVNULL)
        if expect_fail:
            rc = self.proc.wait(timeout=30 * SLOW)
            return rc, read(self.err_path)[self.err_start:].decode(errors="replace")

        def started():
            if self.proc.poll() is not None:
                raise TestFailure("server exited %d: %s" % (
                    self.proc.returncode, read(self.err_path).decode(errors="replace")))
            m = re.search(rb'"event":"start","msg":"listening on \S+ \(port (\d+)\)',
                          read(self.err_path)[self.err_start:])
            return m and int(m.group(1))

        self.port = wait_for(started, 20, "the server to start")
        return self

    def url(self, path):
        return "https://127.0.0.1:%d%s" % (self.port, path)

    def kill(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout * SLOW)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise TestFailure("server did not stop within %ds of signal %d" % (timeout, sig))
        self.out.close()
        self.err.close()
        log = read(self.err_path).decode(errors="replace")
        for bad in ("Sanitizer", "runtime error:", "LeakSanitizer"):
            check(bad not in log, "the server reported a sanitizer error:\n" + log[-3000:])
        return rc

    def events(self, name=None):
        lines = [json.loads(l) for l in read(self.err_path).decode().splitlines()
                 if l.startswith("{")]
        return [e for e in lines if name is None or e.get("event") == name]

    def decisions(self):
        return [json.loads(l) for l in read(self.out_path).decode().splitlines() if l]

    # -- clients --

    def context(self, client_cert=None, tls_max=None):
        ctx = ssl.create_default_context(cafile=self.ca)
        if client_cert is not None:
            ctx.load_cert_chain(*client_cert)
        if tls_max is not None:
            ctx.maximum_version = tls_max
        return ctx

    def connect(self, timeout=10, **kw):
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context(**kw),
                                           timeout=timeout * SLOW)

    def curl(self, *args, check_rc=True):
        """curl -sS against the server; returns (status, body, stderr)."""
        cmd = [CURL, "-sS", "--cacert", self.ca, "-o", "-", "-w", "\n%{http_code}",
               "--max-time", str(int(20 * SLOW))] + list(args)
        r = subprocess.run(cmd, capture_output=True, timeout=60 * SLOW)
        if check_rc:
            check(r.returncode == 0, "curl %s failed: %s" % (args, r.stderr.decode()))
        body, _, code = r.stdout.rpartition(b"\n")
        return int(code or 0), body, r.stderr.decode()

    def post(self, path, body, content_type="application/json", *extra):
        return self.curl("-X", "POST", "-H", "Content-Type: " + content_type,
                         "--data-binary", "@-" if body is None else body, *extra,
                         self.url(path))

    def post_file(self, path, filename, *extra):
        return self.curl("-X", "POST", "-H", "Content-Type: application/json",
                         "--data-binary", "@" + filename, *extra, self.url(path))

    def metrics(self):
        code, body, _ = self.curl(self.url("/metrics"))
        check(code == 200, "/metrics answered %d" % code)
        return parse_metrics(body.decode())


def parse_metrics(text):
    """Prometheus text format into {name: {frozenset(labels): value}};
    fails on any line that is not a comment or a sample."""
    out = {}
    sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (-?[0-9.eE+-]+|\+Inf|NaN)$')
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = sample.match(line)
        check(m is not None, "not a Prometheus sample: %r" % line)
        labels = frozenset(re.findall(r'(\w+)="([^"]*)"', m.group(3) or ""))
        out.setdefault(m.group(1), {})[labels] = float(m.group(4))
    return out


def metric(metrics, name, **labels):
    want = frozenset((k, str(v)) for k, v in labels.items())
    return sum(v for l, v in metrics.get(name, {}).items() if want <= l)


# ---- AdmissionReviews ------------------------------------------------------


def review(pod_spec, uid="uid-1", api="admission.k8s.io/v1", name="p", namespace="default",
           operation="CREATE", annotations=None, kind="Pod"):
    obj = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "namespace": namespace}, "spec": pod_spec}
    if annotations:
        obj["metadata"]["annotations"] = annotations
    return {"apiVersion": api, "kind": "AdmissionReview",
            "request": {"uid": uid,
                        "kind": {"group": "", "version": "v1", "kind": kind},
                        "resource": {"group": "", "version": "v1", "resource": "pods"},
                        "requestKind": {"group": "", "version": "v1", "kind": kind},
                        "name": name, "namespace": namespace, "operation": operation,
                        "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
                        "object": obj, "dryRun": False}}


def restricted_container(name="app", image="registry.example/app:1.0"):
    return {"name": name, "image": image,
            "securityContext": {"allowPrivilegeEscalation": False, "runAsNonRoot": True,
                                "seccompProfile": {"type": "RuntimeDefault"},
                                "capabilities": {"drop": ["ALL"]}}}


def realistic_pod(size=3000):
    """A Deployment-made pod of about `size` bytes as JSON: labels, env,
    probes, resources, volumes - the shape the API server really sends."""
    c = restricted_container("web", "registry.example/team/web:1.42.0")
    c.update({
        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
        "env": [{"name": "ENV_%d" % i, "value": "value-%d" % i} for i in range(8)],
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                      "limits": {"cpu": "500m", "memory": "256Mi"}},
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080},
                           "periodSeconds": 10},
        "volumeMounts": [{"name": "config", "mountPath": "/etc/web", "readOnly": True},
                         {"name": "kube-api-access", "mountPath":
                          "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": True}],
    })
    spec = {"containers": [c],
            "securityContext": {"runAsNonRoot": True, "runAsUser": 10001,
                                "seccompProfile": {"type": "RuntimeDefault"}},
            "serviceAccountName": "web", "nodeSelector": {"kubernetes.io/os": "linux"},
            "volumes": [{"name": "config", "configMap": {"name": "web-config"}},
                        {"name": "kube-api-access", "projected": {"sources": [
                            {"serviceAccountToken": {"expirationSeconds": 3607,
                                                     "path": "token"}}]}}],
            "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                             "effect": "NoExecute", "tolerationSeconds": 300}]}
    r = review(spec, name="web-7d9f8b6c5-x2x4q", namespace="team-a")
    r["request"]["object"]["metadata"]["labels"] = {
        "app.kubernetes.io/name": "web", "pod-template-hash": "7d9f8b6c5"}
    pad = size - len(json.dumps(r))
    if pad > 0:
        r["request"]["object"]["metadata"]["annotations"] = {"example.com/padding": "x" * pad}
    return r


# ---- a test file's environment and runner -----------------------------------


# What an empty policy file meant before a policy had to name its base:
# the default level asking nothing beyond baseline and dropping nothing.
LEGACY_DEFAULT = (b"rules: {seccomp-unset: allow, capabilities-drop-all: allow, "
                  b"privilege-escalation: allow}\ncapabilities: {defaultDrop: []}\n"
                  b"base: default\n")


class Env:
    """A scratch directory with certificates in a Secret-like volume and a
    policy in a ConfigMap-like one."""

    def __init__(self, policy=None, key_type="ecdsa"):
        policy = LEGACY_DEFAULT if policy is None else policy
        self.dir = tempfile.mkdtemp(prefix="sg-server-test-")
        self.certs = make_certs(os.path.join(self.dir, "made"), key_type)
        self.ca = os.path.join(self.certs, "ca.crt")
        self.ca_pair = (self.ca, os.path.join(self.certs, "ca.key"))
        self.secret = SecretVolume(os.path.join(self.dir, "secret"), {
            "tls.crt": read(os.path.join(self.certs, "tls.crt")),
            "tls.key": read(os.path.join(self.certs, "tls.key"))})
        self.config = SecretVolume(os.path.join(self.dir, "config"), {"policy.yaml": policy})
        self.servers = []

    def server(self, args=(), work=None, cert=None, key=None, policy=None):
        work = work or tempfile.mkdtemp(dir=self.dir)
        s = Server(work, cert or self.secret.path("tls.crt"), key or self.secret.path("tls.key"),
                   self.ca, policy or self.config.path("policy.yaml"), args)
        self.servers.append(s)
        return s

    def cleanup(self):
        for s in self.servers:
            try:
                s.stop(signal.SIGKILL, timeout=5)
            except Exception:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)


def run(namespace):
    """Runs every test_* function in order, prints a summary line, and
    cleans up the module's `env` (servers, files) whatever happened."""
    try:
        _run_tests(namespace)
    finally:
        env = namespace.get("env")
        if env is not None:
            env.cleanup()


def _run_tests(namespace):
    if BINARY is None or not os.access(BINARY, os.X_OK):
        print("usage: %s /path/to/seccomp-guard" % sys.argv[0])
        sys.exit(2)
    tests = [(n, f) for n, f in namespace.items() if n.startswith("test_") and callable(f)]
    only = os.environ.get("SG_TEST_ONLY")
    passed = failed = 0
    for name, fn in tests:
        if only and only not in name:
            continue
        t0 = time.monotonic()
        try:
            fn()
            passed += 1
            print("PASS %s (%.1fs)" % (name, time.monotonic() - t0), flush=True)
        except Exception:
            failed += 1
            print("FAIL %s (%.1fs)" % (name, time.monotonic() - t0), flush=True)
            traceback.print_exc()
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)
