#!/usr/bin/python3
"""`seccomp-guard profile install`, from outside: the real binary copying
profiles between temporary folders laid out as the node-profiles DaemonSet
sees them (a ConfigMap volume in, the kubelet's seccomp folder out).

    test_install.py BINARY REPO CASE

CASE is one of the functions named in CASES below. Exit 0 pass, 1 fail,
77 skipped (saying why).
Every wait is bounded (TIMEOUT for a command, WATCH_WAIT for --watch to
notice a change).
"""

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

SKIP = 77
TIMEOUT = 60      # seconds for any one command; a sync takes milliseconds
WATCH_WAIT = 10   # seconds --watch --interval 1 may take to notice a change
RECORD = ".seccomp-guard-installed"

BINARY, REPO = sys.argv[1], sys.argv[2]
PROFILES = os.path.join(REPO, "manifests", "profiles")
ENFORCING = ("deny-mount.json", "strict.json", "textbook.json")  # textbook: enforcing, cannot start

# Small profiles of each kind the installer tells apart.
NOT_JSON = b'{"defaultAction": "SCMP_ACT_ERRNO",'
REFUSED = b'{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_DENY"}]}\n'
UNCONFINED = b"{}\n"


class Skip(Exception):
    pass


def fail(msg):
    raise AssertionError(msg)


def shipped(name):
    with open(os.path.join(PROFILES, name), "rb") as f:
        return f.read()


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def install(src, dst, *extra, umask=None):
    r = subprocess.run([BINARY, "profile", "install", "--from", src, "--to", dst, *extra],
                       capture_output=True, text=True, timeout=TIMEOUT,
                       preexec_fn=(lambda: os.umask(umask)) if umask is not None else None)
    r.events = events(r.stderr)
    return r


def events(text):
    """Every stderr line is one JSON event, shaped as the server's."""
    out = []
    for line in text.splitlines():
        try:
            e = json.loads(line)
        except json.JSONDecodeError:
            fail(f"stderr line is not JSON: {line!r}")
        if set(e) != {"time", "level", "event", "msg"} or e["level"] not in ("info", "warn", "error"):
            fail(f"event line not shaped like the server's: {line}")
        out.append(e)
    return out


def expect(r, code, what):
    if r.returncode != code:
        fail(f"{what}: exit {r.returncode}, want {code}\n--- stdout\n{r.stdout}\n--- stderr\n{r.stderr}")


def event(r, kind, needle):
    hits = [e for e in r.events if e["event"] == kind and needle in e["msg"]]
    if not hits:
        fail(f"no '{kind}' event mentioning {needle!r}:\n{r.stderr}")
    return hits[0]


def no_event(r, kind, needle):
    if any(e["event"] == kind and needle in e["msg"] for e in r.events):
        fail(f"unexpected '{kind}' event mentioning {needle!r}:\n{r.stderr}")


def record(dst):
    with open(os.path.join(dst, RECORD)) as f:
        return sorted(l for l in f.read().splitlines() if l and not l.startswith("#"))


def same_tree(dst, want):
    """dst holds exactly the files `want` ({relative path: bytes}), each
    mode 0644, folders 0755, plus the record. (main sets umask 022, so the
    test's own files are 0644 too.)"""
    got = {}
    for root, dirs, files in os.walk(dst):
        for d in dirs:
            mode = stat.S_IMODE(os.lstat(os.path.join(root, d)).st_mode)
            if mode != 0o755:
                fail(f"{os.path.join(root, d)} is mode {mode:o}, want 755")
        for name in files:
            path = os.path.join(root, name)
            rel = os.path.relpath(path, dst)
            if rel == RECORD:
                continue
            mode = stat.S_IMODE(os.lstat(path).st_mode)
            if mode != 0o644:
                fail(f"{rel} is mode {mode:o}, want 644")
            got[rel] = read(path)
    if got != want:
        fail(f"{dst} holds {sorted(got)}, want {sorted(want)}"
             + "".join(f"\n  {k}: content differs" for k in want if k in got and got[k] != want[k]))


def shipped_layout(src):
    for name in os.listdir(PROFILES):
        if name.endswith(".json"):
            shutil.copy(os.path.join(PROFILES, name), src)


# --- cases -------------------------------------------------------------------

def enforcing_installed(tmp):
    """Enforcing profiles land at their relative path, 0644 whatever the
    umask; the permissive audit.json is skipped (exit 1, named, why), and
    installed with --allow-permissive; an unconfined one likewise."""
    src, dst = os.path.join(tmp, "from"), os.path.join(tmp, "to")
    os.makedirs(src)
    shipped_layout(src)
    write(os.path.join(src, "team", "web", "api.json"), shipped("deny-mount.json"))
    write(os.path.join(src, "notes.txt"), b"not a profile\n")
    write(os.path.join(src, "empty.json"), UNCONFINED)
    r = install(src, dst, umask=0o077)
    expect(r, 1, "install with audit.json (permissive) and empty.json (unconfined) among them")
    want = {n: shipped(n) for n in ENFORCING}
    want["team/web/api.json"] = shipped("deny-mount.json")
    same_tree(dst, want)
    e = event(r, "skipped", "audit.json")
    for word in ("permissive", "SCMP_ACT_LOG", "every syscall", "--allow-permissive"):
        if word not in e["msg"]:
            fail(f"the skipped line does not say {word!r}: {e['msg']}")
    if e["level"] != "warn":
        fail(f"a skipped permissive profile is level warn, not {e['level']}")
    event(r, "skipped", "empty.json: not installed: unconfined")
    event(r, "installed", "textbook.json")  # lint error (cannot start), but runc takes it
    if record(dst) != sorted(want):
        fail(f"record {record(dst)}, want {sorted(want)}")

    r = install(src, dst, "--allow-permissive")
    expect(r, 0, "install --allow-permissive")
    want["audit.json"] = shipped("audit.json")
    want["empty.json"] = UNCONFINED
    same_tree(dst, want)
    event(r, "installed", "audit.json")
    if "warn" != event(r, "installed", "audit.json")["level"]:
        fail("a permissive profile installed is said at level warn")
    event(r, "sync", "2 installed, 4 unchanged")

    # Run without --allow-permissive again: the permissive copies it
    # installed go, the rest stays.
    r = install(src, dst)
    expect(r, 1, "install without --allow-permissive after one with it")
    del want["audit.json"], want["empty.json"]
    same_tree(dst, want)
    event(r, "skipped", "audit.json: not installed")
    event(r, "removed", "audit.json: removed")
    event(r, "removed", "empty.json: removed")

    # Without the permissive ones in --from, a clean run is exit 0 and
    # writes nothing.
    os.remove(os.path.join(src, "audit.json"))
    os.remove(os.path.join(src, "empty.json"))
    before = {p: os.stat(os.path.join(dst, p)).st_ino for p in ENFORCING}
    r = install(src, dst)
    expect(r, 0, "install of enforcing profiles only")
    if any(os.stat(os.path.join(dst, p)).st_ino != before[p] for p in ENFORCING):
        fail("an unchanged profile was written again")
    if record(dst) != sorted(want):
        fail(f"record {record(dst)}, want {sorted(want)}")


def broken_keeps_old(tmp):
    """A file that does not parse, or that runc refuses, is not installed;
    the copy installed earlier stays, and a later good version replaces it."""
    src, dst = os.path.join(tmp, "from"), os.path.join(tmp, "to")
    good = shipped("strict.json")
    write(os.path.join(src, "app.json"), good)
    write(os.path.join(src, "deny.json"), good)
    expect(install(src, dst), 0, "first install")
    for name, data, why in (("app.json", NOT_JSON, "not a profile"),
                            ("deny.json", REFUSED, "runc refuses it")):
        write(os.path.join(src, name), data)
    write(os.path.join(src, "new.json"), REFUSED)
    r = install(src, dst)
    expect(r, 1, "install of broken files")
    same_tree(dst, {"app.json": good, "deny.json": good})
    e = event(r, "refused", "app.json: not installed: not a profile")
    if "stays" not in e["msg"] or e["level"] != "error":
        fail(f"the refused line says the old copy stays, at level error: {e}")
    event(r, "refused", 'deny.json: not installed: runc refuses it: syscalls[0].action: unknown action "SCMP_ACT_DENY"')
    event(r, "refused", "new.json: not installed: runc refuses it")
    event(r, "refused", "nothing is installed at")
    if record(dst) != ["app.json", "deny.json"]:
        fail(f"the old copies are still recorded as installed: {record(dst)}")

    # Made permissive: not installed either, and the enforcing copy stays.
    write(os.path.join(src, "app.json"), shipped("audit.json"))
    r = install(src, dst)
    expect(r, 1, "install of a profile made permissive")
    event(r, "skipped", "app.json: not installed: permissive")
    same_tree(dst, {"app.json": good, "deny.json": good})

    write(os.path.join(src, "app.json"), shipped("deny-mount.json"))
    os.remove(os.path.join(src, "deny.json"))
    os.remove(os.path.join(src, "new.json"))
    r = install(src, dst)
    expect(r, 0, "install after the fix")
    same_tree(dst, {"app.json": shipped("deny-mount.json")})


def removal_only_own(tmp):
    """A profile gone from --from is removed from --to only when install put
    it there: files of the node's own stay, and a record tampered with
    cannot send a removal out of --to."""
    src, dst = os.path.join(tmp, "from"), os.path.join(tmp, "to")
    good = shipped("strict.json")
    for rel in ("a.json", "b.json", "sub/c.json"):
        write(os.path.join(src, rel), good)
    mine = {"mine.json": b"{}", "sub/mine.json": b'{"defaultAction":"SCMP_ACT_ERRNO"}'}
    for rel, data in mine.items():
        write(os.path.join(dst, rel), data)
    expect(install(src, dst), 0, "first install")
    for rel in ("b.json", "sub/c.json"):
        os.remove(os.path.join(src, rel))
    os.remove(os.path.join(src, "a.json"))  # and a.json the node lost meanwhile: gone from both
    os.remove(os.path.join(dst, "a.json"))
    write(os.path.join(src, "a.json"), good)
    r = install(src, dst)
    expect(r, 0, "install after removals")
    same_tree(dst, {"a.json": good, **mine})
    event(r, "removed", "b.json")
    event(r, "removed", "sub/c.json")
    if record(dst) != ["a.json"]:
        fail(f"record after removal is {record(dst)}, want ['a.json']")

    # A record naming paths outside --to, or dot-led, is never acted on.
    outside = os.path.join(tmp, "outside.json")
    write(outside, good)
    write(os.path.join(dst, ".hidden.json"), good)
    with open(os.path.join(dst, RECORD), "a") as f:
        f.write("../outside.json\n/etc/passwd.json\n.hidden.json\nsub/../../outside.json\nnot-a-profile\n")
    r = install(src, dst)
    expect(r, 1, "install with a tampered record")
    if not os.path.exists(outside) or not os.path.exists(os.path.join(dst, ".hidden.json")):
        fail("a tampered record made install remove a file it did not install")
    event(r, "record", "5 lines ignored")
    if record(dst) != ["a.json"]:
        fail(f"the tampered lines stay in the record: {record(dst)}")
    expect(install(src, dst), 0, "install once the record is clean again")


def planted_links(tmp):
    """A link planted in --to (a folder of the node replaced by a link)
    never sends a write or a removal out of --to."""
    src, dst = os.path.join(tmp, "from"), os.path.join(tmp, "to")
    good = shipped("strict.json")
    write(os.path.join(src, "sub", "c.json"), good)
    expect(install(src, dst), 0, "first install")
    elsewhere = os.path.join(tmp, "elsewhere")
    write(os.path.join(elsewhere, "c.json"), b"not yours")
    shutil.rmtree(os.path.join(dst, "sub"))
    os.symlink(elsewhere, os.path.join(dst, "sub"))
    r = install(src, dst)
    expect(r, 1, "install through a planted link")
    event(r, "failed", "is not a folder (a link is not followed)")
    os.remove(os.path.join(src, "sub", "c.json"))
    r = install(src, dst)
    expect(r, 1, "removal through a planted link")
    event(r, "failed", "sub/c.json: no longer in")
    if read(os.path.join(elsewhere, "c.json")) != b"not yours":
        fail("install wrote or removed through a link in --to")
    if record(dst) != ["sub/c.json"]:
        fail(f"a file not removed stays recorded: {record(dst)}")


def configmap_layout(tmp):
    """A ConfigMap volume as the kubelet writes it: keys are links into
    ..data, a link to a timestamped folder swapped on update; a key with a
    deeper items[].path is reached through a linked folder. A link out of
    --from is not followed."""
    src, dst = os.path.join(tmp, "from"), os.path.join(tmp, "to")
    os.makedirs(src)

    def publish(stamp, files):
        ts = os.path.join(src, stamp)
        for rel, data in files.items():
            write(os.path.join(ts, rel), data)
        os.symlink(stamp, os.path.join(src, "..data_tmp"))
        os.rename(os.path.join(src, "..data_tmp"), os.path.join(src, "..data"))
        for top in {rel.split("/")[0] for rel in files}:
            link = os.path.join(src, top)
            if not os.path.lexists(link):
                os.symlink(os.path.join("..data", top), link)

    publish("..2026_01_01_00_00_00.000000001", {
        "strict.json": shipped("strict.json"),
        "deny-mount.json": shipped("deny-mount.json"),
        "nested/app.json": shipped("strict.json"),
    })
    elsewhere = os.path.join(tmp, "elsewhere")
    write(os.path.join(elsewhere, "x.json"), shipped("strict.json"))
    os.symlink(elsewhere, os.path.join(src, "outside"))
    r = install(src, dst)
    expect(r, 0, "install from a ConfigMap layout")
    same_tree(dst, {"strict.json": shipped("strict.json"), "deny-mount.json": shipped("deny-mount.json"),
                    "nested/app.json": shipped("strict.json")})

    # An update: strict.json changes, deny-mount.json goes; the kubelet
    # swaps ..data, then removes the key's link.
    publish("..2026_01_02_00_00_00.000000002", {
        "strict.json": shipped("deny-mount.json"),
        "nested/app.json": shipped("strict.json"),
    })
    os.remove(os.path.join(src, "deny-mount.json"))
    shutil.rmtree(os.path.join(src, "..2026_01_01_00_00_00.000000001"))
    r = install(src, dst)
    expect(r, 0, "install after a ConfigMap update")
    same_tree(dst, {"strict.json": shipped("deny-mount.json"), "nested/app.json": shipped("strict.json")})
    event(r, "removed", "deny-mount.json")


def leftovers_cleaned(tmp):
    """Temporary files a killed run left are removed; young ones (another
    run may be writing) and files that are not ours stay."""
    src, dst = os.path.join(tmp, "from"), os.path.join(tmp, "to")
    write(os.path.join(src, "strict.json"), shipped("strict.json"))
    old = [os.path.join(dst, ".strict.json.tmp-0123abcd"), os.path.join(dst, "sub", ".x.json.tmp-deadbeef"),
           os.path.join(dst, f".{RECORD}.tmp-00000001")]
    young = os.path.join(dst, ".strict.json.tmp-89abcdef")
    other = [os.path.join(dst, ".notes.txt.tmp-0123abcd"), os.path.join(dst, ".strict.json.tmp-XYZ")]
    for p in old + [young] + other:
        write(p, b"half a profile")
    past = time.time() - 3600
    for p in old + other:
        os.utime(p, (past, past))
    r = install(src, dst)
    expect(r, 0, "install with leftovers")
    for p in old:
        if os.path.exists(p):
            fail(f"{p} was left behind")
        event(r, "cleaned", os.path.basename(p))
    for p in [young] + other:
        if not os.path.exists(p):
            fail(f"{p} was removed, but it is not a stale temporary file of install's")


def limits_fail_closed(tmp):
    """Past a bound, a sync installs and removes nothing (a partial listing
    would look like removed profiles), and says why."""
    src, dst = os.path.join(tmp, "from"), os.path.join(tmp, "to")
    write(os.path.join(src, "a.json"), shipped("strict.json"))
    expect(install(src, dst), 0, "first install")
    deep = os.path.join(src, *[f"d{i}" for i in range(9)], "deep.json")
    write(deep, shipped("strict.json"))
    os.remove(os.path.join(src, "a.json"))
    r = install(src, dst)
    expect(r, 2, "install from a folder nested too deep")
    event(r, "sync", "folders nest more than 8 deep")  # io/dir's words, as serve says them
    same_tree(dst, {"a.json": shipped("strict.json")})

    shutil.rmtree(os.path.join(src, "d0"))
    for i in range(1025):
        write(os.path.join(src, f"p{i:04}.json"), b"{}")
    r = install(src, dst)
    expect(r, 2, "install of 1025 profiles")
    event(r, "sync", "more than 1024 files")
    same_tree(dst, {"a.json": shipped("strict.json")})


def usage(tmp):
    src = os.path.join(tmp, "from")
    os.makedirs(src)
    write(os.path.join(tmp, "file"), b"")
    for args, what in (([], "no options"),
                       (["--from", src], "no --to"),
                       (["--from", os.path.join(tmp, "missing"), "--to", os.path.join(tmp, "to")], "--from missing"),
                       (["--from", os.path.join(tmp, "file"), "--to", os.path.join(tmp, "to")], "--from a file"),
                       (["--from", src, "--to", os.path.join(tmp, "to"), "--interval", "0"], "--interval 0"),
                       (["--from", src, "--to", os.path.join(tmp, "to"), "--interval", "2x"], "--interval 2x"),
                       (["--from", src, "--to", os.path.join(tmp, "to"), "--bogus"], "unknown option"),
                       (["--from", src, "--to", os.path.join(tmp, "no", "parent")], "--to without its parent")):
        r = subprocess.run([BINARY, "profile", "install", *args], capture_output=True, text=True, timeout=TIMEOUT)
        expect(r, 2, what)
        if not r.stderr.strip():
            fail(f"{what}: exit 2 without a word on stderr")
    r = subprocess.run([BINARY, "profile", "--help"], capture_output=True, text=True, timeout=TIMEOUT)
    if "profile install --from DIR --to DIR" not in r.stdout or "--allow-permissive" not in r.stdout:
        fail(f"`profile --help` does not describe install:\n{r.stdout}")


def root_without_capabilities(tmp):
    """What the DaemonSet's securityContext promises is enough: uid 0 with
    every capability dropped writes the kubelet's root-owned 0755 folder.
    The same run into a folder of another uid fails, which shows the
    capabilities really were gone (CAP_DAC_OVERRIDE would write it)."""
    if os.geteuid() != 0:
        raise Skip("needs root (the DaemonSet's uid 0)")
    if shutil.which("setpriv") is None:
        raise Skip("no setpriv(1)")
    src = os.path.join(tmp, "from")
    write(os.path.join(src, "strict.json"), shipped("strict.json"))
    drop = ["setpriv", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    for owner, code in ((0, 0), (65534, 2)):
        host = os.path.join(tmp, f"seccomp-{owner}")  # the hostPath, as DirectoryOrCreate makes it
        os.makedirs(host)
        os.chown(host, owner, owner)
        os.chmod(host, 0o755)
        r = subprocess.run([*drop, BINARY, "profile", "install", "--from", src, "--to",
                            os.path.join(host, "profiles")], capture_output=True, text=True, timeout=TIMEOUT)
        expect(r, code, f"install without capabilities into a folder of uid {owner}")
    if read(os.path.join(tmp, "seccomp-0", "profiles", "strict.json")) != shipped("strict.json"):
        fail("the profile is not in the root-owned folder")
    if "Permission denied" not in r.stderr:
        fail(f"a folder of another uid is refused for want of permission:\n{r.stderr}")


def under_runtime_default(tmp):
    """The DaemonSet runs under RuntimeDefault: install, a sync and a watch
    stopped by SIGTERM, make no syscall that profile refuses.
    manifests/profiles/deny-mount.json is RuntimeDefault less the mounts;
    `profile run` says each call it refuses."""
    src, dst = os.path.join(tmp, "from"), os.path.join(tmp, "to")
    os.makedirs(src)
    shipped_layout(src)
    run = [BINARY, "profile", "run", os.path.join(PROFILES, "deny-mount.json"), "--", BINARY,
           "profile", "install", "--from", src, "--to", dst]
    r = subprocess.run(run, capture_output=True, text=True, timeout=TIMEOUT)
    expect(r, 1, "install under RuntimeDefault (audit.json skipped)")
    if "seccomp-guard: refused" in r.stderr or len(os.listdir(dst)) != 4:
        fail(f"install under RuntimeDefault:\n{r.stderr}")
    err_path = os.path.join(tmp, "stderr")
    with open(err_path, "w") as err:
        p = subprocess.Popen(run + ["--watch", "--interval", "1"], stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_until(lambda: '"event":"sync"' in open(err_path).read(), "a sync under RuntimeDefault", p)
        p.send_signal(signal.SIGTERM)
        code = p.wait(timeout=5)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    text = open(err_path).read()
    if code != 0 or "seccomp-guard: refused" in text or '"event":"stop"' not in text:
        fail(f"--watch under RuntimeDefault: exit {code}\n{text}")


def wait_until(cond, what, proc):
    deadline = time.monotonic() + WATCH_WAIT
    while time.monotonic() < deadline:
        if cond():
            return
        if proc.poll() is not None:
            fail(f"--watch exited ({proc.returncode}) while waiting until {what}")
        time.sleep(0.1)
    fail(f"--watch --interval 1: not within {WATCH_WAIT} s: {what}")


def watch(tmp):
    """--watch installs, then follows --from (a change, a new file, a
    removal) and restores an installed file deleted from --to, each within
    a bounded time; SIGTERM stops it with exit 0."""
    src, dst = os.path.join(tmp, "from"), os.path.join(tmp, "to")
    write(os.path.join(src, "app.json"), shipped("strict.json"))
    err_path = os.path.join(tmp, "stderr")
    with open(err_path, "w") as err:
        p = subprocess.Popen([BINARY, "profile", "install", "--from", src, "--to", dst,
                              "--watch", "--interval", "1"], stdout=subprocess.DEVNULL, stderr=err)
    target = os.path.join(dst, "app.json")

    def has(path, data):
        return lambda: os.path.exists(path) and read(path) == data

    try:
        wait_until(has(target, shipped("strict.json")), "app.json is installed", p)
        # Replaced as editors and the kubelet do: a new file renamed over.
        write(os.path.join(src, ".app.json.new"), shipped("deny-mount.json"))
        os.rename(os.path.join(src, ".app.json.new"), os.path.join(src, "app.json"))
        wait_until(has(target, shipped("deny-mount.json")), "the changed app.json is installed", p)
        write(os.path.join(src, "sub", "second.json"), shipped("strict.json"))
        wait_until(has(os.path.join(dst, "sub", "second.json"), shipped("strict.json")),
                   "a new profile is installed", p)
        os.remove(target)
        wait_until(has(target, shipped("deny-mount.json")), "an installed file deleted on the node is restored", p)
        os.remove(os.path.join(src, "sub", "second.json"))
        wait_until(lambda: not os.path.exists(os.path.join(dst, "sub", "second.json")),
                   "a profile gone from --from is removed", p)
        write(os.path.join(src, "app.json"), NOT_JSON)
        wait_until(lambda: "app.json: not installed: not a profile" in open(err_path).read(),
                   "a broken profile is reported", p)
        if read(target) != shipped("deny-mount.json"):
            fail("--watch replaced a good copy with a broken profile")
        p.send_signal(signal.SIGTERM)
        try:
            code = p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            fail("--watch did not stop within 5 s of SIGTERM")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    if code != 0:
        fail(f"--watch stopped by SIGTERM exits {code}, want 0")
    with open(err_path) as f:
        evs = events(f.read())
    if not evs or evs[0]["event"] != "start" or evs[-1]["event"] != "stop":
        fail(f"--watch says start first and stop last: {[e['event'] for e in evs]}")
    syncs = sum(1 for e in evs if e["event"] == "sync")
    if syncs > 12:
        fail(f"--watch synced {syncs} times for 6 changes: it should sync only when something changed")


CASES = {f.__name__: f for f in (enforcing_installed, broken_keeps_old, removal_only_own, planted_links,
                                 configmap_layout, leftovers_cleaned, limits_fail_closed, usage, watch,
                                 root_without_capabilities, under_runtime_default)}


def main():
    case = sys.argv[3]
    os.umask(0o022)
    tmp = tempfile.mkdtemp(prefix="sg-install-")
    try:
        CASES[case](tmp)
    except Skip as e:
        print(f"SKIP: {case}: {e}")
        sys.exit(SKIP)
    except AssertionError as e:
        print(f"FAIL: {case}: {e}")
        sys.exit(1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"ok: {case}")


if __name__ == "__main__":
    main()
