#!/usr/bin/python3
"""docs/examples/ says what each example does; this checks that it does.

Each pod is judged by `seccomp-guard check` under the shipped policies and
must get the verdict the docs give it, with and without the profiles
folder (`--profiles manifests/profiles`) where the pod names a shipped
profile; every localhostProfile names one of manifests/profiles (the one
copy of the example profiles) by a relative path; the kind
config mounts them where the kubelet looks; the rollout overlay builds and
carries its policy byte for byte.

    check_examples.py --repo DIR --binary PATH [--kubectl PATH]
"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

KUBELET_SECCOMP_DIR = "/var/lib/kubelet/seccomp"
# (example, policy, expected exit of `check`[, more arguments]): 0 allowed,
# 1 denied. The policies are manifests/policies/<name>.yaml, or a path under
# docs/examples.
PROFILES = ["--profiles", "manifests/profiles"]  # paths relative to the repository
VERDICTS = [
    # default.yaml knows profiles/audit.json (its profiles folder) and
    # judges the permissive profile as Unconfined; restricted has no folder.
    ("pod-localhost-profile.yaml", "default", 1),
    ("pod-localhost-profile.yaml", "restricted", 0),
    ("pod-capabilities.yaml", "default", 0),
    ("pod-capabilities.yaml", "restricted", 0),
    ("pod-capabilities.yaml", "baseline", 0),
    ("pod-unconfined.yaml", "default", 1),
    ("pod-unconfined.yaml", "baseline", 1),
    ("pod-unconfined.yaml", "restricted", 1),
    ("pod-no-profile.yaml", "default", 0),      # RuntimeDefault injected, see below
    ("pod-no-profile.yaml", "restricted", 1),   # restricted injects nothing
    ("pod-unconfined.yaml", "rollout/policy.yaml", 0),  # observe-only: a warning
    ("service-mesh/pod-istio.yaml", "service-mesh/policy.yaml", 0),  # istio-init exempted
    ("service-mesh/pod-istio.yaml", "default", 1),  # NET_ADMIN, NET_RAW outside baseline
    # Localhost profiles judged by what the file holds (issue 15): with the
    # folder (default.yaml's own, or --profiles for a policy without one),
    # the SCMP_ACT_LOG profile is Unconfined; without one, as in PSA's
    # levels, a name is all there is, and nothing changes.
    ("pod-profile-audit.yaml", "default", 1),
    ("pod-profile-deny-mount.yaml", "default", 0),
    ("pod-profile-audit.yaml", "restricted", 1, PROFILES),
    ("pod-profile-deny-mount.yaml", "restricted", 0, PROFILES),
    ("pod-profile-audit.yaml", "restricted", 0),
    ("pod-profile-deny-mount.yaml", "restricted", 0),
]

# What the comments in the examples promise would be refused.
MISTAKES = [
    ("pod-localhost-profile.yaml", "localhostProfile: profiles/audit.json",
     f"localhostProfile: {KUBELET_SECCOMP_DIR}/profiles/audit.json", "seccomp-invalid"),
    ("pod-localhost-profile.yaml", "localhostProfile: profiles/audit.json",
     "localhostProfile: /path/to/seccomp/profile.json", "seccomp-invalid"),
    ("pod-localhost-profile.yaml", "localhostProfile: profiles/audit.json",
     "localhostProfile: profiles/../../audit.json", "seccomp-invalid"),
    ("pod-capabilities.yaml", "add: [NET_BIND_SERVICE]", "add: [net_bind_service]", "capabilities-spelling"),
    ("pod-capabilities.yaml", "add: [NET_BIND_SERVICE]", "add: [CAP_NET_BIND_SERVICE]", "capabilities-spelling"),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--kubectl", default=shutil.which("kubectl"))
    args = ap.parse_args()
    ex = os.path.join(args.repo, "docs", "examples")
    failures = []

    def fail(msg):
        failures.append(msg)
        print("FAIL:", msg)

    def policy_path(name):
        if name.endswith(".yaml"):
            return os.path.join(ex, name)
        return os.path.join(args.repo, "manifests", "policies", name + ".yaml")

    def check(policy, path=None, text=None, *extra):
        """Exit code and everything printed; with --mutate, stdout alone
        is the mutated YAML."""
        r = subprocess.run([args.binary, "check", "--policy", policy, *extra, path or "-"],
                           input=text, capture_output=True, text=True)
        return r.returncode, r.stdout + r.stderr, r.stdout

    for example, policy, want, *more in VERDICTS:
        extra = more[0] if more else []
        under = " ".join([policy, *extra])
        paths = [a if a.startswith("-") else os.path.join(args.repo, a) for a in extra]
        code, out, _ = check(policy_path(policy), os.path.join(ex, example), None, *paths)
        if code != want:
            fail(f"{example} under {under}: exit {code}, want {want}:\n{out}")
        else:
            print(f"ok: {example} under {under}: {'allowed' if want == 0 else 'denied'}")

    code, out, stdout = check(policy_path("default"), os.path.join(ex, "pod-no-profile.yaml"), None, "--mutate")
    mutated = [d for d in yaml.safe_load_all(stdout) if d] if code == 0 else []
    got = mutated[0].get("spec", {}).get("securityContext", {}).get("seccompProfile") if mutated else None
    if got != {"type": "RuntimeDefault"}:
        fail(f"pod-no-profile.yaml under default: seccompProfile after mutation is {got}, want RuntimeDefault:\n{out}")
    else:
        print("ok: pod-no-profile.yaml under default: RuntimeDefault injected")

    for example, old, new, rule in MISTAKES:
        with open(os.path.join(ex, example)) as f:
            text = f.read()
        if old not in text:
            fail(f"{example} no longer holds '{old}' (update MISTAKES)")
            continue
        code, out, _ = check(policy_path("default"), None, text.replace(old, new))
        if code != 1 or f"[{rule}]" not in out:
            fail(f"{example} with '{new}': exit {code}, want a denial by {rule}:\n{out}")
        else:
            print(f"ok: '{new}' refused by {rule}")

    # The profiles the webhook judges, the node DaemonSet installs and kind
    # mounts, keyed as pods name them (manifests/profiles/x.json is
    # profiles/x.json): one source of truth, so no copy under docs/examples.
    profiles_dir = os.path.join(args.repo, "manifests", "profiles")
    shipped = {"profiles/" + os.path.basename(p) for p in glob.glob(os.path.join(profiles_dir, "*.json"))}
    if not shipped:
        fail("no seccomp profile under manifests/profiles")
    if glob.glob(os.path.join(ex, "**", "*.json"), recursive=True):
        fail("docs/examples holds a .json file: profiles live in manifests/profiles only")
    profiles = set()
    for path in sorted(glob.glob(os.path.join(ex, "*.yaml"))):
        with open(path) as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
        for d in docs:
            for sc in [d.get("spec", {}).get("securityContext") or {}] + \
                      [c.get("securityContext") or {} for c in d.get("spec", {}).get("containers") or []]:
                lp = (sc.get("seccompProfile") or {}).get("localhostProfile")
                if lp is not None and lp not in profiles | shipped:
                    fail(f"{os.path.basename(path)}: localhostProfile {lp} is not one of {sorted(profiles | shipped)}")

    # kind mounts manifests/profiles (relative to docs/examples) at the kubelet's seccomp dir.
    with open(os.path.join(ex, "kind-config.yaml")) as f:
        kind = yaml.safe_load(f)
    for n, node in enumerate(kind.get("nodes") or []):
        mounts = {m.get("containerPath"): m.get("hostPath") for m in node.get("extraMounts") or []}
        host = mounts.get(f"{KUBELET_SECCOMP_DIR}/profiles")
        if host is None or os.path.realpath(os.path.join(ex, host)) != os.path.realpath(profiles_dir):
            fail(f"kind-config.yaml: node {n} does not mount manifests/profiles at {KUBELET_SECCOMP_DIR}/profiles")
    print("ok: profiles, localhostProfile paths and the kind config agree")

    # The rollout overlay: its policy is valid, and it is what the cluster gets.
    rollout_policy = os.path.join(ex, "rollout", "policy.yaml")
    r = subprocess.run([args.binary, "policy", rollout_policy], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"rollout/policy.yaml is not a valid policy:\n{r.stderr}")
    if args.kubectl:
        work = tempfile.mkdtemp(prefix="sg-examples-")
        try:
            shutil.copytree(os.path.join(args.repo, "manifests"), os.path.join(work, "manifests"),
                            ignore=shutil.ignore_patterns("tls", "ca-bundle-patch.yaml"))
            shutil.copytree(ex, os.path.join(work, "docs", "examples"))
            r = subprocess.run([args.kubectl, "kustomize", os.path.join(work, "docs", "examples", "rollout")],
                               capture_output=True, text=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if r.returncode != 0:
            fail(f"docs/examples/rollout does not build:\n{r.stderr}")
        else:
            # The policy's ConfigMap, once (the profiles' one is beside it).
            cms = [d for d in yaml.safe_load_all(r.stdout) if d and d.get("kind") == "ConfigMap"
                   and d["metadata"]["name"].startswith("seccomp-guard-policy")]
            with open(rollout_policy, "rb") as f:
                want = f.read()
            if len(cms) != 1 or cms[0]["metadata"]["name"] != "seccomp-guard-policy" or \
                    cms[0]["data"]["policy.yaml"].encode() != want:
                fail("docs/examples/rollout: the seccomp-guard-policy ConfigMap is not rollout/policy.yaml")
            else:
                print("ok: docs/examples/rollout builds with its policy in seccomp-guard-policy")
    elif os.environ.get("CI"):
        fail("kubectl not found")

    # Relative links in the operator docs lead somewhere.
    for doc in ("docs/quickstart.md", "docs/operations.md", "docs/examples/README.md"):
        with open(os.path.join(args.repo, doc)) as f:
            text = f.read()
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
            if not os.path.exists(os.path.join(args.repo, os.path.dirname(doc), target)):
                fail(f"{doc}: link to {target}, which does not exist")
    print("ok: relative links in the operator docs resolve")

    print(f"{'FAILED' if failures else 'passed'}: {len(failures)} problem(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
