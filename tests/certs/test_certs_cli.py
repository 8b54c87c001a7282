#!/usr/bin/python3
"""Black-box tests of `seccomp-guard certs`, checked with tools that are not
ours: the openssl command, Python's ssl module (a real TLS handshake with
hostname checking), PyYAML and, when present, kubectl kustomize.

usage: test_certs_cli.py BINARY CASE   (CASE is a function name below, without
the `case_` prefix; ctest registers each as certs_cli_<case>.)
Exit 0 pass, 1 fail, 77 skipped.
"""
import base64
import ipaddress
import os
import re
import shutil
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import threading
import time

import yaml

BINARY = None
SKIP = 77

SVC = "seccomp-guard"
NS = "seccomp-guard"
DEFAULT_NAMES = [SVC, f"{SVC}.{NS}", f"{SVC}.{NS}.svc", f"{SVC}.{NS}.svc.cluster.local"]


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def run(*args, expect=0):
    p = subprocess.run([BINARY, "certs", *args], capture_output=True, text=True)
    if expect is not None and p.returncode != expect:
        raise Fail(f"certs {' '.join(args)}: exit {p.returncode}, want {expect}\n"
                   f"stdout: {p.stdout}\nstderr: {p.stderr}")
    return p


def make(out, *extra, service=SVC, namespace=NS, expect=0):
    return run("--service", service, "--namespace", namespace, "--out", out, *extra,
               expect=expect)


def openssl(*args, check_rc=True):
    p = subprocess.run(["openssl", *args], capture_output=True, text=True)
    if check_rc and p.returncode != 0:
        raise Fail(f"openssl {' '.join(args)}: exit {p.returncode}\n{p.stderr}")
    return p


def text(path):
    return openssl("x509", "-in", path, "-noout", "-text").stdout


def read(path):
    with open(path, "rb") as f:
        return f.read()


def sans(path):
    """The subjectAltName entries as a list of ('DNS', name) / ('IP', address)."""
    out = openssl("x509", "-in", path, "-noout", "-ext", "subjectAltName").stdout
    lines = [l.strip() for l in out.splitlines()[1:] if l.strip()]
    check(len(lines) == 1, f"one subjectAltName line expected:\n{out}")
    result = []
    for entry in lines[0].split(", "):
        kind, _, value = entry.partition(":")
        if kind == "DNS":
            result.append(("DNS", value))
        elif kind == "IP Address":
            result.append(("IP", str(ipaddress.ip_address(value))))
        else:
            raise Fail(f"unexpected SAN entry {entry!r}")
    return result


def verify(ca, crt, *extra):
    return openssl("verify", "-x509_strict", "-CAfile", ca, *extra, crt, check_rc=False)


def extension(txt, name):
    """The value lines of one extension in `openssl x509 -text` output."""
    m = re.search(r"^\s*" + re.escape(name) + r":( critical)?[ \t]*\n((?:\s{16}.*\n)+)", txt, re.M)
    check(m is not None, f"no {name} extension in:\n{txt}")
    return bool(m.group(1)), m.group(2).strip()


def validity_days(path):
    out = openssl("x509", "-in", path, "-noout", "-startdate", "-enddate").stdout
    dates = dict(l.split("=", 1) for l in out.splitlines())
    fmt = "%b %d %H:%M:%S %Y %Z"
    start = time.mktime(time.strptime(dates["notBefore"].replace("  ", " "), fmt))
    end = time.mktime(time.strptime(dates["notAfter"].replace("  ", " "), fmt))
    return (end - start) / 86400.0


# ---- cases -----------------------------------------------------------------

def case_verify(tmp):
    out = os.path.join(tmp, "out")
    make(out)
    ca, crt = os.path.join(out, "ca.crt"), os.path.join(out, "tls.crt")
    p = verify(ca, crt, "-purpose", "sslserver", "-verify_hostname", f"{SVC}.{NS}.svc")
    check(p.returncode == 0 and "OK" in p.stdout, f"verify failed: {p.stdout}{p.stderr}")
    p = verify(ca, ca)
    check(p.returncode == 0, f"the CA does not verify against itself: {p.stderr}")
    # The check above can fail: another run's CA does not verify this cert,
    # nor does a name the certificate does not carry.
    other = os.path.join(tmp, "other")
    make(other)
    p = verify(os.path.join(other, "ca.crt"), crt)
    check(p.returncode != 0, "tls.crt verified against an unrelated CA")
    p = verify(ca, crt, "-verify_hostname", "evil.example.com")
    check(p.returncode != 0, "tls.crt verified for a name it does not carry")


def case_sans(tmp):
    out = os.path.join(tmp, "out")
    make(out)
    got = sans(os.path.join(out, "tls.crt"))
    check(got == [("DNS", n) for n in DEFAULT_NAMES], f"default SANs: {got}")

    out2 = os.path.join(tmp, "extra")
    make(out2, "--dns", "localhost", "--dns", "webhook.example.com", "--dns", SVC,
         "--ip", "127.0.0.1", "--ip", "::1", "--ip", "0:0::1", "--ip", "10.1.2.3",
         "--dns=*.example.org")
    got = sans(os.path.join(out2, "tls.crt"))
    want = ([("DNS", n) for n in DEFAULT_NAMES]
            + [("DNS", "localhost"), ("DNS", "webhook.example.com"), ("DNS", "*.example.org"),
               ("IP", "127.0.0.1"), ("IP", "::1"), ("IP", "10.1.2.3")])
    check(sorted(got) == sorted(want), f"SANs {got}\nwant {want}")
    check(len(got) == len(set(got)), f"duplicate SANs: {got}")

    out3 = os.path.join(tmp, "names")
    make(out3, service="webhook", namespace="tools")
    got = sans(os.path.join(out3, "tls.crt"))
    want = [("DNS", n) for n in
            ["webhook", "webhook.tools", "webhook.tools.svc", "webhook.tools.svc.cluster.local"]]
    check(got == want, f"SANs {got}, want {want}")


def key_matches_cert(key, crt):
    a = openssl("pkey", "-in", key, "-pubout").stdout
    b = openssl("x509", "-in", crt, "-noout", "-pubkey").stdout
    return a == b


def case_ecdsa_default(tmp):
    out = os.path.join(tmp, "out")
    make(out)
    for name in ("tls.crt", "ca.crt"):
        t = text(os.path.join(out, name))
        check("id-ecPublicKey" in t and "NIST CURVE: P-256" in t, f"{name} is not P-256:\n{t}")
        check("ecdsa-with-SHA256" in t, f"{name} not signed with ecdsa-with-SHA256")
    k = openssl("pkey", "-in", os.path.join(out, "tls.key"), "-noout", "-text").stdout
    check("prime256v1" in k, f"tls.key is not P-256:\n{k}")
    check(key_matches_cert(os.path.join(out, "tls.key"), os.path.join(out, "tls.crt")),
          "tls.key does not match tls.crt")
    check(key_matches_cert(os.path.join(out, "ca.key"), os.path.join(out, "ca.crt")),
          "ca.key does not match ca.crt")
    crit, ku = extension(text(os.path.join(out, "tls.crt")), "X509v3 Key Usage")
    check(crit and ku == "Digital Signature", f"ECDSA keyUsage: {ku}")


def case_rsa(tmp):
    for bits in ("2048", "4096"):
        out = os.path.join(tmp, bits)
        make(out, "--key-type", "rsa", "--rsa-bits", bits)
        t = text(os.path.join(out, "tls.crt"))
        check("rsaEncryption" in t and f"Public-Key: ({bits} bit)" in t, f"not RSA {bits}:\n{t}")
        check("sha256WithRSAEncryption" in t, "not signed with sha256WithRSAEncryption")
        crit, ku = extension(t, "X509v3 Key Usage")
        check(crit and ku == "Digital Signature, Key Encipherment", f"RSA keyUsage: {ku}")
        check(key_matches_cert(os.path.join(out, "tls.key"), os.path.join(out, "tls.crt")),
              "tls.key does not match tls.crt")
        p = verify(os.path.join(out, "ca.crt"), os.path.join(out, "tls.crt"))
        check(p.returncode == 0, p.stderr)
    out = os.path.join(tmp, "default-bits")
    make(out, "--key-type", "rsa")
    check("Public-Key: (3072 bit)" in text(os.path.join(out, "tls.crt")), "default RSA is not 3072")


def case_extensions(tmp):
    out = os.path.join(tmp, "out")
    make(out, "--days", "30", "--ca-days", "100")
    tls, ca = text(os.path.join(out, "tls.crt")), text(os.path.join(out, "ca.crt"))
    crit, bc = extension(tls, "X509v3 Basic Constraints")
    check(crit and bc == "CA:FALSE", f"serving basicConstraints: {bc}")
    _, eku = extension(tls, "X509v3 Extended Key Usage")
    check(eku == "TLS Web Server Authentication", f"serving EKU: {eku}")
    _, skid = extension(tls, "X509v3 Subject Key Identifier")
    _, akid = extension(tls, "X509v3 Authority Key Identifier")
    _, ca_skid = extension(ca, "X509v3 Subject Key Identifier")
    check(akid.replace("keyid:", "") == ca_skid and skid != ca_skid,
          f"AKID {akid} should be the CA's SKID {ca_skid}")
    crit, bc = extension(ca, "X509v3 Basic Constraints")
    check(crit and bc.startswith("CA:TRUE"), f"CA basicConstraints: {bc}")
    crit, ku = extension(ca, "X509v3 Key Usage")
    check(crit and ku == "Certificate Sign, CRL Sign", f"CA keyUsage: {ku}")
    # 30 and 100 days, give or take the few minutes notBefore is backdated.
    check(abs(validity_days(os.path.join(out, "tls.crt")) - 30) < 0.1, "--days 30 ignored")
    check(abs(validity_days(os.path.join(out, "ca.crt")) - 100) < 0.1, "--ca-days 100 ignored")
    # Serial numbers: random, about 128 bits, different every time.
    serials = set()
    for i in range(3):
        d = os.path.join(tmp, f"s{i}")
        make(d)
        s = openssl("x509", "-in", os.path.join(d, "tls.crt"), "-noout", "-serial").stdout
        serials.add(int(s.strip().split("=")[1], 16))
    check(len(serials) == 3, f"serials repeat: {serials}")
    check(max(s.bit_length() for s in serials) > 100, f"serials look short: {serials}")
    # Defaults: one year and ten years.
    d = os.path.join(tmp, "defaults")
    make(d)
    check(abs(validity_days(os.path.join(d, "tls.crt")) - 365) < 0.1, "default is not 365 days")
    check(abs(validity_days(os.path.join(d, "ca.crt")) - 3650) < 0.1, "CA default is not 3650")


def case_file_modes(tmp):
    out = os.path.join(tmp, "out")
    old = os.umask(0o022)
    try:
        make(out)
    finally:
        os.umask(old)
    for name in ("tls.key", "ca.key"):
        mode = stat.S_IMODE(os.stat(os.path.join(out, name)).st_mode)
        check(mode == 0o600, f"{name} has mode {oct(mode)}, want 0600")
    for name in ("tls.crt", "ca.crt"):
        mode = stat.S_IMODE(os.stat(os.path.join(out, name)).st_mode)
        check(mode == 0o644, f"{name} has mode {oct(mode)}, want 0644")
    mode = stat.S_IMODE(os.stat(out).st_mode)
    check(mode == 0o700, f"the new directory has mode {oct(mode)}, want 0700")
    names = sorted(os.listdir(out))
    check(names == ["ca.crt", "ca.key", "tls.crt", "tls.key"], f"files left: {names}")


def snapshot(d):
    return {n: read(os.path.join(d, n)) for n in sorted(os.listdir(d))}


def case_no_overwrite(tmp):
    out = os.path.join(tmp, "out")
    make(out)
    before = snapshot(out)
    p = make(out, expect=1)
    check(f"'{out}/ca.key' already exists" in p.stderr and "--force" in p.stderr,
          f"message does not name the file: {p.stderr}")
    check(p.stdout == "", "a caBundle was printed although nothing was written")
    check(snapshot(out) == before, "files changed although the run was refused")

    # One existing file is enough to refuse, and nothing else is written.
    part = os.path.join(tmp, "part")
    os.mkdir(part)
    with open(os.path.join(part, "tls.crt"), "w") as f:
        f.write("mine\n")
    p = make(part, expect=1)
    check(f"'{part}/tls.crt' already exists" in p.stderr, p.stderr)
    check(os.listdir(part) == ["tls.crt"], f"wrote files anyway: {os.listdir(part)}")
    check(read(os.path.join(part, "tls.crt")) == b"mine\n", "tls.crt was overwritten")

    # The patch file is protected the same way.
    patch = os.path.join(tmp, "patch.yaml")
    with open(patch, "w") as f:
        f.write("keep\n")
    p = make(os.path.join(tmp, "fresh"), "--ca-bundle-patch", patch, expect=1)
    check(f"'{patch}' already exists" in p.stderr, p.stderr)
    check(not os.path.exists(os.path.join(tmp, "fresh", "tls.key")), "wrote keys anyway")

    # --force replaces everything, with new keys.
    make(out, "--force")
    after = snapshot(out)
    check(sorted(after) == sorted(before), f"file set changed: {sorted(after)}")
    for name in before:
        check(after[name] != before[name], f"{name} was not replaced by --force")
    p = verify(os.path.join(out, "ca.crt"), os.path.join(out, "tls.crt"))
    check(p.returncode == 0, p.stderr)
    mode = stat.S_IMODE(os.stat(os.path.join(out, "tls.key")).st_mode)
    check(mode == 0o600, f"replaced tls.key has mode {oct(mode)}")
    check(sorted(os.listdir(out)) == ["ca.crt", "ca.key", "tls.crt", "tls.key"],
          f"temporary files left: {os.listdir(out)}")


def case_reuse_ca(tmp):
    first = os.path.join(tmp, "first")
    b1 = make(first).stdout
    ca_crt, ca_key = os.path.join(first, "ca.crt"), os.path.join(first, "ca.key")
    ca_before = read(ca_crt)

    second = os.path.join(tmp, "second")
    b2 = make(second, "--ca-cert", ca_crt, "--ca-key", ca_key).stdout
    check(b1 == b2, "the caBundle changed although the CA was reused")
    check(read(ca_crt) == ca_before, "the reused CA's file changed")
    check(read(os.path.join(second, "ca.crt")) == ca_before, "second/ca.crt is not the old CA")
    check(not os.path.exists(os.path.join(second, "ca.key")), "a reused CA's key was copied")
    p = verify(ca_crt, os.path.join(second, "tls.crt"))
    check(p.returncode == 0, f"new tls.crt does not verify against the old CA: {p.stderr}")
    check(read(os.path.join(second, "tls.crt")) != read(os.path.join(first, "tls.crt")),
          "the serving certificate was not renewed")

    # Rotation in place: the same directory, its own CA, --force.
    old_tls = read(os.path.join(first, "tls.crt"))
    old_key = read(os.path.join(first, "tls.key"))
    p = make(first, "--ca-cert", ca_crt, "--ca-key", ca_key, "--force")
    check(p.stdout == b1, "the caBundle changed on rotation")
    check(read(ca_crt) == ca_before and read(ca_key) != b"", "ca.crt changed on rotation")
    check(read(os.path.join(first, "tls.crt")) != old_tls, "tls.crt not renewed")
    check(read(os.path.join(first, "tls.key")) != old_key, "tls.key not renewed")
    check(verify(ca_crt, os.path.join(first, "tls.crt")).returncode == 0, "rotated cert")

    # Without --force the rotation is refused because of tls.crt/tls.key only.
    p = make(first, "--ca-cert", ca_crt, "--ca-key", ca_key, expect=1)
    check("tls" in p.stderr and "ca.crt" not in p.stderr.split("already exists")[0],
          f"refusal should name a tls file: {p.stderr}")

    # A CA that is not one, or a key that is not the CA's: bad input, exit 2.
    other = os.path.join(tmp, "other")
    make(other)
    p = make(os.path.join(tmp, "x1"), "--ca-cert", ca_crt, "--ca-key",
             os.path.join(other, "ca.key"), expect=2)
    check("does not belong to CA certificate" in p.stderr and ca_crt in p.stderr, p.stderr)
    p = make(os.path.join(tmp, "x2"), "--ca-cert", os.path.join(other, "tls.crt"), "--ca-key",
             os.path.join(other, "tls.key"), expect=2)
    check("is not a CA certificate" in p.stderr, p.stderr)
    p = make(os.path.join(tmp, "x3"), "--ca-cert", os.path.join(tmp, "missing.crt"),
             "--ca-key", ca_key, expect=2)
    check("missing.crt" in p.stderr, p.stderr)
    p = make(os.path.join(tmp, "x4"), "--ca-cert", ca_key, "--ca-key", ca_crt, expect=2)
    check("no certificate found" in p.stderr, p.stderr)
    for d in ("x1", "x2", "x3", "x4"):
        check(not os.path.exists(os.path.join(tmp, d, "tls.key")), f"{d}: wrote a key anyway")

    # An RSA CA signs an ECDSA serving certificate.
    rsa = os.path.join(tmp, "rsa")
    make(rsa, "--key-type", "rsa", "--rsa-bits", "2048")
    mixed = os.path.join(tmp, "mixed")
    make(mixed, "--ca-cert", os.path.join(rsa, "ca.crt"), "--ca-key", os.path.join(rsa, "ca.key"))
    t = text(os.path.join(mixed, "tls.crt"))
    check("id-ecPublicKey" in t and "sha256WithRSAEncryption" in t, t)
    check(verify(os.path.join(rsa, "ca.crt"), os.path.join(mixed, "tls.crt")).returncode == 0,
          "ECDSA cert from an RSA CA")


def case_serving_outlives_ca(tmp):
    out = os.path.join(tmp, "out")
    p = make(out, "--days", "365", "--ca-days", "30")
    check("cut to the CA's expiry" in p.stderr, f"no note on stderr: {p.stderr}")
    end = lambda f: openssl("x509", "-in", f, "-noout", "-enddate").stdout
    check(end(os.path.join(out, "tls.crt")) == end(os.path.join(out, "ca.crt")),
          "serving certificate outlives its CA")


def case_ca_bundle(tmp):
    out = os.path.join(tmp, "out")
    p = make(out)
    lines = p.stdout.split("\n")
    check(len(lines) == 2 and lines[1] == "", f"stdout is not one line: {p.stdout!r}")
    check(re.fullmatch(r"[A-Za-z0-9+/]+=*", lines[0]) is not None, "stdout is not base64")
    check(base64.b64decode(lines[0], validate=True) == read(os.path.join(out, "ca.crt")),
          "caBundle does not decode to ca.crt")
    check("tls.crt" in p.stderr, "the summary is not on stderr")


def case_patch(tmp):
    out = os.path.join(tmp, "out")
    patch = os.path.join(tmp, "ca-bundle-patch.yaml")
    p = make(out, "--ca-bundle-patch", patch)
    bundle = p.stdout.strip()
    with open(patch) as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    want = {"ValidatingWebhookConfiguration": "validate.seccomp-guard.io",
            "MutatingWebhookConfiguration": "mutate.seccomp-guard.io"}
    check(sorted(d["kind"] for d in docs) == sorted(want), f"kinds: {[d.get('kind') for d in docs]}")
    for d in docs:
        check(d["apiVersion"] == "admissionregistration.k8s.io/v1", d["apiVersion"])
        check(d["metadata"] == {"name": "seccomp-guard"}, f"metadata: {d['metadata']}")
        hooks = d["webhooks"]
        check(len(hooks) == 1 and hooks[0]["name"] == want[d["kind"]], f"webhooks: {hooks}")
        check(hooks[0]["clientConfig"] == {"caBundle": bundle}, "caBundle differs from stdout")
    mode = stat.S_IMODE(os.stat(patch).st_mode)
    check(mode & 0o077 in (0o044, 0o004, 0o040, 0), f"patch mode {oct(mode)}")
    # --force rewrites it with the new CA.
    p2 = make(out, "--ca-bundle-patch", patch, "--force")
    with open(patch) as f:
        docs = list(yaml.safe_load_all(f))
    check(docs[0]["webhooks"][0]["clientConfig"]["caBundle"] == p2.stdout.strip() != bundle,
          "patch not rewritten with the new caBundle")


def case_patch_kustomize(tmp):
    """The patch really merges into webhook configurations by webhook name."""
    if shutil.which("kubectl") is None:
        print("kubectl not found: skipped")
        return SKIP
    base = os.path.join(tmp, "k")
    os.mkdir(base)
    p = make(os.path.join(tmp, "out"), "--ca-bundle-patch", os.path.join(base, "patch.yaml"))
    bundle = p.stdout.strip()
    hooks = {"ValidatingWebhookConfiguration": "validate", "MutatingWebhookConfiguration": "mutate"}
    objs = []
    for kind, short in hooks.items():
        objs.append({"apiVersion": "admissionregistration.k8s.io/v1", "kind": kind,
                     "metadata": {"name": "seccomp-guard"},
                     "webhooks": [{"name": f"{short}.seccomp-guard.io", "sideEffects": "None",
                                   "admissionReviewVersions": ["v1"],
                                   "clientConfig": {"service": {"name": SVC, "namespace": NS,
                                                                "path": f"/{short}"}}},
                                  {"name": "unrelated.example.io", "sideEffects": "None",
                                   "admissionReviewVersions": ["v1"],
                                   "clientConfig": {"url": "https://example.io"}}]})
    with open(os.path.join(base, "base.yaml"), "w") as f:
        yaml.safe_dump_all(objs, f)
    with open(os.path.join(base, "kustomization.yaml"), "w") as f:
        f.write("resources: [base.yaml]\npatches:\n  - path: patch.yaml\n")
    k = subprocess.run(["kubectl", "kustomize", base], capture_output=True, text=True)
    check(k.returncode == 0, f"kubectl kustomize failed: {k.stderr}")
    built = {d["kind"]: d for d in yaml.safe_load_all(k.stdout)}
    for kind, short in hooks.items():
        by_name = {w["name"]: w for w in built[kind]["webhooks"]}
        ours = by_name[f"{short}.seccomp-guard.io"]["clientConfig"]
        check(ours.get("caBundle") == bundle and ours["service"]["path"] == f"/{short}",
              f"{kind}: {ours}")
        check("caBundle" not in by_name["unrelated.example.io"]["clientConfig"],
              "the patch touched another webhook")


def serve_once(ctx, sock):
    try:
        conn, _ = sock.accept()
        with ctx.wrap_socket(conn, server_side=True) as tls:
            tls.sendall(b"ok")
    except (ssl.SSLError, OSError):
        pass


def handshake(out, host, server_hostname):
    """A TLS handshake to a server using tls.crt/tls.key, trusting ca.crt."""
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(os.path.join(out, "tls.crt"), os.path.join(out, "tls.key"))
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as srv:
        srv.bind((host, 0))
        srv.listen(1)
        port = srv.getsockname()[1]
        t = threading.Thread(target=serve_once, args=(sctx, srv), daemon=True)
        t.start()
        cctx = ssl.create_default_context(cafile=os.path.join(out, "ca.crt"))
        try:
            with socket.create_connection((host, port), timeout=10) as raw:
                with cctx.wrap_socket(raw, server_hostname=server_hostname) as tls:
                    return tls.recv(2) == b"ok"
        except ssl.SSLCertVerificationError:
            return False
        finally:
            t.join(timeout=10)


def case_tls_handshake(tmp):
    for key_type in ("ecdsa", "rsa"):
        out = os.path.join(tmp, key_type)
        make(out, "--key-type", key_type, "--dns", "localhost", "--ip", "127.0.0.1")
        for name in DEFAULT_NAMES + ["localhost", "127.0.0.1"]:
            check(handshake(out, "127.0.0.1", name), f"{key_type}: handshake as {name} failed")
        check(not handshake(out, "127.0.0.1", "other.example.com"),
              f"{key_type}: handshake succeeded for a name not in the certificate")
    out = os.path.join(tmp, "v6")
    make(out, "--ip", "::1")
    try:
        socket.socket(socket.AF_INET6).bind(("::1", 0))
    except OSError:
        print("no IPv6 loopback: IPv6 handshake skipped")
        return
    check(handshake(out, "::1", "::1"), "handshake to [::1] failed")


BAD_ARGS = [
    # (arguments after `certs`, text the message must contain)
    ([], "--service NAME is required"),
    (["--namespace", NS, "--out", "D"], "--service NAME is required"),
    (["--service", SVC, "--out", "D"], "--namespace NS is required"),
    (["--service", SVC, "--namespace", NS], "--out DIR is required"),
    (["--service", "Seccomp", "--namespace", NS, "--out", "D"], "--service 'Seccomp'"),
    (["--service", "a.b", "--namespace", NS, "--out", "D"], "--service 'a.b'"),
    (["--service", SVC, "--namespace", "kube_system", "--out", "D"], "--namespace 'kube_system'"),
    (["--service", SVC, "--namespace", "-ns", "--out", "D"], "--namespace '-ns'"),
    (["--service", "x" * 64, "--namespace", NS, "--out", "D"], "--service 'xxxx"),
    (["--service", SVC, "--namespace", NS, "--out", "D", "--ip", "300.1.1.1"], "--ip '300.1.1.1'"),
    (["--service", SVC, "--namespace", NS, "--out", "D", "--ip", "localhost"], "--ip 'localhost'"),
    (["--service", SVC, "--namespace", NS, "--out", "D", "--ip", ""], "--ip ''"),
    (["--service", SVC, "--namespace", NS, "--out", "D", "--dns", "-bad"], "--dns '-bad'"),
    (["--service", SVC, "--namespace", NS, "--out", "D", "--dns", "Upper.case"], "--dns 'Upper.case'"),
    (["--service", SVC, "--namespace", NS, "--out", "D", "--dns", "127.0.0.1"], "give it with --ip"),
    (["--service", SVC, "--namespace", NS, "--out", "D", "--key-type", "dsa"], "--key-type 'dsa'"),
    (["--service", SVC, "--namespace", NS, "--out", "D", "--key-type", "rsa", "--rsa-bits", "1024"],
     "--rsa-bits '1024'"),
    (["--service", SVC, "--namespace", NS, "--out", "D", "--key-type", "rsa", "--rsa-bits", "3000"],
     "--rsa-bits '3000'"),
    (["--service", SVC, "--namespace", NS, "--out", "D", "--rsa-bits", "2048"],
     "--rsa-bits needs --key-type rsa"),
    (["--service", SVC, "--namespace", NS, "--out", "D", "--days", "0"], "--days '0'"),
    (["--service", SVC, "--namespace", NS, "--out", "D", "--days", "1y"], "--days '1y'"),
    (["--service", SVC, "--namespace", NS, "--out", "D", "--days", "99999999999"], "--days '9"),
    (["--service", SVC, "--namespace", NS, "--out", "D", "--ca-days", "-5"], "--ca-days '-5'"),
    (["--service", SVC, "--namespace", NS, "--out", "D", "--ca-cert", "ca.crt"], "--ca-cert needs --ca-key"),
    (["--service", SVC, "--namespace", NS, "--out", "D", "--ca-key", "ca.key"], "--ca-key needs --ca-cert"),
    (["--service", SVC, "--namespace", NS, "--out", "D", "--bogus"], "unknown option '--bogus'"),
    (["--service", SVC, "--namespace", NS, "--out", "D", "extra"], "unknown option 'extra'"),
    (["--service", SVC, "--namespace", NS, "--out"], "--out needs a value"),
    (["--service", SVC, "--namespace", NS, "--out", "D", "--force=yes"], "--force takes no value"),
    (["--service", SVC, "--service", "b", "--namespace", NS, "--out", "D"], "--service is given twice"),
]


def case_bad_args(tmp):
    os.chdir(tmp)
    for args, needle in BAD_ARGS:
        p = run(*args, expect=2)
        check(needle in p.stderr, f"certs {args}: stderr lacks {needle!r}:\n{p.stderr}")
        check(p.stdout == "", f"certs {args}: printed on stdout: {p.stdout!r}")
    check(not os.path.exists(os.path.join(tmp, "D")), "a refused run created its directory")
    # Files in the way are not bad usage: a directory where tls.key goes.
    out = os.path.join(tmp, "out")
    os.makedirs(os.path.join(out, "tls.key"))
    p = make(out, "--force", expect=1)
    check(f"'{out}/tls.key' is a directory" in p.stderr, p.stderr)


def case_help(tmp):
    p = run("--help")
    for opt in ("--service", "--namespace", "--out", "--dns", "--ip", "--key-type", "--rsa-bits",
                "--days", "--ca-days", "--ca-cert", "--ca-key", "--force", "--ca-bundle-patch"):
        check(opt in p.stdout, f"--help does not mention {opt}")
    check(p.stderr == "", "--help wrote to stderr")


def main():
    global BINARY
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    BINARY = os.path.abspath(sys.argv[1])
    case = globals().get("case_" + sys.argv[2])
    if case is None:
        print(f"unknown case {sys.argv[2]!r}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="sg-certs-") as tmp:
        try:
            rc = case(tmp)
        except Fail as e:
            print(f"FAIL {sys.argv[2]}: {e}", file=sys.stderr)
            return 1
    if rc == SKIP:
        return SKIP
    print(f"ok {sys.argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
