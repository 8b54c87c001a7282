#!/usr/bin/python3
"""Applies every JSON Patch seccomp-guard produces with an independent RFC
6902 implementation (Debian's python3-jsonpatch) and checks what a user
relies on:

  * every patch applies to the object it was made for;
  * no patch changes or removes anything the user set (the patched object
    contains the original);
  * mutating the patched object again gives no patch (idempotent, as the
    API server's reinvocation needs);
  * a pod whose only problem under `restricted` was a missing profile is
    allowed after mutation, and mutation never leaves a container without
    a profile unless the user's own legacy annotation says otherwise;
  * `check --mutate` prints the same object the patch makes;
  * under a policy with capabilities.requiredDrop, every container that
    neither adds a required capability nor is privileged drops each one
    (or ALL) after mutation: appended to a drop list it has, in one it
    gets otherwise.

Objects: every PSA fixture (when the corpus is there), and generated pods
in every template kind, with and without securityContext, with one and many
containers in each list, and with keys that need JSON Pointer escaping.

usage: mutation.py BINARY POLICY_DIR CONFORMANCE_DIR WORKDIR
"""
import base64
import copy
import itertools
import json
import os
import subprocess
import sys

import jsonpatch
import yaml

BINARY, POLICY_DIR, CORPUS, WORK = sys.argv[1:5]
MUTATE_POLICY = os.path.join(WORK, "mutate.yaml")
RESTRICTED = os.path.join(POLICY_DIR, "restricted.yaml")

KINDS = {  # kind: (group, apiVersion, wrap(pod template) -> object)
    "Pod": ("", "v1", lambda t: {"metadata": t.get("metadata", {}), "spec": t["spec"]}),
    "PodTemplate": ("", "v1", lambda t: {"template": t}),
    "ReplicationController": ("", "v1", lambda t: {"spec": {"template": t}}),
    "Deployment": ("apps", "apps/v1", lambda t: {"spec": {"template": t}}),
    "ReplicaSet": ("apps", "apps/v1", lambda t: {"spec": {"template": t}}),
    "StatefulSet": ("apps", "apps/v1", lambda t: {"spec": {"template": t}}),
    "DaemonSet": ("apps", "apps/v1", lambda t: {"spec": {"template": t}}),
    "Job": ("batch", "batch/v1", lambda t: {"spec": {"template": t}}),
    "CronJob": ("batch", "batch/v1",
                lambda t: {"spec": {"jobTemplate": {"spec": {"template": t}}}}),
}

failures = []
counts = {"objects": 0, "patches": 0, "ops": 0}


def fail(what, obj):
    failures.append(f"{what}: {json.dumps(obj)[:400]}")


def run(args, stdin):
    return subprocess.run([BINARY] + args, input=stdin, capture_output=True, text=True)


def admission_review(kind, obj, op, old=None):
    group, _, _ = KINDS[kind]
    return {
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": "test", "kind": {"group": group, "version": "v1", "kind": kind},
            "resource": {"group": group, "version": "v1", "resource": kind.lower() + "s"},
            "namespace": "prod", "operation": op, "object": obj, "oldObject": old,
            "userInfo": {"username": "tester", "groups": ["system:authenticated"]},
        },
    }


def reviews(items, mutate=True, policy=MUTATE_POLICY):
    """Answers many (kind, object, op) in few processes: `review` takes many
    files and prints one response per line, in order."""
    responses = []
    chunk = 400
    for start in range(0, len(items), chunk):
        paths = []
        for i, (kind, obj, op) in enumerate(items[start:start + chunk]):
            path = os.path.join(WORK, f"review-{i}.json")
            with open(path, "w") as f:
                json.dump(admission_review(kind, obj, op), f)
            paths.append(path)
        args = ["review", "--policy", policy] + (["--mutate"] if mutate else []) + paths
        proc = run(args, "")
        lines = proc.stdout.splitlines()
        if proc.returncode != 0 or len(lines) != len(paths):
            raise RuntimeError(f"review failed ({proc.returncode}): {proc.stderr}")
        responses += [json.loads(line)["response"] for line in lines]
    return responses


def review(kind, obj, op="CREATE", mutate=True, policy=MUTATE_POLICY):
    return reviews([(kind, obj, op)], mutate, policy)[0]


def patch_of(response):
    if "patch" not in response:
        return None
    if response.get("patchType") != "JSONPatch":
        raise RuntimeError(f"bad patchType: {response}")
    return json.loads(base64.b64decode(response["patch"]))


def contains(original, patched, key=None):
    """True when `patched` holds every value `original` holds. A null in the
    original is no value: Kubernetes reads it as an absent field. A list
    keeps its length, but for capabilities.drop, to which a required drop
    is appended: there the user's entries stay, in order, in front."""
    if original is None:
        return True
    if isinstance(original, dict):
        return isinstance(patched, dict) and all(
            k in patched and contains(v, patched[k], k) for k, v in original.items())
    if isinstance(original, list):
        grows = key == "drop" and isinstance(patched, list) and len(patched) > len(original)
        return isinstance(patched, list) and (len(original) == len(patched) or grows) and all(
            contains(a, b) for a, b in zip(original, patched))
    return original == patched and type(original) is type(patched)


def rules(response):
    text = response.get("auditAnnotations", {}).get("violations", "")
    return {part.split()[1] for part in text.split("; ") if part}


def pod_spec(kind, obj):
    if kind == "Pod":
        return obj["spec"], obj.get("metadata", {})
    if kind == "PodTemplate":
        return obj["template"]["spec"], obj["template"].get("metadata", {})
    if kind == "CronJob":
        t = obj["spec"]["jobTemplate"]["spec"]["template"]
    else:
        t = obj["spec"]["template"]
    return t["spec"], t.get("metadata", {})


def check_objects(items):
    """items: (kind, object, op). Returns the patched objects (None where
    /mutate refused the object or a check failed)."""
    counts["objects"] += len(items)
    before = [copy.deepcopy(obj) for _, obj, _ in items]
    results = [None] * len(items)
    patched_items = []
    for i, ((kind, obj, op), response) in enumerate(zip(items, reviews(items))):
        if not response["allowed"]:
            # Only objects that cannot be read are refused by /mutate.
            if "unreadable" not in response["status"]["message"]:
                fail(f"{kind} {op}: /mutate refused a readable object", obj)
            continue
        patch = patch_of(response)
        if patch is None:
            results[i] = obj
            patched_items.append((i, kind, obj, op))
            continue
        counts["patches"] += 1
        counts["ops"] += len(patch)
        try:
            patched = jsonpatch.apply_patch(obj, patch)
        except jsonpatch.JsonPatchException as e:
            fail(f"{kind} {op}: patch does not apply ({e}): {patch}", obj)
            continue
        if obj != before[i]:
            fail(f"{kind} {op}: the original was modified", obj)
        if not contains(obj, patched):
            fail(f"{kind} {op}: the patch changed a field the user set: {patch}", obj)
        if any(p["op"] != "add" for p in patch):
            fail(f"{kind} {op}: a patch operation other than add: {patch}", obj)
        spec, _ = pod_spec(kind, patched)
        if spec.get("os", {}).get("name") == "windows":
            fail(f"{kind} {op}: a Windows pod was patched: {patch}", obj)
        results[i] = patched
        patched_items.append((i, kind, patched, op))
    again = reviews([(k, o, op) for _, k, o, op in patched_items])
    validated = reviews([(k, o, op) for _, k, o, op in patched_items], mutate=False,
                        policy=RESTRICTED)
    for (i, kind, patched, op), a, v in zip(patched_items, again, validated):
        if patch_of(a) is not None:
            fail(f"{kind} {op}: mutating the mutated object patched again: {patch_of(a)}",
                 patched)
        _, meta = pod_spec(kind, patched)
        pod_annotation = (meta.get("annotations") or {}).get(
            "seccomp.security.alpha.kubernetes.io/pod")
        if "seccomp-unset" in rules(v) and pod_annotation in (None, "runtime/default",
                                                               "docker/default"):
            fail(f"{kind} {op}: a container still runs with no profile after mutation",
                 patched)
    return results


def fixture_pods():
    index = os.path.join(CORPUS, "index.tsv")
    if not os.path.exists(index):
        print(f"note: no PSA fixtures at {CORPUS}; generated objects only")
        return []
    pods = []
    with open(index) as f:
        next(f)
        for line in f:
            path = line.split("\t")[0]
            with open(os.path.join(CORPUS, path)) as y:
                pods.append((path, yaml.safe_load(y)))
    return pods


def generated_templates():
    """Pod templates covering the shapes a patch must handle."""
    sc_variants = [
        None,                                            # no securityContext at all
        {},                                              # empty
        {"runAsNonRoot": True},                          # other fields only
        {"capabilities": None},                          # explicit null
        {"capabilities": {}},                            # capabilities without drop
        {"capabilities": {"add": ["NET_BIND_SERVICE"]}},
        {"capabilities": {"drop": []}},                  # an explicit empty drop: a choice
        {"capabilities": {"drop": ["ALL"]}},
        {"capabilities": {"drop": ["sys_admin"], "add": ["ſys_time"]}},
        {"capabilities": {"drop": ["CHOWN"], "add": ["net_raw"]}},
        {"seccompProfile": {"type": "RuntimeDefault"}},
        {"seccompProfile": {"type": "Localhost", "localhostProfile": "profiles/a.json"}},
        {"privileged": True},
    ]
    pod_sc_variants = [None, {}, {"runAsNonRoot": True}, {"seccompProfile": None},
                       {"seccompProfile": {"type": "RuntimeDefault"}}]
    templates = []
    for pod_sc, n_init, n_main in itertools.product(pod_sc_variants, (0, 1, 3), (1, 4)):
        for offset in range(0, len(sc_variants), 3):
            def container(prefix, i):
                c = {"name": f"{prefix}-{i}", "image": "registry.k8s.io/pause"}
                sc = sc_variants[(offset + i) % len(sc_variants)]
                if sc is not None:
                    c["securityContext"] = copy.deepcopy(sc)
                return c
            spec = {"containers": [container("main", i) for i in range(n_main)]}
            if n_init:
                spec["initContainers"] = [container("init", i) for i in range(n_init)]
            if pod_sc is not None:
                spec["securityContext"] = copy.deepcopy(pod_sc)
            templates.append({
                # Keys that need escaping in a JSON Pointer sit beside the
                # paths a patch touches: they must come through untouched.
                "metadata": {"labels": {"a/b": "x", "c~d": "y", "app": "t"},
                             "annotations": {"example.com/x~y": "z"}},
                "spec": spec,
            })
    templates.append({"spec": {"os": {"name": "windows"}, "containers": [{"name": "w"}]}})
    templates.append({"metadata": {"annotations": {
        "seccomp.security.alpha.kubernetes.io/pod": "runtime/default"}},
        "spec": {"containers": [{"name": "a"}]}})
    templates.append({"metadata": {"annotations": {
        "seccomp.security.alpha.kubernetes.io/pod": "localhost/profiles/x.json"}},
        "spec": {"containers": [{"name": "a"}]}})
    return templates


def check_cli_agrees(kind, obj, patched):
    """`check --mutate` prints what the patch makes."""
    group, api_version, _ = KINDS[kind]
    full = dict(obj, apiVersion=api_version, kind=kind)
    path = os.path.join(WORK, "object.json")
    with open(path, "w") as f:
        json.dump(full, f)
    proc = run(["check", "--policy", MUTATE_POLICY, "--namespace", "prod", "--mutate", path], "")
    if proc.returncode not in (0, 1):
        fail(f"check --mutate failed: {proc.stderr}", obj)
        return
    printed = yaml.safe_load(proc.stdout)
    want = dict(patched, apiVersion=api_version, kind=kind)
    if printed != want:
        fail(f"{kind}: check --mutate printed {printed}, the patch made {want}", obj)


def only_problem_was_missing_profile():
    """restricted denies these for seccomp-unset alone; after mutation they pass."""
    sc = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
    template = {"spec": {"initContainers": [{"name": "i", "securityContext": dict(sc)}],
                         "containers": [{"name": "a", "securityContext": dict(sc)},
                                        {"name": "b", "securityContext": dict(sc)}]}}
    items = [(kind, wrap(copy.deepcopy(template)), "CREATE")
             for kind, (_, _, wrap) in KINDS.items()]
    for (kind, obj, _), before in zip(items, reviews(items, mutate=False, policy=RESTRICTED)):
        if before["allowed"] or rules(before) != {"seccomp-unset"}:
            fail(f"{kind}: expected a denial for seccomp-unset alone, got {before}", obj)
    patched = check_objects(items)
    after = reviews([(k, p, op) for (k, _, op), p in zip(items, patched)], mutate=False,
                    policy=RESTRICTED)
    for (kind, obj, _), a in zip(items, after):
        if not a["allowed"]:
            fail(f"{kind}: still denied after mutation: {a['status']['message']}", obj)


REQUIRED = {"NET_RAW", "SYS_ADMIN"}


def resolved(names):
    """Capability names as runtimes read them (case folded as Go's
    strings.ToUpper folds these ASCII and long-s spellings, CAP_ dropped)."""
    out = set()
    for n in names or []:
        n = n.upper() if isinstance(n, str) else ""
        out.add(n[4:] if n.startswith("CAP_") and n != "CAP_ALL" else n)
    return out


def required_drops_are_injected(items):
    with open(MUTATE_POLICY, "w") as f:
        f.write("capabilities: {defaultDrop: [], requiredDrop: [NET_RAW, SYS_ADMIN]}\n"
                "base: default\n")
    for (kind, obj, op), patched in zip(items, check_objects(items)):
        if patched is None or (kind == "Pod" and op != "CREATE"):
            continue
        spec, _ = pod_spec(kind, patched)
        if spec.get("os", {}).get("name") == "windows":
            continue
        for c in spec.get("initContainers", []) + spec.get("containers", []):
            sc = c.get("securityContext") or {}
            caps = sc.get("capabilities") or {}
            if sc.get("privileged") is True or not isinstance(caps, dict):
                continue
            added, dropped = resolved(caps.get("add")), resolved(caps.get("drop"))
            if "ALL" in added or "ALL" in dropped:
                continue
            missing = REQUIRED - added - dropped
            if missing:
                fail(f"{kind} {op}: container {c.get('name')} still keeps {sorted(missing)}",
                     patched)


def main():
    os.makedirs(WORK, exist_ok=True)
    with open(MUTATE_POLICY, "w") as f:
        f.write("seccomp: {defaultProfile: {type: RuntimeDefault}}\n"
                "capabilities: {defaultDrop: [ALL]}\n"
                "base: default\n")
    check_objects([("Pod", pod, "CREATE") for _, pod in fixture_pods()])
    templates = generated_templates()
    items = []
    for kind, (_, _, wrap) in KINDS.items():
        for template in templates:
            items.append((kind, wrap(copy.deepcopy(template)), "CREATE"))
            if kind != "Pod":
                items.append((kind, wrap(copy.deepcopy(template)), "UPDATE"))
    patched = check_objects(items)
    for i, ((kind, obj, op), p) in enumerate(zip(items, patched)):
        if p is not None and op == "CREATE" and i % 11 == 0:
            check_cli_agrees(kind, obj, p)
    only_problem_was_missing_profile()
    required_drops_are_injected(items)
    for line in failures[:40]:
        print("FAIL", line)
    print(f"{counts['objects']} objects, {counts['patches']} patches ({counts['ops']} "
          f"operations) applied with python3-jsonpatch {jsonpatch.__version__}; "
          f"{len(failures)} failures")
    if counts["patches"] == 0:
        print("FAIL: no patch was produced at all")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
