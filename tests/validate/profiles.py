#!/usr/bin/python3
"""Localhost profiles through `check` and `review`: the verdict on the
command line is the cluster's. Under manifests/policies/default.yaml (its
profiles folder, ../profiles, found from wherever the command runs) a pod
under profiles/audit.json is denied naming the profile and SCMP_ACT_LOG,
deny-mount.json is allowed, strict.json warns naming mount and umount2, an
unknown profile warns; --profiles DIR replaces the policy's folder (and
gives the built-in policy one); a broken profile, or a folder that is not
there, is bad input (exit 2) naming the file; a policy without a folder
judges no profile by its file; a permissive defaultProfile is not
injected.

usage: profiles.py BINARY REPO
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import yaml

BINARY, REPO = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
DEFAULT = os.path.join(REPO, "manifests", "policies", "default.yaml")
BASELINE = os.path.join(REPO, "manifests", "policies", "baseline.yaml")
SHIPPED = os.path.join(REPO, "manifests", "profiles")
WORK = tempfile.mkdtemp(prefix="sg-profiles-")
failures = []
checks = [0]


def write(name, text):
    path = os.path.join(WORK, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


def pod(profile=None, annotation=None, name="p"):
    c = {"name": "app", "image": "busybox:1.36",
         "securityContext": {"allowPrivilegeEscalation": False,
                             "capabilities": {"drop": ["ALL"]}}}
    spec = {"securityContext": {"runAsNonRoot": True}, "containers": [c]}
    if profile is not None:
        spec["securityContext"]["seccompProfile"] = {"type": "Localhost",
                                                     "localhostProfile": profile}
    meta = {"name": name, "namespace": "shop"}
    if annotation is not None:
        meta["annotations"] = {"seccomp.security.alpha.kubernetes.io/pod": annotation}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def run(args, cwd=None, stdin=None):
    proc = subprocess.run([BINARY] + args, capture_output=True, text=True, cwd=cwd, input=stdin,
                          timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


def check(what, args, obj, want_exit, want_verdict=None, needles=(), cwd=None):
    """`check --output json` on obj; the exit status, the verdict and each
    needle in the violations' messages (or, on exit 2, in stderr)."""
    checks[0] += 1
    path = write("objects/%d.yaml" % checks[0], yaml.safe_dump(obj))
    code, out, err = run(["check", "--output", "json"] + args + [path], cwd=cwd)
    problems = []
    if code != want_exit:
        problems.append("exit %d, want %d (%s)" % (code, want_exit, err.strip()))
    if code == 2:
        text = err
    else:
        results = json.loads(out)
        text = " ".join(v["message"] + " [" + v["action"] + "]"
                        for r in results for v in r["violations"])
        if want_verdict and results[0]["verdict"] != want_verdict:
            problems.append("verdict %s, want %s: %s" % (results[0]["verdict"], want_verdict,
                                                          text))
    for n in needles:
        if n not in text:
            problems.append("%r not in %r" % (n, text))
    if problems:
        failures.append("check " + what + ": " + "; ".join(problems))


def review(what, args, obj, want_exit, want_allowed=None, needles=(), mutate=False):
    """`review` of an AdmissionReview for obj: the exit status, allowed,
    and each needle in the denial, the warnings or (exit 2) stderr."""
    checks[0] += 1
    request = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": "u1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "namespace": obj["metadata"]["namespace"], "operation": "CREATE",
        "userInfo": {"username": "alice"}, "object": obj}}
    path = write("reviews/%d.json" % checks[0], json.dumps(request))
    code, out, err = run(["review"] + (["--mutate"] if mutate else []) + args + [path])
    problems = []
    text, response = err, None
    if code != want_exit:
        problems.append("exit %d, want %d (%s)" % (code, want_exit, err.strip()))
    elif code == 0:
        response = json.loads(out)["response"]
        text = (response.get("status", {}).get("message", "") + " " +
                " ".join(response.get("warnings", [])))
        if want_allowed is not None and response["allowed"] is not want_allowed:
            problems.append("allowed is %s: %s" % (response["allowed"], text))
    for n in needles:
        if n not in text:
            problems.append("%r not in %r" % (n, text))
    if problems:
        failures.append("review " + what + ": " + "; ".join(problems))
    return response


def shipped_verdicts():
    """default.yaml with its own folder; the same from another working
    folder and with a relative policy path: the folder is the policy's
    neighbour, not the caller's."""
    for args, cwd in ((["--policy", DEFAULT], None),
                      (["--policy", DEFAULT], "/"),
                      (["--policy", os.path.join("..", "manifests", "policies", "default.yaml")],
                       os.path.join(REPO, "docs"))):
        where = " (cwd %s)" % cwd if cwd else ""
        check("audit.json denied" + where, args, pod("profiles/audit.json"), 1, "deny",
              ['Localhost profile "profiles/audit.json" is permissive (SCMP_ACT_LOG',
               "would run as if Unconfined", "[deny]"], cwd=cwd)
        check("deny-mount.json allowed" + where, args, pod("profiles/deny-mount.json"), 0,
              "allow", cwd=cwd)
    check("strict.json warns, naming the syscalls", ["--policy", DEFAULT],
          pod("profiles/strict.json"), 0, "warn",
          ["lets dangerous syscalls run: mount, umount2", "[warn]"])
    check("unknown warns, naming the folder", ["--policy", DEFAULT], pod("profiles/nope.json"), 0,
          "warn", ['Localhost profile "profiles/nope.json" is not in the policy\'s profiles folder',
                   os.path.join("manifests", "policies", "..", "profiles")])
    check("the legacy annotation", ["--policy", DEFAULT],
          pod(annotation="localhost/profiles/audit.json"), 1, "deny",
          ["metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]", "SCMP_ACT_LOG"])
    check("a cleaned spelling", ["--policy", DEFAULT], pod("./profiles//audit.json"), 1, "deny",
          ["SCMP_ACT_LOG"])
    # The shipped example pods, as docs/profiles.md shows them.
    for name, want in (("pod-profile-audit.yaml", 1), ("pod-profile-deny-mount.yaml", 0),
                       ("pod-localhost-profile.yaml", 1)):
        code, out, err = run(["check", "--policy", DEFAULT,
                              os.path.join(REPO, "docs", "examples", name)])
        checks[0] += 1
        if code != want:
            failures.append("check %s: exit %d, want %d: %s%s" % (name, code, want, out, err))


def profiles_option():
    """--profiles replaces the policy's folder, or gives the built-in
    policy one; relative to the working folder like any argument."""
    mine = os.path.join(WORK, "mine")
    os.makedirs(mine)
    with open(os.path.join(mine, "audit.json"), "w") as f:
        f.write('{"defaultAction": "SCMP_ACT_ERRNO"}')  # enforcing by that name here
    with open(os.path.join(mine, "deny-mount.json"), "w") as f:
        f.write('{"defaultAction": "SCMP_ACT_ALLOW"}')
    check("--profiles wins over the policy's folder", ["--policy", DEFAULT, "--profiles", mine],
          pod("profiles/audit.json"), 0, "allow")
    check("--profiles: its permissive file", ["--policy", DEFAULT, "--profiles", mine],
          pod("profiles/deny-mount.json"), 1, "deny", ["SCMP_ACT_ALLOW"])
    check("--profiles: strict.json unknown there", ["--policy", DEFAULT, "--profiles", mine],
          pod("profiles/strict.json"), 0, "warn", ["[seccomp-localhost-unknown]"])
    check("--profiles with the built-in policy", ["--profiles", SHIPPED],
          pod("profiles/audit.json"), 1, "deny", ["SCMP_ACT_LOG"])
    check("--profiles relative to the working folder", ["--profiles", "manifests/profiles"],
          pod("profiles/audit.json"), 1, "deny", ["SCMP_ACT_LOG"], cwd=REPO)
    check("--profiles relative to the working folder, not the policy's",
          ["--policy", DEFAULT, "--profiles", "mine"], pod("profiles/deny-mount.json"), 1,
          "deny", ["SCMP_ACT_ALLOW"], cwd=WORK)
    check("no folder: not judged by its file", ["--policy", BASELINE],
          pod("profiles/audit.json"), 0, "allow")
    check("built-in policy, no folder", [], pod("profiles/audit.json"), 0, "allow")


def bad_folders():
    """A profile the runtime would refuse, or no folder at all: exit 2,
    naming the file; nothing judged by half a folder."""
    broken = os.path.join(WORK, "broken")
    os.makedirs(os.path.join(broken, "team-a"))
    shutil.copy(os.path.join(SHIPPED, "audit.json"), broken)
    bad = os.path.join(broken, "team-a", "bad.json")
    with open(bad, "w") as f:
        f.write('{"defaultAction": "SCMP_ACT_BOGUS"}')
    check("a refused profile", ["--policy", DEFAULT, "--profiles", broken],
          pod("profiles/audit.json"), 2, None, [bad, "SCMP_ACT_BOGUS",
                                                "the runtime would refuse this profile"])
    with open(bad, "w") as f:
        f.write("not json")
    check("a profile that is not JSON", ["--profiles", broken], pod("profiles/audit.json"), 2,
          None, [bad, "line 1, column 1"])
    check("no such folder", ["--profiles", os.path.join(WORK, "nowhere")],
          pod("profiles/audit.json"), 2, None, ["profiles folder", "nowhere",
                                                "No such file or directory"])
    # default.yaml copied away from its folder: its ../profiles is not
    # there, and check says so rather than judging without it.
    alone = os.path.join(WORK, "alone", "policies", "default.yaml")
    os.makedirs(os.path.dirname(alone))
    shutil.copy(DEFAULT, alone)
    check("the policy's folder missing", ["--policy", alone], pod("profiles/audit.json"), 2,
          None, [os.path.join(WORK, "alone", "policies", "..", "profiles")])
    review("a refused profile", ["--policy", DEFAULT, "--profiles", broken],
           pod("profiles/audit.json"), 2, None, [bad])


def reviews():
    review("audit.json denied", ["--policy", DEFAULT], pod("profiles/audit.json"), 0, False,
           ['Localhost profile "profiles/audit.json" is permissive (SCMP_ACT_LOG',
            "[seccomp-unconfined]"])
    review("deny-mount.json allowed", ["--policy", DEFAULT], pod("profiles/deny-mount.json"), 0,
           True)
    review("unknown warns", ["--policy", DEFAULT], pod("profiles/nope.json"), 0, True,
           ["[seccomp-localhost-unknown]"])
    review("strict warns", ["--policy", DEFAULT], pod("profiles/strict.json"), 0, True,
           ["[seccomp-localhost-dangerous]"])
    review("--profiles", ["--profiles", SHIPPED], pod("profiles/audit.json"), 0, False,
           ["SCMP_ACT_LOG"])
    review("no folder", ["--policy", BASELINE], pod("profiles/audit.json"), 0, True)


def permissive_default_not_injected():
    """A policy injecting a Localhost profile its folder knows as
    permissive injects nothing; an enforcing one is injected."""
    for profile, injected in (("profiles/audit.json", False), ("profiles/deny-mount.json", True)):
        text = ("seccomp:\n  defaultProfile: {type: Localhost, localhostProfile: %s}\n"
                "profiles: {folder: %s}\nbase: default\n" % (profile, SHIPPED))
        policy = write("inject-%s.yaml" % os.path.basename(profile), text)
        response = review("inject " + profile, ["--policy", policy], pod(), 0, True, mutate=True)
        got = response is not None and "seccompProfile" in json.dumps(
            response.get("auditAnnotations", {}))
        if got != injected:
            failures.append("review --mutate injecting %s: injected=%s, want %s: %r"
                            % (profile, got, injected, response))
        checks[0] += 1
        path = write("objects/inject-%d.yaml" % checks[0], yaml.safe_dump(pod()))
        code, out, err = run(["check", "--policy", policy, "--mutate", path])
        mutated = yaml.safe_load(out) if code in (0, 1) else {}
        got = "seccompProfile" in json.dumps(mutated)
        if got != injected:
            failures.append("check --mutate injecting %s: injected=%s, want %s: %s %s"
                            % (profile, got, injected, out, err))


def main():
    try:
        shipped_verdicts()
        profiles_option()
        bad_folders()
        reviews()
        permissive_default_not_injected()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    for f in failures:
        print("FAIL " + f)
    print("%d checks, %d failed" % (checks[0], len(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
