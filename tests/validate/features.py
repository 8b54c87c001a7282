#!/usr/bin/python3
"""Capability names upper-cased as Go does, image exemptions and required
drops, each through `check` (mutation, then validation, on a manifest) and
through `review` (the AdmissionReview the API server sends, validation
alone, and /mutate's patch applied with python3-jsonpatch); and policy
files: every line prefix of every policy in the tree is refused or judges
every case of tests/validate/cases no more leniently than the whole file.

usage: features.py BINARY REPO
"""
import base64
import copy
import json
import os
import subprocess
import sys
import tempfile

import jsonpatch
import yaml

BINARY, REPO = sys.argv[1:3]
MESH = os.path.join(REPO, "docs", "examples", "service-mesh", "policy.yaml")
DIGEST = "sha256:" + "a1" * 32
failures = []
checks = [0]
WORK = tempfile.mkdtemp(prefix="sg-features-")


def policy_file(text):
    if text.endswith(".yaml") and os.path.exists(text):
        return text
    path = os.path.join(WORK, "policy-%d.yaml" % len(os.listdir(WORK)))
    with open(path, "w") as f:
        f.write(text)
    return path


def pod(*containers, init=(), ns="shop", pod_sc=None):
    spec = {"containers": [dict(c) for c in containers],
            "securityContext": pod_sc or {"seccompProfile": {"type": "RuntimeDefault"}}}
    if init:
        spec["initContainers"] = [dict(c) for c in init]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": ns},
            "spec": spec}


def ctr(name="app", image="nginx:1.27", add=None, drop=("ALL",), **sc):
    caps = {}
    if add is not None:
        caps["add"] = list(add)
    if drop is not None:
        caps["drop"] = list(drop)
    sc = dict(sc, allowPrivilegeEscalation=False, capabilities=caps)
    return {"name": name, "image": image, "securityContext": sc}


def check(policy, obj):
    path = os.path.join(WORK, "object.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(obj, f)
    proc = subprocess.run([BINARY, "check", "--policy", policy_file(policy), "--output", "json",
                           path], capture_output=True, text=True)
    result = json.loads(proc.stdout)[0]
    text = " ".join([result["injected"]] + [v["message"] for v in result["violations"]])
    return result["verdict"], text


def review(policy, obj, mutate=False):
    request = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": "u1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "namespace": obj["metadata"]["namespace"], "operation": "CREATE",
        "userInfo": {"username": "alice"}, "object": obj}}
    path = os.path.join(WORK, "review.json")
    with open(path, "w") as f:
        json.dump(request, f)
    args = [BINARY, "review", "--policy", policy_file(policy)] + (["--mutate"] if mutate else [])
    proc = subprocess.run(args + [path], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)
    return json.loads(proc.stdout)["response"]


def verdict_of(response):
    if not response["allowed"]:
        return "deny", response["status"]["message"]
    return ("warn" if response.get("warnings") else "allow"), " ".join(
        response.get("warnings", []))


def expect(what, policy, obj, want_check, want_review, needle=""):
    """`check` (mutated then judged) and `review` (judged as sent) agree
    with the expected verdicts; the needle is in whichever denies or
    warns, or in what check injected."""
    checks[0] += 1
    got_check, check_text = check(policy, obj)
    got_review, review_text = verdict_of(review(policy, obj))
    problems = []
    if got_check != want_check:
        problems.append(f"check says {got_check}, want {want_check}: {check_text}")
    if got_review != want_review:
        problems.append(f"review says {got_review}, want {want_review}: {review_text}")
    if needle and needle not in check_text + " " + review_text:
        problems.append(f"neither says {needle!r}: {check_text} | {review_text}")
    if problems:
        failures.append(what + ": " + "; ".join(problems))


def go_upper_case():
    """ſ (U+017F) and ı (U+0131) upper-case to S and I in Go."""
    expect("ſys_admin is SYS_ADMIN", "base: baseline\n",
           pod(ctr(add=["ſys_admin"], drop=None)), "deny", "deny",
           "grants SYS_ADMIN, which the policy does not allow")
    expect("net_admın meets the allow-list as NET_ADMIN",
           "rules: {capabilities-spelling: warn}\ncapabilities: {allowedAdd: [NET_ADMIN]}\n"
           "base: baseline\n", pod(ctr(add=["net_admın"], drop=None)), "warn", "warn",
           "grants NET_ADMIN but is not its canonical name")
    expect("a dotted capital İ is no I", "base: baseline\n",
           pod(ctr(add=["SYS_ADMİN"], drop=None)), "deny", "deny", "is not a Linux capability")


def image_exemptions():
    istio_init = dict(name="istio-init", image="docker.io/istio/proxyv2:1.22.0",
                      add=["NET_ADMIN", "NET_RAW"])
    sidecar = ctr("istio-proxy", "docker.io/istio/proxyv2:1.22.0")
    expect("the mesh example pod", MESH, pod(ctr(), sidecar, init=[ctr(**istio_init)]),
           "allow", "allow")
    expect("image normalised: istio/proxyv2", MESH,
           pod(ctr(), init=[ctr(**dict(istio_init, image="istio/proxyv2:1.22.0"))]),
           "allow", "allow")
    expect("image pinned by digest alone matches :*", MESH,
           pod(ctr(), init=[ctr(**dict(istio_init, image="docker.io/istio/proxyv2@" + DIGEST))]),
           "allow", "allow")
    expect("another container name", MESH,
           pod(ctr(), init=[ctr(**dict(istio_init, name="setup"))]), "deny", "deny",
           "grants NET_ADMIN, which the policy does not allow")
    expect("another image", MESH,
           pod(ctr(), init=[ctr(**dict(istio_init, image="docker.io/evil/proxyv2:1.22.0"))]),
           "deny", "deny", "[capabilities-add]")
    expect("another registry with the same path", MESH,
           pod(ctr(), init=[ctr(**dict(istio_init, image="evil.io/istio/proxyv2:1.22.0"))]),
           "deny", "deny", "[capabilities-add]")
    expect("more than the exemption allows", MESH,
           pod(ctr(), init=[ctr(**dict(istio_init, add=["NET_ADMIN", "SYS_ADMIN"]))]),
           "deny", "deny", "grants SYS_ADMIN")
    expect("the sidecar does not inherit the init container's exemption", MESH,
           pod(ctr("istio-proxy", "docker.io/istio/proxyv2:1.22.0", add=["NET_ADMIN"])),
           "deny", "deny", "grants NET_ADMIN")
    expect("never the pod: pod-level Unconfined", MESH,
           pod(ctr(), init=[ctr(**istio_init)], pod_sc={"seccompProfile": {"type": "Unconfined"}}),
           "deny", "deny", "[seccomp-unconfined]")
    pinned = ("imageExemptions:\n  - image: docker.io/library/busybox@" + DIGEST + "\n"
              "    rules: [capabilities-add]\n    namespaces: [\"tools-*\"]\nbase: default\n")
    busy = dict(name="b", add=["SYS_TIME"])
    expect("digest pin, in a matching namespace", pinned,
           pod(ctr(**dict(busy, image="busybox@" + DIGEST)), ns="tools-a"), "allow", "allow")
    expect("digest pin with a tag too", pinned,
           pod(ctr(**dict(busy, image="busybox:1.36@" + DIGEST)), ns="tools-a"), "allow", "allow")
    expect("digest pin, by tag only", pinned,
           pod(ctr(**dict(busy, image="busybox:1.36")), ns="tools-a"), "deny", "deny",
           "grants SYS_TIME")
    expect("digest pin, another namespace", pinned,
           pod(ctr(**dict(busy, image="busybox@" + DIGEST)), ns="shop"), "deny", "deny",
           "grants SYS_TIME")
    # Patterns that do not name registry and repository are refused.
    for pattern, want in [("istio/proxyv2:*", "write 'docker.io/istio/proxyv2:*'"),
                          ("docker.io/busybox:*", "write 'docker.io/library/busybox:*'"),
                          ("index.docker.io/istio/proxyv2:*", "write 'docker.io/istio/proxyv2:*'"),
                          ("docker.io/istio/*:*", "has a wildcard in the registry or repository"),
                          ("docker.io/istio/proxyv2", "names no tag and no digest"),
                          ("docker.io/istio/proxyv2@sha256:abc", "has a digest that is not"),
                          ("docker.io/Istio/proxyv2:*", "is not an image name the runtime")]:
        checks[0] += 1
        text = f"imageExemptions:\n  - image: \"{pattern}\"\n    rules: [privileged]\nbase: default\n"
        proc = subprocess.run([BINARY, "policy", policy_file(text)], capture_output=True,
                              text=True)
        if proc.returncode != 2 or want not in proc.stderr or ":2:" not in proc.stderr:
            failures.append(f"pattern {pattern}: exit {proc.returncode}, {proc.stderr.strip()}")


def required_drops():
    policy = "capabilities: {requiredDrop: [NET_RAW]}\nbase: baseline\n"
    expect("no drop list: injected by /mutate, denied as sent", policy,
           pod(ctr(drop=None)), "allow", "deny", "keeps NET_RAW, which the policy requires")
    expect("another drop list: NET_RAW appended", policy, pod(ctr(drop=["SYS_ADMIN"])),
           "allow", "deny", "capabilities.drop+=[NET_RAW] on 1 container")
    expect("drop: [ALL]", policy, pod(ctr(drop=["ALL"])), "allow", "allow")
    expect("drop: [all] (spelling warned)", policy, pod(ctr(drop=["all"])), "warn", "warn")
    expect("drop: [cap_net_raw]", policy, pod(ctr(drop=["cap_net_raw"])), "warn", "warn")
    expect("drop: [ALL] but add: [NET_RAW]", policy,
           pod(ctr(drop=["ALL"], add=["NET_RAW"])), "deny", "deny", "adds NET_RAW")
    expect("privileged", policy, pod(ctr(drop=["ALL"], privileged=True)), "deny", "deny",
           "privileged: true grants")
    # The patch /mutate sends applies and leaves the user's list in front.
    obj = pod(ctr(drop=["SYS_ADMIN"]), ctr("two", drop=None))
    response = review(policy, obj, mutate=True)
    patched = jsonpatch.apply_patch(obj, json.loads(base64.b64decode(response["patch"])))
    drops = [c["securityContext"]["capabilities"]["drop"] for c in patched["spec"]["containers"]]
    if drops != [["SYS_ADMIN", "NET_RAW"], ["NET_RAW"]]:
        failures.append(f"required drop patch gave {drops}")
    if not verdict_of(review(policy, patched))[0] == "allow":
        failures.append("the patched pod is not allowed")


def policies_in_tree():
    found = []
    for top in ("manifests", "docs", os.path.join("tests", "fixtures"),
                os.path.join("tests", "validate", "cases")):
        for folder, _, files in os.walk(os.path.join(REPO, top)):
            for name in files:
                path = os.path.join(folder, name)
                if name.endswith(".yaml") and "\nbase:" in open(path).read():
                    found.append(path)
    return found


RANK = {"allow": 0, "skipped": 0, "warn": 1, "deny": 2, "error": 3}


def verdicts(policy, cases):
    proc = subprocess.run([BINARY, "check", "--policy", policy, "--output", "json", cases],
                          capture_output=True, text=True)
    if proc.returncode == 2 and not proc.stdout.startswith("["):
        return None  # the policy is refused
    return [(r["file"], r["document"], r.get("item"), r["verdict"])
            for r in json.loads(proc.stdout)]


def no_prefix_weakens():
    """Each shipped and test policy cut after every line: refused, or no
    object of the cases judged more leniently than by the whole file."""
    cases = os.path.join(REPO, "tests", "validate", "cases")
    policies = policies_in_tree()
    if len(policies) < 6:
        failures.append(f"only {len(policies)} policies found")
    cuts = 0
    for path in policies:
        lines = open(path).read().splitlines(keepends=True)
        whole = verdicts(path, cases)
        if whole is None:
            failures.append(f"{path} is refused whole")
            continue
        for n in range(len(lines)):
            cut = os.path.join(WORK, "cut.yaml")
            with open(cut, "w") as f:
                f.write("".join(lines[:n]))
            got = verdicts(cut, cases)
            cuts += 1
            checks[0] += 1
            if got is None:
                continue
            weaker = [(a, b) for a, b in zip(whole, got) if RANK[b[3]] < RANK[a[3]]]
            if weaker or len(got) != len(whole):
                failures.append(f"{path} cut after line {n} judges more leniently: {weaker}")
    print(f"{len(policies)} policies cut after each of their lines: {cuts} prefixes, each "
          f"refused or no more lenient over {len(whole)} objects")


def main():
    go_upper_case()
    image_exemptions()
    required_drops()
    no_prefix_weakens()
    for f in failures:
        print("FAIL", f)
    print(f"{checks[0] - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
