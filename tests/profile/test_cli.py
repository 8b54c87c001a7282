#!/usr/bin/python3
"""`seccomp-guard profile lint | run | record`, from outside: the real
binary on real profiles, running busybox under them.

    test_cli.py BINARY REPO CASE

CASE is one of the functions named in CASES below. Exit 0 pass, 1 fail,
77 skipped (saying why). Mounts happen only in a private mount namespace
(`unshare -m` as root, `unshare -rm` otherwise): nothing on the host
changes.
"""

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile

SKIP = 77
TIMEOUT = 60  # seconds for any one command; busybox commands take milliseconds

BINARY, REPO = sys.argv[1], sys.argv[2]
PROFILES = os.path.join(REPO, "manifests", "profiles")
CASES_DIR = os.path.join(REPO, "tests", "profile", "cases")

# What the shipped strict profile was recorded from (its comment says so).
MOUNT_SCRIPT = ("busybox mount -t tmpfs none /mnt && echo hello > /mnt/greeting && "
                "busybox cat /mnt/greeting && busybox umount /mnt")


class Skip(Exception):
    pass


def fail(msg):
    raise AssertionError(msg)


def sg(*args, stdin=None, prefix=(), cwd=None):
    # busybox sh asks getcwd() only when $PWD is not where it is: keep them
    # in step (ctest changes folder without updating PWD), as in a shell.
    cwd = cwd or os.getcwd()
    return subprocess.run([*prefix, BINARY, *args], capture_output=True, text=True,
                          timeout=TIMEOUT, cwd=cwd, env=dict(os.environ, PWD=cwd),
                          stdin=stdin if stdin is not None else subprocess.DEVNULL)


def expect(r, code, what):
    if r.returncode != code:
        fail(f"{what}: exit {r.returncode}, want {code}\n--- stdout\n{r.stdout}\n--- stderr\n{r.stderr}")


def lint_json(*files):
    r = sg("profile", "lint", "--output", "json", *files)
    try:
        return r, json.loads(r.stdout)
    except json.JSONDecodeError as e:
        fail(f"lint --output json is not JSON ({e}):\n{r.stdout}\n{r.stderr}")


def finding(result, code, path=None):
    for f in result["findings"]:
        if f["code"] == code and (path is None or f["path"] == path):
            return f
    return None


def mount_namespace():
    """The prefix that runs a command in a private mount namespace."""
    if shutil.which("unshare") is None:
        raise Skip("no unshare(1)")
    for prefix in (["unshare", "-m"], ["unshare", "-rm"]) if os.geteuid() == 0 else (["unshare", "-rm"],):
        if subprocess.run([*prefix, "true"], capture_output=True).returncode == 0:
            return prefix
    raise Skip("cannot make a mount namespace here (not root, no user namespaces)")


def need_busybox():
    if shutil.which("busybox") is None:
        raise Skip("busybox is not installed (scripts/deps/test/profile.txt)")


# --- lint ------------------------------------------------------------------

SHIPPED = {
    # file: (exit, verdict, codes it must have, dangerous it must name)
    "strict.json": (0, "enforcing", {"dangerous"}, {"mount", "umount2"}),
    "deny-mount.json": (0, "enforcing", set(), set()),
    "audit.json": (0, "permissive", {"permissive", "dangerous"}, {"mount", "bpf", "keyctl"}),
    "textbook.json": (1, "enforcing", {"cannot-start"}, set()),
}


def lint_shipped():
    files = sorted(f for f in os.listdir(PROFILES) if f.endswith(".json"))
    if set(files) != set(SHIPPED):
        fail(f"manifests/profiles has {files}; this test knows {sorted(SHIPPED)}")
    for name, (code, verdict, codes, dangerous) in SHIPPED.items():
        path = os.path.join(PROFILES, name)
        r, out = lint_json(path)
        expect(r, code, f"lint {name}")
        res = out[0]
        if res["verdict"] != verdict or res["refused"]:
            fail(f"{name}: verdict {res['verdict']} refused {res['refused']}, want {verdict}")
        got = {f["code"] for f in res["findings"]}
        if not codes <= got:
            fail(f"{name}: findings {sorted(got)} lack {sorted(codes - got)}")
        if name == "deny-mount.json" and res["findings"]:
            fail(f"deny-mount.json should be clean: {res['findings']}")
        if not dangerous <= set(res["dangerous"]):
            fail(f"{name}: dangerous {res['dangerous']} lacks {sorted(dangerous - set(res['dangerous']))}")
        # Text: the verdict line first, one line per finding.
        t = sg("profile", "lint", path)
        expect(t, code, f"lint {name} (text)")
        first = t.stdout.splitlines()[0]
        if not first.startswith(f"{path}: {verdict}: "):
            fail(f"text output starts {first!r}")
        if len(t.stdout.splitlines()) != 1 + len(res["findings"]):
            fail(f"text output has {len(t.stdout.splitlines())} lines for {len(res['findings'])} findings")
    # The audit profile documents itself without lint complaining of it.
    r, out = lint_json(os.path.join(PROFILES, "audit.json"))
    if finding(out[0], "unknown-key"):
        fail("lint complains about audit.json's comment")
    if "Unconfined" not in json.load(open(os.path.join(PROFILES, "audit.json")))["comment"]:
        fail("audit.json's comment does not say policy treats it as Unconfined")
    # Several files: the worst status wins.
    expect(sg("profile", "lint", *(os.path.join(PROFILES, f) for f in files)), 1, "lint all")


def lint_malformed():
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(CASES_DIR, "expected.tsv"))
            if l.strip() and not l.startswith("#")]
    listed = {row[0] for row in rows}
    present = {f for f in os.listdir(CASES_DIR) if f.endswith(".json")}
    if listed != present:
        fail(f"cases/ and expected.tsv disagree: {sorted(listed ^ present)}")
    for row in rows:
        name, code, verdict = row[0], int(row[1]), row[2]
        path = os.path.join(CASES_DIR, name)
        r, out = lint_json(path)
        expect(r, code, f"lint {name}")
        res = out[0]
        if res["verdict"] != verdict:
            fail(f"{name}: verdict {res['verdict']}, want {verdict}")
        if verdict == "unreadable":
            if not res.get("error") or name not in r.stderr:
                fail(f"{name}: unreadable without a message naming the file: {res} {r.stderr!r}")
            continue
        want_code, want_path, sev = row[3], row[4], row[5]
        f = finding(res, want_code, want_path)
        if f is None:
            fail(f"{name}: no {want_code} at {want_path!r}: {json.dumps(res['findings'], indent=1)}")
        if f["severity"] != sev.rstrip("*") or f["fatal"] != sev.endswith("*"):
            fail(f"{name}: {want_code} is {f['severity']} fatal={f['fatal']}, want {sev}")
        if res["refused"] != any(x["fatal"] for x in res["findings"]):
            fail(f"{name}: refused={res['refused']} disagrees with the findings")


def lint_usage():
    expect(sg("profile", "lint"), 2, "lint without a file")
    expect(sg("profile", "lint", "/nonexistent/profile.json"), 2, "lint of a missing file")
    expect(sg("profile", "lint", "--output", "yaml", "x.json"), 2, "lint --output yaml")
    expect(sg("profile", "--help"), 0, "profile --help")
    expect(sg("profile", "lint", "--help"), 0, "profile lint --help")
    expect(sg("profile", "frobnicate"), 2, "an unknown subcommand")
    expect(sg("profile"), 2, "profile alone")
    r = sg("--help")
    if "profile" not in r.stdout:
        fail("seccomp-guard --help does not list profile")
    # Standard input, and another architecture.
    with open(os.path.join(PROFILES, "textbook.json")) as f:
        expect(sg("profile", "lint", "-", stdin=f), 1, "lint of standard input")
    r, out = lint_json("--arch", "arm64", os.path.join(PROFILES, "deny-mount.json"))
    expect(r, 0, "lint --arch arm64")
    r = sg("profile", "lint", "--arch", "vax", os.path.join(PROFILES, "deny-mount.json"))
    expect(r, 2, "lint --arch vax")


# --- run -------------------------------------------------------------------

def run_deny_mount():
    """deny-mount.json refuses mount with EPERM; the recorded strict profile,
    recorded from the very same script, lets it run."""
    need_busybox()
    ns = mount_namespace()
    deny = os.path.join(PROFILES, "deny-mount.json")
    strict = os.path.join(PROFILES, "strict.json")
    r = sg("profile", "run", deny, "--", "busybox", "sh", "-c", MOUNT_SCRIPT, prefix=ns)
    if r.returncode == 0 or "hello" in r.stdout:
        fail(f"mount ran under deny-mount.json: {r}")
    want = f"seccomp-guard: refused mount(): EPERM (Operation not permitted), by defaultAction"
    if want not in r.stderr:
        fail(f"no {want!r} in:\n{r.stderr}")
    if "permission denied" not in r.stderr:  # busybox's own word for EPERM
        fail(f"busybox did not report the failed mount:\n{r.stderr}")
    # --exact loads runc's filter unchanged: the same failure, nothing said.
    e = sg("profile", "run", "--exact", deny, "--", "busybox", "sh", "-c", MOUNT_SCRIPT, prefix=ns)
    expect(e, r.returncode, "the same command under --exact")
    if "seccomp-guard" in e.stderr:
        fail(f"--exact said something:\n{e.stderr}")
    # Where it was recorded: a recording holds what that run did.
    ok = sg("profile", "run", strict, "--", "busybox", "sh", "-c", MOUNT_SCRIPT, prefix=ns, cwd=REPO)
    expect(ok, 0, "the mount script under strict.json")
    if ok.stdout != "hello\n" or ok.stderr:
        fail(f"under strict.json: {ok.stdout!r} {ok.stderr!r}")


def run_status():
    """The command's exit status passes through; a signal is 128+N."""
    need_busybox()
    deny = os.path.join(PROFILES, "deny-mount.json")
    expect(sg("profile", "run", deny, "--", "busybox", "sh", "-c", "exit 7"), 7, "exit 7")
    expect(sg("profile", "run", deny, "--", "busybox", "true"), 0, "true")
    r = sg("profile", "run", deny, "--", "busybox", "sh", "-c", "kill -TERM $$")
    expect(r, 128 + signal.SIGTERM, "a command killed by SIGTERM")
    if "signal 15 (SIGTERM)" not in r.stderr:
        fail(f"the signal is not said: {r.stderr!r}")
    # SIGTERM to seccomp-guard (timeout(1), say) is passed on to the
    # command. The command sends it to its parent, seccomp-guard, once it
    # runs: a signal sent from outside could come before seccomp-guard is
    # ready for it, and kill it the usual way.
    for mode in ([], ["--exact"]):
        r = sg("profile", "run", *mode, deny, "--", "busybox", "sh", "-c",
               "kill -TERM $PPID; busybox sleep 30")
        expect(r, 128 + signal.SIGTERM, f"SIGTERM to seccomp-guard {mode}")
        if "killed by signal 15 (SIGTERM)" not in r.stderr:
            fail(f"SIGTERM not passed on {mode}: {r.stderr!r}")
    # A profile that refuses execve (or even exit_group): the child cannot
    # become the command, and ends; 126, said. In an ASan build the child
    # must not enter the sanitizer runtime once its filter is loaded.
    with tempfile.TemporaryDirectory() as tmp:
        for allowed in (["exit_group"], []):
            prof = os.path.join(tmp, "no-execve.json")
            json.dump({"defaultAction": "SCMP_ACT_ERRNO",
                       "syscalls": [{"names": allowed or ["getpid"], "action": "SCMP_ACT_ALLOW"}]},
                      open(prof, "w"))
            for mode in ([], ["--exact"]):
                r = sg("profile", "run", *mode, prof, "--", "busybox", "true")
                expect(r, 126, f"a profile without execve, allowing {allowed} {mode}")
                if "execve under the profile failed: Operation not permitted" not in r.stderr:
                    fail(f"the refused execve is not said: {r.stderr!r}")
    expect(sg("profile", "run", deny, "--", "no-such-command-here"), 127, "command not found")
    expect(sg("profile", "run", deny, "--", "/etc/hostname"), 126, "not executable")
    expect(sg("profile", "run", "/nonexistent.json", "--", "busybox", "true"), 125, "no profile")
    expect(sg("profile", "run", deny), 125, "no command")
    bad = os.path.join(CASES_DIR, "unknown-action.json")
    r = sg("profile", "run", bad, "--", "busybox", "true")
    expect(r, 125, "a profile runc refuses")
    if "syscalls[1].action" not in r.stderr or "runc refuses" not in r.stderr:
        fail(f"the refusal is not explained: {r.stderr}")
    # {}: runc installs no filter, and neither does run; it says so.
    r = sg("profile", "run", os.path.join(CASES_DIR, "no-filter.json"), "--", "busybox", "true")
    expect(r, 0, "the no-filter profile")
    if "installs no filter" not in r.stderr:
        fail(f"no word about the missing filter: {r.stderr!r}")
    with tempfile.TemporaryDirectory() as tmp:
        # A kill: SIGSYS, 128+31, said as the profile's kill.
        kill = os.path.join(tmp, "kill.json")
        json.dump({"defaultAction": "SCMP_ACT_ALLOW",
                   "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_KILL_PROCESS"}]},
                  open(kill, "w"))
        r = sg("profile", "run", kill, "--", "busybox", "sh", "-c", "echo $PPID")
        # busybox sh reads $PPID with getppid() at start.
        expect(r, 128 + signal.SIGSYS, "a call the profile kills")
        if "SIGSYS" not in r.stderr:
            fail(f"SIGSYS not said: {r.stderr!r}")
        # errnoRet of a rule reaches the program, also through the supervisor.
        enoent = os.path.join(tmp, "enoent.json")
        json.dump({"defaultAction": "SCMP_ACT_ALLOW",
                   "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO",
                                 "errnoRet": 2}]}, open(enoent, "w"))
        for mode in ([], ["--exact"]):
            r = sg("profile", "run", *mode, enoent, "--", "busybox", "mkdir", os.path.join(tmp, "d"))
            expect(r, 1, f"mkdir under errnoRet 2 {mode}")
            if "No such file or directory" not in r.stderr or os.path.exists(os.path.join(tmp, "d")):
                fail(f"mkdir did not fail with ENOENT {mode}: {r.stderr!r}")
        if "refused mkdir" not in sg("profile", "run", enoent, "--", "busybox", "mkdir",
                                     os.path.join(tmp, "d")).stderr:
            fail("the refused mkdir is not said")
        # Argument conditions: kill(pid, sig) refused when sig (arg 1) is 0.
        # Two conditions on one index are runc's OR: one rule each.
        for conds, refused in (([0], {"0"}), ([0, 18], {"0", "CONT"})):
            prof = os.path.join(tmp, "args.json")
            json.dump({"defaultAction": "SCMP_ACT_ALLOW",
                       "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ERRNO",
                                     "args": [{"index": 1, "value": v, "op": "SCMP_CMP_EQ"}
                                              for v in conds]}]}, open(prof, "w"))
            for sig in ("0", "CONT", "WINCH"):
                for mode in ([], ["--exact"]):
                    r = sg("profile", "run", *mode, prof, "--", "busybox", "sh", "-c",
                           f"kill -{sig} $$")
                    if (r.returncode != 0) != (sig in refused):
                        fail(f"kill -{sig} under conditions {conds} {mode}: exit {r.returncode}"
                             f"\n{r.stderr}")


# --- record ----------------------------------------------------------------

def record_then_run():
    """record a busybox command; run it under the result; remove one
    syscall it surely needs and watch it fail."""
    need_busybox()
    with tempfile.TemporaryDirectory() as tmp:
        work = os.path.join(tmp, "work")
        script = f"busybox mkdir -p {work}/a/b && echo hi > {work}/a/b/f && busybox cat {work}/a/b/f"
        prof = os.path.join(tmp, "rec.json")
        r = sg("profile", "record", "--output", prof, "--", "busybox", "sh", "-c", script)
        expect(r, 0, "record")
        if r.stdout != "hi\n":
            fail(f"the recorded command's output: {r.stdout!r}")
        doc = json.load(open(prof))
        names = doc["syscalls"][0]["names"]
        if doc["defaultAction"] != "SCMP_ACT_ERRNO" or names != sorted(names):
            fail(f"not an allow-list profile: {doc}")
        made = [n for n in ("mkdir", "mkdirat") if n in names]
        # A child's call: the shell forks, the child execs busybox mkdir.
        for need in ("execve", "write", "exit_group", "wait4"):
            if need not in names:
                fail(f"{need} was not recorded: {names}")
        if not made:
            fail(f"busybox mkdir made neither mkdir nor mkdirat: {names}")
        r, out = lint_json(prof)
        expect(r, 0, "lint of the recording")
        if out[0]["verdict"] != "enforcing" or out[0]["missing"]:
            fail(f"the recording is not a clean enforcing profile: {out[0]}")

        shutil.rmtree(work, ignore_errors=True)
        ok = sg("profile", "run", prof, "--", "busybox", "sh", "-c", script)
        expect(ok, 0, "run under the recording")
        if ok.stdout != "hi\n" or ok.stderr:
            fail(f"run under the recording: {ok.stdout!r} {ok.stderr!r}")

        for drop in made:
            cut = dict(doc, syscalls=[dict(doc["syscalls"][0], names=[n for n in names if n != drop])])
            smaller = os.path.join(tmp, f"without-{drop}.json")
            json.dump(cut, open(smaller, "w"))
            shutil.rmtree(work, ignore_errors=True)
            bad = sg("profile", "run", smaller, "--", "busybox", "sh", "-c", script)
            if bad.returncode == 0 or bad.stdout:
                fail(f"ran without {drop}: {bad}")
            if f"refused {drop}(): EPERM" not in bad.stderr or "Operation not permitted" not in bad.stderr:
                fail(f"the refused {drop} is not said:\n{bad.stderr}")
            if os.path.exists(os.path.join(work, "a")):
                fail(f"the directory was made without {drop}")


def record_children_and_errors():
    need_busybox()
    with tempfile.TemporaryDirectory() as tmp:
        prof = os.path.join(tmp, "p.json")
        # Only the child makes the directory; the shell only waits.
        r = sg("profile", "record", "--output", prof, "--", "busybox", "sh", "-c",
               f"busybox mkdir {tmp}/x & wait")
        expect(r, 0, "record with a child")
        names = json.load(open(prof))["syscalls"][0]["names"]
        if not {"mkdir", "mkdirat"} & set(names):
            fail(f"the child's mkdir was not recorded: {names}")
        # A failing command: the profile is written, exit 1, and said.
        r = sg("profile", "record", "--output", prof, "--", "busybox", "sh", "-c", "exit 3")
        expect(r, 1, "record of a failing command")
        if "exited with status 3" not in r.stderr:
            fail(f"the failure is not said: {r.stderr!r}")
        json.load(open(prof))
        # Nothing to run: exit 2, nothing written.
        gone = os.path.join(tmp, "none.json")
        expect(sg("profile", "record", "--output", gone, "--", "no-such-command-here"), 2,
               "record of a missing command")
        if os.path.exists(gone):
            fail("a profile was written for a command that did not run")
        expect(sg("profile", "record", "--output", gone), 2, "record without a command")
        expect(sg("profile", "record", "--output", "/nonexistent/dir/p.json", "--", "busybox", "true"),
               2, "record to an unwritable place")
        # Not a regular file: written into, never replaced (a device stays a
        # device, a link a link), as a shell's > does.
        r = sg("profile", "record", "--output", "/dev/null", "--", "busybox", "true")
        expect(r, 0, "record to /dev/null")
        if not stat.S_ISCHR(os.stat("/dev/null").st_mode):
            fail("record replaced /dev/null")
        target, link = os.path.join(tmp, "target.json"), os.path.join(tmp, "link.json")
        open(target, "w").close()
        os.symlink(target, link)
        expect(sg("profile", "record", "--output", link, "--", "busybox", "true"), 0,
               "record through a symbolic link")
        if not os.path.islink(link) or json.load(open(target))["defaultAction"] != "SCMP_ACT_ERRNO":
            fail("record replaced the link instead of writing through it")
        # Standard output by default.
        r = sg("profile", "record", "--", "busybox", "true")
        expect(r, 0, "record to stdout")
        if json.loads(r.stdout)["defaultAction"] != "SCMP_ACT_ERRNO":
            fail("record did not print the profile")


CASES = {f.__name__: f for f in (lint_shipped, lint_malformed, lint_usage, run_deny_mount,
                                 run_status, record_then_run, record_children_and_errors)}

if __name__ == "__main__":
    case = sys.argv[3]
    try:
        CASES[case]()
    except Skip as e:
        print(f"SKIP: {e}")
        sys.exit(SKIP)
    except AssertionError as e:
        print(f"FAIL: {case}: {e}")
        sys.exit(1)
    print(f"ok: {case}")
