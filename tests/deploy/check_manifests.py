#!/usr/bin/python3
"""Builds manifests/ and each overlay with `kubectl kustomize` and checks
what the deployment promises: the webhooks fail closed and cannot lock the
cluster out, they see every pod and pod template, the server runs with
least privilege and enough replicas, the policy ConfigMap is
manifests/policies/default.yaml byte for byte, the profiles ConfigMap is
manifests/profiles/*.json byte for byte and mounted where the policy looks,
the NetworkPolicy (components/network-policy, built into manifests/,
optional in the overlays) lets only listed addresses reach the pods' port
and nothing out, and the node-profiles overlay installs the same profiles
on every node with the least privilege that can write the kubelet's folder.

    check_manifests.py --repo DIR --kubectl PATH --binary PATH
    check_manifests.py --self-test ...   breaks each property in turn and
                                         checks that the checks notice

Exit 0 when every check passes, 1 when one fails, 77 (ctest: skipped) when
kubectl is missing outside CI.
"""

import argparse
import base64
import collections
import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

SKIP = 77

NS = "seccomp-guard"
NAME = "seccomp-guard"
TLS_SECRET = "seccomp-guard-tls"
POLICY_CM = "seccomp-guard-policy"
TLS_DIR = "/etc/seccomp-guard/tls"
POLICY_DIR = "/etc/seccomp-guard/policy"
PROFILES_CM = "seccomp-guard-profiles"
PROFILES_DIR = "/etc/seccomp-guard/profiles"  # where the policy's profiles.folder (../profiles) points
NODE_FOLDER = "profiles"                      # the policy's profiles.nodeFolder when it names none
NODE_NS = "seccomp-guard-nodes"
NODE_DS = "seccomp-guard-node-profiles"
KUBELET_SECCOMP = "/var/lib/kubelet/seccomp"
WEBHOOK_TIMEOUT_MAX = 10  # "a few seconds"; the API server allows 30
SERVICE_NAMES = [NAME, f"{NAME}.{NS}", f"{NAME}.{NS}.svc", f"{NAME}.{NS}.svc.cluster.local"]

# Every resource a webhook must see: (group, resource, operations).
REQUIRED_RULES = [
    ("", "pods", ("CREATE", "UPDATE")),
    ("", "pods/ephemeralcontainers", ("UPDATE",)),
    ("", "replicationcontrollers", ("CREATE", "UPDATE")),
    ("", "podtemplates", ("CREATE", "UPDATE")),
    ("apps", "deployments", ("CREATE", "UPDATE")),
    ("apps", "replicasets", ("CREATE", "UPDATE")),
    ("apps", "statefulsets", ("CREATE", "UPDATE")),
    ("apps", "daemonsets", ("CREATE", "UPDATE")),
    ("batch", "jobs", ("CREATE", "UPDATE")),
    ("batch", "cronjobs", ("CREATE", "UPDATE")),
]

# Namespaces that must never be sent to the webhook, so the control plane
# and the webhook itself can always start.
EXCLUDED_NAMESPACES = {"kube-system", NS}

# The cluster-scoped kinds in the output; everything else is namespaced.
CLUSTER_SCOPED = {
    "Namespace",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
}


class Checker:
    """Collects failures instead of stopping at the first, so one run shows
    everything that is wrong."""

    def __init__(self, label):
        self.label = label
        self.failures = []

    def expect(self, cond, what):
        if not cond:
            self.failures.append(f"{self.label}: {what}")
        return cond


def find(objs, kind, name):
    hits = [o for o in objs if o.get("kind") == kind and o.get("metadata", {}).get("name") == name]
    return hits[0] if len(hits) == 1 else None


def dig(obj, *path, default=None):
    for key in path:
        if isinstance(obj, dict) and key in obj:
            obj = obj[key]
        elif isinstance(obj, list) and isinstance(key, int) and -len(obj) <= key < len(obj):
            obj = obj[key]
        else:
            return default
    return obj


def selects(selector, labels):
    """True when a matchLabels-only selector matches labels (the only form
    the manifests use; any other form counts as no match)."""
    if not selector or set(selector) - {"matchLabels"}:
        return False
    want = selector.get("matchLabels") or {}
    return bool(want) and all(labels.get(k) == v for k, v in want.items())


def rule_covers(rule, group, resource, op):
    def has(field, value):
        values = rule.get(field) or []
        return value in values or "*" in values

    res = rule.get("resources") or []
    if "/" in resource:
        parent = resource.split("/")[0]
        res_ok = resource in res or f"{parent}/*" in res or "*/*" in res
    else:
        res_ok = resource in res or "*" in res
    return (
        has("apiGroups", group)
        and has("apiVersions", "v1")
        and has("operations", op)
        and res_ok
        and rule.get("scope", "*") in ("*", "Namespaced")
    )


def check_webhook_config(c, objs, kind, hook_name, path):
    cfg = find(objs, kind, NAME)
    if not c.expect(cfg is not None, f"one {kind} named {NAME}"):
        return None
    hooks = cfg.get("webhooks") or []
    if not c.expect(len(hooks) == 1, f"{kind} has exactly one webhook, has {len(hooks)}"):
        return None
    h = hooks[0]
    where = f"{kind}/{hook_name}"
    c.expect(h.get("name") == hook_name, f"{kind} webhook is named {hook_name}, not {h.get('name')}")
    c.expect(h.get("admissionReviewVersions") == ["v1"],
             f"{where}: admissionReviewVersions is [v1], not {h.get('admissionReviewVersions')}")
    c.expect(h.get("sideEffects") == "None", f"{where}: sideEffects is None, not {h.get('sideEffects')}")
    c.expect(h.get("failurePolicy") == "Fail",
             f"{where}: failurePolicy is Fail (fail closed), not {h.get('failurePolicy')}")
    t = h.get("timeoutSeconds")
    c.expect(isinstance(t, int) and 1 <= t <= WEBHOOK_TIMEOUT_MAX,
             f"{where}: timeoutSeconds is set and at most {WEBHOOK_TIMEOUT_MAX}, not {t}")
    c.expect(h.get("matchPolicy", "Equivalent") == "Equivalent",
             f"{where}: matchPolicy is Equivalent (older API versions are sent too)")
    svc = dig(h, "clientConfig", "service") or {}
    c.expect(svc.get("name") == NAME and svc.get("namespace") == NS,
             f"{where}: clientConfig.service is {NS}/{NAME}, not {svc.get('namespace')}/{svc.get('name')}")
    c.expect(svc.get("path") == path, f"{where}: clientConfig.service.path is {path}, not {svc.get('path')}")
    c.expect(svc.get("port", 443) == 443, f"{where}: clientConfig.service.port is 443")
    c.expect(dig(h, "clientConfig", "url") is None, f"{where}: clientConfig uses the Service, not a url")

    # The exclusion must use the label the API server sets and nobody can
    # change; any extra term would let a namespace opt out by relabelling.
    sel = h.get("namespaceSelector") or {}
    exprs = sel.get("matchExpressions") or []
    c.expect(not sel.get("matchLabels"), f"{where}: namespaceSelector has no matchLabels (namespaces could opt out)")
    c.expect(len(exprs) == 1, f"{where}: namespaceSelector has exactly one expression, has {len(exprs)}")
    if exprs:
        e = exprs[0]
        c.expect(e.get("key") == "kubernetes.io/metadata.name",
                 f"{where}: namespaceSelector keys on kubernetes.io/metadata.name, not {e.get('key')}")
        c.expect(e.get("operator") == "NotIn", f"{where}: namespaceSelector operator is NotIn, not {e.get('operator')}")
        c.expect(set(e.get("values") or []) == EXCLUDED_NAMESPACES,
                 f"{where}: namespaceSelector leaves out exactly {sorted(EXCLUDED_NAMESPACES)}, "
                 f"not {e.get('values')}")
    c.expect(not h.get("objectSelector"), f"{where}: no objectSelector (a workload could opt out by a label)")
    c.expect(not h.get("matchConditions"), f"{where}: no matchConditions (they would narrow what is judged)")

    rules = h.get("rules") or []
    for group, resource, ops in REQUIRED_RULES:
        for op in ops:
            c.expect(any(rule_covers(r, group, resource, op) for r in rules),
                     f"{where}: rules cover {op} on {group or 'core'}/{resource}")
    return cfg


def check_webhooks(c, objs):
    v = check_webhook_config(c, objs, "ValidatingWebhookConfiguration", "validate.seccomp-guard.io", "/validate")
    m = check_webhook_config(c, objs, "MutatingWebhookConfiguration", "mutate.seccomp-guard.io", "/mutate")
    if m is not None:
        c.expect(dig(m, "webhooks", 0, "reinvocationPolicy") == "IfNeeded",
                 "MutatingWebhookConfiguration: reinvocationPolicy is IfNeeded")
    if v is not None and m is not None:
        for field in ("rules", "namespaceSelector", "failurePolicy", "timeoutSeconds"):
            c.expect(dig(v, "webhooks", 0, field) == dig(m, "webhooks", 0, field),
                     f"the validating and mutating webhooks have the same {field}")
    return v, m


def check_container(c, ctr, where):
    sc = ctr.get("securityContext") or {}
    c.expect(sc.get("allowPrivilegeEscalation") is False, f"{where}: allowPrivilegeEscalation is false")
    c.expect(sc.get("readOnlyRootFilesystem") is True, f"{where}: readOnlyRootFilesystem is true")
    c.expect(not sc.get("privileged"), f"{where}: not privileged")
    c.expect("ALL" in (dig(sc, "capabilities", "drop") or []), f"{where}: capabilities.drop holds ALL")
    c.expect(not dig(sc, "capabilities", "add"), f"{where}: adds no capability")
    c.expect(dig(sc, "seccompProfile", "type", default="RuntimeDefault") == "RuntimeDefault",
             f"{where}: seccompProfile is RuntimeDefault")
    c.expect(sc.get("runAsUser", 1) != 0 and sc.get("runAsNonRoot", True) is True,
             f"{where}: does not run as root")


def check_deployment(c, objs, project_version):
    d = find(objs, "Deployment", NAME)
    if not c.expect(d is not None, f"one Deployment named {NAME}"):
        return
    c.expect(d["metadata"].get("namespace") == NS, f"Deployment is in namespace {NS}")
    spec = d.get("spec") or {}
    replicas = spec.get("replicas", 1)
    c.expect(isinstance(replicas, int) and replicas >= 2, f"Deployment has 2 or more replicas, not {replicas}")
    c.expect(dig(spec, "strategy", "rollingUpdate", "maxUnavailable") == 0,
             "Deployment rolls out without taking a replica down first (maxUnavailable 0)")
    tmpl = spec.get("template") or {}
    labels = dig(tmpl, "metadata", "labels") or {}
    c.expect(selects(spec.get("selector"), labels), "Deployment selector matches its pod labels")
    pod = tmpl.get("spec") or {}

    tsc = pod.get("topologySpreadConstraints") or []
    c.expect(any(t.get("topologyKey") == "kubernetes.io/hostname" and selects(t.get("labelSelector"), labels)
                 for t in tsc), "pods spread over nodes (topologySpreadConstraints on kubernetes.io/hostname)")

    psc = pod.get("securityContext") or {}
    c.expect(psc.get("runAsNonRoot") is True, "pod securityContext.runAsNonRoot is true")
    uid = psc.get("runAsUser")
    c.expect(isinstance(uid, int) and uid > 0, f"pod runs as a numeric non-root user, not {uid}")
    c.expect(dig(psc, "seccompProfile", "type") == "RuntimeDefault", "pod seccompProfile is RuntimeDefault")
    c.expect(pod.get("automountServiceAccountToken") is False, "pod does not mount a service account token")
    c.expect(pod.get("serviceAccountName") == NAME, f"pod runs as ServiceAccount {NAME}")
    c.expect(not pod.get("hostNetwork") and not pod.get("hostPID") and not pod.get("hostIPC"),
             "pod shares no host namespace")
    pc = pod.get("priorityClassName")
    c.expect(bool(pc), "pod has a priorityClassName")
    if pc and not pc.startswith("system-"):
        c.expect(find(objs, "PriorityClass", pc) is not None, f"PriorityClass {pc} is part of the manifests")

    ctrs = pod.get("containers") or []
    if not c.expect(len(ctrs) == 1, f"pod has one container, has {len(ctrs)}"):
        return
    for i, ctr in enumerate(pod.get("initContainers") or []):
        check_container(c, ctr, f"initContainers[{i}]")
    ctr = ctrs[0]
    check_container(c, ctr, "container")

    image = ctr.get("image", "")
    c.expect(image.endswith(":" + project_version),
             f"image tag is the project version {project_version} (CMakeLists.txt), not {image}")
    args = ctr.get("args") or []
    for flag, value in (("--policy", f"{POLICY_DIR}/policy.yaml"), ("--tls-cert", f"{TLS_DIR}/tls.crt"),
                        ("--tls-key", f"{TLS_DIR}/tls.key")):
        c.expect(flag in args and args.index(flag) + 1 < len(args) and args[args.index(flag) + 1] == value,
                 f"container runs with {flag} {value}")
    ports = ctr.get("ports") or []
    c.expect(any(p.get("containerPort") == 8443 and p.get("name") == "https" for p in ports),
             "container port 8443 is named https")

    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = dig(ctr, probe, "httpGet") or {}
        c.expect(get.get("path") == path, f"{probe} asks {path}, not {get.get('path')}")
        c.expect(get.get("scheme") == "HTTPS", f"{probe} uses HTTPS, not {get.get('scheme')}")
        c.expect(get.get("port") in ("https", 8443), f"{probe} asks the https port, not {get.get('port')}")

    res = ctr.get("resources") or {}
    c.expect(bool(dig(res, "requests", "cpu")) and bool(dig(res, "requests", "memory")),
             "container requests cpu and memory")
    c.expect(bool(dig(res, "limits", "memory")), "container has a memory limit")
    check_memory(c, args, dig(res, "limits", "memory"))

    volumes = {v.get("name"): v for v in pod.get("volumes") or []}
    mounts = {m.get("mountPath"): m for m in ctr.get("volumeMounts") or []}
    tls = mounts.get(TLS_DIR) or {}
    pol = mounts.get(POLICY_DIR) or {}
    c.expect(tls.get("readOnly") is True, f"{TLS_DIR} is mounted read-only")
    c.expect(dig(volumes, tls.get("name"), "secret", "secretName") == TLS_SECRET,
             f"{TLS_DIR} is the Secret {TLS_SECRET}")
    c.expect(pol.get("readOnly") is True, f"{POLICY_DIR} is mounted read-only")
    c.expect(dig(volumes, pol.get("name"), "configMap", "name") == POLICY_CM,
             f"{POLICY_DIR} is the ConfigMap {POLICY_CM}")
    for m in (tls, pol):
        c.expect("subPath" not in m and "subPathExpr" not in m,
                 f"{m.get('mountPath')} is a whole directory (a subPath mount never sees updates)")

    sa = find(objs, "ServiceAccount", NAME)
    c.expect(sa is not None and sa.get("automountServiceAccountToken") is False,
             f"ServiceAccount {NAME} exists and does not automount a token")

    svc = find(objs, "Service", NAME)
    if c.expect(svc is not None, f"one Service named {NAME}"):
        c.expect(dig(svc, "spec", "selector") and
                 all(labels.get(k) == v for k, v in dig(svc, "spec", "selector").items()),
                 "Service selects the webhook pods")
        sp = dig(svc, "spec", "ports") or []
        c.expect(any(p.get("port") == 443 and p.get("targetPort") in ("https", 8443) for p in sp),
                 "Service port 443 goes to the pods' https port")

    pdb = find(objs, "PodDisruptionBudget", NAME)
    if c.expect(pdb is not None, f"one PodDisruptionBudget named {NAME}"):
        c.expect(dig(pdb, "spec", "minAvailable") == 1, "PodDisruptionBudget keeps minAvailable 1")
        c.expect(selects(dig(pdb, "spec", "selector"), labels), "PodDisruptionBudget selects the webhook pods")
        c.expect(dig(pdb, "metadata", "namespace") == NS, f"PodDisruptionBudget is in namespace {NS}")


def check_network_policy(c, objs, required):
    nps = [o for o in objs if o.get("kind") == "NetworkPolicy"]
    if not nps and not required:
        return
    np = find(objs, "NetworkPolicy", NAME)
    if not c.expect(np is not None and len(nps) == 1, f"one NetworkPolicy named {NAME}"):
        return
    spec = np.get("spec") or {}
    d = find(objs, "Deployment", NAME)
    labels = dig(d, "spec", "template", "metadata", "labels") or {}
    c.expect(selects(spec.get("podSelector"), labels), "NetworkPolicy selects the webhook pods")
    c.expect({"Ingress", "Egress"} <= set(spec.get("policyTypes") or []),
             "NetworkPolicy governs both Ingress and Egress")
    c.expect(spec.get("egress") in ([], None) and "Egress" in (spec.get("policyTypes") or []),
             "NetworkPolicy allows no egress (the server calls nothing)")
    rules = spec.get("ingress") or []
    c.expect(len(rules) >= 1, "NetworkPolicy has an ingress rule (the API server)")
    for i, r in enumerate(rules):
        ports = r.get("ports") or []
        c.expect(bool(ports) and all(p.get("port") in (8443, "https") and
                                     p.get("protocol", "TCP") == "TCP" for p in ports),
                 f"NetworkPolicy ingress[{i}] opens TCP 8443 only, not {ports}")
        peers = r.get("from")
        c.expect(bool(peers), f"NetworkPolicy ingress[{i}] names its sources (no `from`: everyone)")
        for peer in peers or []:
            block = peer.get("ipBlock") or {}
            c.expect(set(peer) == {"ipBlock"},
                     f"NetworkPolicy ingress[{i}]: sources are addresses, not pods ({sorted(peer)})")
            c.expect(bool(block.get("cidr")) and not str(block.get("cidr")).endswith("/0"),
                     f"NetworkPolicy ingress[{i}]: {block.get('cidr')} is not everyone")


def check_top(c, objs, src, project_version):
    """manifests/ itself: the overlays' checks, and the NetworkPolicy."""
    check_common(c, objs, src, project_version)
    check_network_policy(c, objs, required=True)


def check_common(c, objs, src, project_version):
    c.expect(find(objs, "Namespace", NS) is not None, f"Namespace {NS} is part of the manifests")
    for o in objs:
        kind, meta = o.get("kind"), o.get("metadata", {})
        if kind in CLUSTER_SCOPED:
            c.expect("namespace" not in meta, f"{kind}/{meta.get('name')} is cluster-scoped: no namespace")
        else:
            c.expect(meta.get("namespace") == NS, f"{kind}/{meta.get('name')} is in namespace {NS}")
    cm = find(objs, "ConfigMap", POLICY_CM)
    if c.expect(cm is not None, f"one ConfigMap named {POLICY_CM} (no hash suffix)"):
        data = dig(cm, "data", "policy.yaml")
        c.expect(data is not None and data.encode("utf-8") == src.policy,
                 f"ConfigMap {POLICY_CM} key policy.yaml is manifests/policies/default.yaml byte for byte")
        c.expect(set((cm.get("data") or {}).keys()) == {"policy.yaml"} and not cm.get("binaryData"),
                 f"ConfigMap {POLICY_CM} holds only policy.yaml")
    check_webhooks(c, objs)
    check_deployment(c, objs, project_version)
    check_profiles_configmap(c, objs, NS, src.profiles)
    check_profiles_mount(c, objs, src)
    check_network_policy(c, objs, required=False)


def check_certs_overlay(c, objs, src, project_version, ca, crt):
    """ca, crt: the bytes of tls/ca.crt and tls/tls.crt as `certs` wrote them."""
    check_common(c, objs, src, project_version)
    for kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
        bundle = dig(find(objs, kind, NAME), "webhooks", 0, "clientConfig", "caBundle")
        c.expect(bundle is not None and base64.b64decode(bundle) == ca,
                 f"{kind}: caBundle is the CA that `seccomp-guard certs` wrote (tls/ca.crt)")
    sec = find(objs, "Secret", TLS_SECRET)
    if c.expect(sec is not None, f"one Secret named {TLS_SECRET} (no hash suffix)"):
        c.expect(sec.get("type") == "kubernetes.io/tls", f"Secret {TLS_SECRET} is of type kubernetes.io/tls")
        data = sec.get("data") or {}
        c.expect({"tls.crt", "tls.key"} <= set(data), f"Secret {TLS_SECRET} holds tls.crt and tls.key")
        c.expect("tls.crt" in data and base64.b64decode(data["tls.crt"]) == crt,
                 f"Secret {TLS_SECRET} tls.crt is the certificate in tls/")
        c.expect("ca.key" not in data, f"Secret {TLS_SECRET} does not carry the CA's private key")


def check_cert_manager_overlay(c, objs, src, project_version):
    check_common(c, objs, src, project_version)
    certs = [o for o in objs if o.get("kind") == "Certificate" and dig(o, "spec", "secretName") == TLS_SECRET]
    if not c.expect(len(certs) == 1, f"one cert-manager Certificate writes the Secret {TLS_SECRET}"):
        return
    cert = certs[0]
    want = f"{dig(cert, 'metadata', 'namespace')}/{dig(cert, 'metadata', 'name')}"
    for kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
        cfg = find(objs, kind, NAME) or {}
        got = dig(cfg, "metadata", "annotations", "cert-manager.io/inject-ca-from")
        c.expect(got == want, f"{kind}: cert-manager.io/inject-ca-from is {want}, not {got}")
        c.expect(dig(cfg, "webhooks", 0, "clientConfig", "caBundle") is None,
                 f"{kind}: no caBundle of its own (cert-manager injects it)")
    c.expect(set(SERVICE_NAMES) <= set(dig(cert, "spec", "dnsNames") or []),
             f"Certificate covers the Service names {SERVICE_NAMES}")
    c.expect("server auth" in (dig(cert, "spec", "usages") or ["server auth"]), "Certificate is for server auth")
    issuer = dig(cert, "spec", "issuerRef") or {}
    c.expect(issuer.get("kind", "Issuer") != "Issuer" or find(objs, "Issuer", issuer.get("name")) is not None,
             f"the Issuer {issuer.get('name')} is part of the overlay")


# --- seccomp profiles: the webhook's ConfigMap and the nodes' copy --------

def policy_profiles(policy):
    """(the folder the webhook's pod reads profiles from, the node folder
    they are named under) as the policy's `profiles` section says, with
    folder relative to the policy file's own folder; the shipped layout
    when the policy has no such section."""
    try:
        doc = yaml.safe_load(policy)
    except yaml.YAMLError:
        doc = None
    sec = doc.get("profiles") if isinstance(doc, dict) else None
    if not isinstance(sec, dict):
        return PROFILES_DIR, NODE_FOLDER
    folder = sec.get("folder")
    in_pod = os.path.normpath(os.path.join(POLICY_DIR, str(folder))) if folder else None
    return in_pod, str(sec.get("nodeFolder", NODE_FOLDER)).strip("/")


def check_profiles_configmap(c, objs, ns, profiles):
    """The profiles ConfigMap in `ns` is manifests/profiles/*.json, each
    file a key, byte for byte, and nothing else."""
    cm = find(objs, "ConfigMap", PROFILES_CM)
    if not c.expect(cm is not None, f"one ConfigMap named {PROFILES_CM} (no hash suffix)"):
        return
    c.expect(dig(cm, "metadata", "namespace") == ns, f"ConfigMap {PROFILES_CM} is in namespace {ns}")
    data = cm.get("data") or {}
    c.expect(set(data) == set(profiles) and not cm.get("binaryData"),
             f"ConfigMap {PROFILES_CM} holds exactly manifests/profiles/*.json: {sorted(data)}, "
             f"want {sorted(profiles)}")
    for name, want in profiles.items():
        c.expect(name in data and data[name].encode("utf-8") == want,
                 f"ConfigMap {PROFILES_CM} key {name} is manifests/profiles/{name} byte for byte")


def check_profiles_mount(c, objs, src):
    """The webhook's pod has the profiles ConfigMap where the policy reads
    them, read-only, as a whole folder (updates are seen)."""
    folder, _ = policy_profiles(src.policy)
    pod = dig(find(objs, "Deployment", NAME), "spec", "template", "spec") or {}
    ctr = dig(pod, "containers", 0) or {}
    volumes = {v.get("name"): v for v in pod.get("volumes") or []}
    m = {m.get("mountPath"): m for m in ctr.get("volumeMounts") or []}.get(folder) or {}
    c.expect(dig(volumes, m.get("name"), "configMap", "name") == PROFILES_CM,
             f"{folder} (the policy's profiles folder) is the ConfigMap {PROFILES_CM}")
    c.expect(m.get("readOnly") is True, f"{folder} is mounted read-only")
    c.expect("subPath" not in m and "subPathExpr" not in m,
             f"{folder} is a whole directory (a subPath mount never sees updates)")


def arg_value(args, flag):
    return args[args.index(flag) + 1] if flag in args and args.index(flag) + 1 < len(args) else None


def check_node_pod(c, objs, pod, src):
    """The installer's pod: the ConfigMap in, the kubelet's seccomp folder
    (and nothing else of the host) out, at the node folder the policy
    names profiles by."""
    ctrs = pod.get("containers") or []
    if not c.expect(len(ctrs) == 1 and not pod.get("initContainers"),
                    f"the installer's pod has one container and no init containers, has {len(ctrs)}"):
        return
    ctr = ctrs[0]
    volumes = {v.get("name"): v for v in pod.get("volumes") or []}
    host = [v for v in volumes.values() if "hostPath" in v]
    c.expect(len(host) == 1, f"the installer's pod has one hostPath volume, has {len(host)}")
    c.expect(all(set(v) - {"name"} <= {"configMap", "hostPath"} for v in volumes.values()),
             "the installer's volumes are the ConfigMap and the hostPath only")
    hp = dig(host, 0, "hostPath") or {}
    c.expect(hp.get("path") == KUBELET_SECCOMP,
             f"the hostPath is exactly {KUBELET_SECCOMP}, not {hp.get('path')}")
    c.expect(hp.get("type") == "DirectoryOrCreate", f"the hostPath type is DirectoryOrCreate, not {hp.get('type')}")
    mounts = ctr.get("volumeMounts") or []
    by_vol = {m.get("name"): m for m in mounts}
    cm_vol = [n for n, v in volumes.items() if dig(v, "configMap", "name") == PROFILES_CM]
    cm_mount = by_vol.get(cm_vol[0] if cm_vol else None) or {}
    host_mount = by_vol.get(dig(host, 0, "name")) or {}
    c.expect(cm_mount.get("readOnly") is True, f"the ConfigMap {PROFILES_CM} is mounted read-only")
    for m in (cm_mount, host_mount):
        c.expect(bool(m) and "subPath" not in m and "subPathExpr" not in m,
                 f"{m.get('mountPath')} is mounted whole (no subPath)")

    cmd = (ctr.get("command") or []) + (ctr.get("args") or [])
    _, node_folder = policy_profiles(src.policy)
    want_to = f"{host_mount.get('mountPath')}/{node_folder}"
    c.expect(cmd[:3] == ["seccomp-guard", "profile", "install"],
             f"the installer runs `seccomp-guard profile install`, not {cmd[:3]}")
    c.expect(arg_value(cmd, "--from") == cm_mount.get("mountPath"),
             f"--from is the ConfigMap's folder {cm_mount.get('mountPath')}, not {arg_value(cmd, '--from')}")
    c.expect(arg_value(cmd, "--to") == want_to,
             f"--to is {want_to} ({KUBELET_SECCOMP}/{node_folder} on the node, the policy's nodeFolder), "
             f"not {arg_value(cmd, '--to')}")
    c.expect("--watch" in cmd, "the installer runs with --watch (it follows ConfigMap updates)")
    c.expect("--allow-permissive" not in cmd, "the installer leaves permissive profiles out (no --allow-permissive)")
    check_node_container(c, pod, ctr)


def check_node_container(c, pod, ctr):
    """Least privilege that can write a root-owned 0755 folder: uid 0 and
    nothing else (no capability, no privilege, no escalation)."""
    where = "the installer"
    sc = ctr.get("securityContext") or {}
    psc = pod.get("securityContext") or {}
    c.expect(sc.get("allowPrivilegeEscalation") is False, f"{where}: allowPrivilegeEscalation is false")
    c.expect(sc.get("readOnlyRootFilesystem") is True, f"{where}: readOnlyRootFilesystem is true")
    c.expect(not sc.get("privileged"), f"{where}: not privileged")
    c.expect("ALL" in (dig(sc, "capabilities", "drop") or []), f"{where}: capabilities.drop holds ALL")
    c.expect(not dig(sc, "capabilities", "add"), f"{where}: adds no capability")
    prof = dig(sc, "seccompProfile", "type") or dig(psc, "seccompProfile", "type")
    c.expect(prof == "RuntimeDefault", f"{where}: seccompProfile is RuntimeDefault, not {prof}")
    c.expect(not pod.get("hostNetwork") and not pod.get("hostPID") and not pod.get("hostIPC"),
             f"{where}: shares no host namespace")
    c.expect(pod.get("automountServiceAccountToken") is False, f"{where}: mounts no service account token")
    res = ctr.get("resources") or {}
    c.expect(bool(dig(res, "requests", "cpu")) and bool(dig(res, "requests", "memory")),
             f"{where}: requests cpu and memory")
    c.expect(bool(dig(res, "limits", "memory")), f"{where}: has a memory limit")


def check_node_profiles_overlay(c, objs, src, project_version):
    """overlays/node-profiles: a DaemonSet on every node installing the
    same profiles the webhook judges into the kubelet's seccomp folder."""
    ns = find(objs, "Namespace", NODE_NS)
    if c.expect(ns is not None, f"Namespace {NODE_NS} is part of the overlay"):
        # hostPath is refused at PSA baseline and restricted.
        c.expect(dig(ns, "metadata", "labels", "pod-security.kubernetes.io/enforce") == "privileged",
                 f"Namespace {NODE_NS} enforces PSA privileged (the hostPath needs it)")
    for o in objs:
        kind, meta = o.get("kind"), o.get("metadata", {})
        if kind not in CLUSTER_SCOPED:
            c.expect(meta.get("namespace") == NODE_NS, f"{kind}/{meta.get('name')} is in namespace {NODE_NS}")
    check_profiles_configmap(c, objs, NODE_NS, src.profiles)
    ds = find(objs, "DaemonSet", NODE_DS)
    if not c.expect(ds is not None, f"one DaemonSet named {NODE_DS}"):
        return
    spec = ds.get("spec") or {}
    labels = dig(spec, "template", "metadata", "labels") or {}
    pod = dig(spec, "template", "spec") or {}
    c.expect(selects(spec.get("selector"), labels), "DaemonSet selector matches its pod labels")
    c.expect(dig(spec, "updateStrategy", "type", default="RollingUpdate") == "RollingUpdate",
             "DaemonSet updates by RollingUpdate")
    c.expect(any(t.get("operator") == "Exists" and not t.get("key") and not t.get("effect")
                 for t in pod.get("tolerations") or []),
             "the installer tolerates every taint (it must be on every node)")
    c.expect(not pod.get("nodeSelector") and not pod.get("affinity"), "the installer is not limited to some nodes")
    pc = pod.get("priorityClassName")
    c.expect(bool(pc) and find(objs, "PriorityClass", pc) is not None,
             f"the installer has a priorityClassName that is part of the overlay, not {pc}")
    sa = find(objs, "ServiceAccount", pod.get("serviceAccountName"))
    c.expect(sa is not None and sa.get("automountServiceAccountToken") is False,
             "the installer's ServiceAccount is part of the overlay and automounts no token")
    image = dig(pod, "containers", 0, "image", default="")
    c.expect(image.endswith(":" + project_version),
             f"image tag is the project version {project_version} (CMakeLists.txt), not {image}")
    check_node_pod(c, objs, pod, src)


# --- building ------------------------------------------------------------

def kustomize(kubectl, path):
    r = subprocess.run([kubectl, "kustomize", path], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"`kubectl kustomize {path}` failed:\n{r.stderr.strip()}")
    return [d for d in yaml.safe_load_all(r.stdout) if d]


def project_version(repo):
    with open(os.path.join(repo, "CMakeLists.txt")) as f:
        m = re.search(r"project\(\s*seccomp-guard\s+VERSION\s+([0-9.]+)", f.read())
    if not m:
        raise RuntimeError("no `project(seccomp-guard VERSION x.y.z)` in CMakeLists.txt")
    return m.group(1)


def make_certs(binary, overlay):
    """Writes tls/ and ca-bundle-patch.yaml into a copy of overlays/certs,
    as the quick start tells an operator to."""
    r = subprocess.run([binary, "certs", "--service", NAME, "--namespace", NS,
                        "--out", os.path.join(overlay, "tls"),
                        "--ca-bundle-patch", os.path.join(overlay, "ca-bundle-patch.yaml")],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"`seccomp-guard certs` failed ({r.returncode}):\n{r.stderr.strip()}")


# What the manifests are built from: manifests/policies/default.yaml's
# bytes, and {name: bytes} of manifests/profiles/*.json.
Sources = collections.namedtuple("Sources", "policy profiles")


def read_sources(manifests):
    with open(os.path.join(manifests, "policies", "default.yaml"), "rb") as f:
        policy = f.read()
    profiles = {}
    folder = os.path.join(manifests, "profiles")
    for name in sorted(os.listdir(folder)):
        if name.endswith(".json"):
            with open(os.path.join(folder, name), "rb") as f:
                profiles[name] = f.read()
    return Sources(policy, profiles)


def build_all(args):
    """Returns [(label, check function, objects, extra args)], the Sources
    and the project version."""
    repo = args.repo
    manifests = os.path.join(repo, "manifests")
    src = read_sources(manifests)
    version = project_version(repo)

    # A copy, so that the certs overlay can be given its generated files.
    work = tempfile.mkdtemp(prefix="sg-deploy-")
    copy_root = os.path.join(work, "manifests")
    shutil.copytree(manifests, copy_root, ignore=shutil.ignore_patterns("tls", "ca-bundle-patch.yaml"))
    builds = []
    try:
        builds.append(("manifests", check_top, kustomize(args.kubectl, manifests), ()))
        builds.append(("overlays/cert-manager", check_cert_manager_overlay,
                       kustomize(args.kubectl, os.path.join(manifests, "overlays", "cert-manager")), ()))
        certs_overlay = os.path.join(copy_root, "overlays", "certs")
        make_certs(args.binary, certs_overlay)
        pems = []
        for name in ("ca.crt", "tls.crt"):
            with open(os.path.join(certs_overlay, "tls", name), "rb") as f:
                pems.append(f.read())
        builds.append(("overlays/certs", check_certs_overlay, kustomize(args.kubectl, certs_overlay), tuple(pems)))
        builds.append(("overlays/node-profiles", check_node_profiles_overlay,
                       kustomize(args.kubectl, os.path.join(manifests, "overlays", "node-profiles")), ()))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return builds, src, version


def run_checks(builds, src, version):
    failures = []
    for label, fn, objs, extra in builds:
        c = Checker(label)
        fn(c, objs, src, version, *extra)
        failures += c.failures
    return failures


# --- self-test: every property broken once must be noticed ---------------

def _hook(kind):
    return lambda objs: find(objs, kind, NAME)["webhooks"][0]


_vwh = _hook("ValidatingWebhookConfiguration")
_mwh = _hook("MutatingWebhookConfiguration")


def _dep(objs):
    return find(objs, "Deployment", NAME)["spec"]


# What the server may hold at once, each measured by bench/server/memory.sh
# and docs/performance.md: the process idle; per thread, the tree of the
# costliest review a body may be (SG_JSON_MAX_NODES values and keys);
# the bodies being received (--body-memory-bytes); per open connection,
# libmicrohttpd's pool and the GnuTLS session (--max-connections).
MIB = 1 << 20
SERVE_IDLE_BYTES = 12 * MIB
SERVE_TREE_BYTES = 42 * MIB
SERVE_CONN_BYTES = 24 * 1024
SERVE_DEFAULT_MAX_CONNECTIONS = 512
QUANTITY = {"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "K": 10**3, "M": 10**6, "G": 10**9, "": 1}


def quantity_bytes(text):
    m = re.fullmatch(r"([0-9]+)(Ki|Mi|Gi|K|M|G|)", str(text))
    return int(m.group(1)) * QUANTITY[m.group(2)] if m else None


def check_memory(c, args, limit):
    """The memory limit holds the server's worst case for its arguments.
    Without --threads the server starts a thread per CPU of the node, so
    no fixed limit could."""
    def arg(flag):
        if flag in args and args.index(flag) + 1 < len(args):
            return args[args.index(flag) + 1]
        return None
    threads, bodies = arg("--threads"), arg("--body-memory-bytes")
    conns = arg("--max-connections") or SERVE_DEFAULT_MAX_CONNECTIONS
    if not c.expect(str(threads or "").isdigit() and int(threads) > 0,
                    f"container runs with --threads N (N > 0), not {threads}"):
        return
    if not c.expect(str(bodies or "").isdigit(), f"container runs with --body-memory-bytes, not {bodies}"):
        return
    need = (SERVE_IDLE_BYTES + int(threads) * SERVE_TREE_BYTES + int(bodies) +
            int(conns) * SERVE_CONN_BYTES)
    have = quantity_bytes(limit)
    c.expect(have is not None and have >= need,
             f"memory limit {limit} holds the worst case of {need / MIB:.0f} MiB for {threads} threads, "
             f"{int(bodies) / MIB:.0f} MiB of bodies and {conns} connections")


def _pod(objs):
    return _dep(objs)["template"]["spec"]


def _ctr(objs):
    return _pod(objs)["containers"][0]


def _drop_arg(objs, flag):
    args = _ctr(objs)["args"]
    i = args.index(flag)
    del args[i:i + 2]


def _np(objs):
    return find(objs, "NetworkPolicy", NAME)["spec"]


def _drop_rule_resource(hook, resource):
    def breaker(objs):
        for r in hook(objs)["rules"]:
            if resource in r["resources"]:
                r["resources"].remove(resource)
    return breaker


def _remove(objs, kind, name):
    objs.remove(find(objs, kind, name))


BREAKAGES = [
    ("validating failurePolicy Ignore", lambda o: _vwh(o).update(failurePolicy="Ignore")),
    ("mutating failurePolicy Ignore", lambda o: _mwh(o).update(failurePolicy="Ignore")),
    ("sideEffects Some", lambda o: _vwh(o).update(sideEffects="Some")),
    ("admissionReviewVersions v1beta1 too", lambda o: _mwh(o).update(admissionReviewVersions=["v1", "v1beta1"])),
    ("timeoutSeconds 30", lambda o: _vwh(o).update(timeoutSeconds=30)),
    ("timeoutSeconds unset", lambda o: _mwh(o).pop("timeoutSeconds")),
    ("kube-system not excluded", lambda o: _vwh(o)["namespaceSelector"]["matchExpressions"][0]["values"]
     .remove("kube-system")),
    ("own namespace not excluded", lambda o: _mwh(o)["namespaceSelector"]["matchExpressions"][0]["values"]
     .remove(NS)),
    ("selector on a mutable label", lambda o: _vwh(o)["namespaceSelector"]["matchExpressions"][0]
     .update(key="name")),
    ("namespaces can opt out by label", lambda o: _mwh(o)["namespaceSelector"].update(
        matchLabels={"seccomp-guard": "enabled"})),
    ("objectSelector", lambda o: _vwh(o).update(objectSelector={"matchLabels": {"a": "b"}})),
    ("no cronjobs", _drop_rule_resource(_vwh, "cronjobs")),
    ("no replicationcontrollers", _drop_rule_resource(_mwh, "replicationcontrollers")),
    ("no ephemeralcontainers", _drop_rule_resource(_vwh, "pods/ephemeralcontainers")),
    ("pods CREATE only", lambda o: [r.update(operations=["CREATE"]) for r in _mwh(o)["rules"]
                                    if "pods" in r["resources"]]),
    ("reinvocationPolicy Never", lambda o: _mwh(o).update(reinvocationPolicy="Never")),
    ("webhook by url", lambda o: _vwh(o)["clientConfig"].update(url="https://example.invalid/validate")),
    ("wrong path", lambda o: _mwh(o)["clientConfig"]["service"].update(path="/validate")),
    ("one replica", lambda o: _dep(o).update(replicas=1)),
    ("no topology spread", lambda o: _pod(o).pop("topologySpreadConstraints")),
    ("root filesystem writable", lambda o: _ctr(o)["securityContext"].update(readOnlyRootFilesystem=False)),
    ("privilege escalation", lambda o: _ctr(o)["securityContext"].pop("allowPrivilegeEscalation")),
    ("capabilities kept", lambda o: _ctr(o)["securityContext"]["capabilities"].update(drop=[])),
    ("capability added", lambda o: _ctr(o)["securityContext"]["capabilities"].update(add=["NET_ADMIN"])),
    ("runAsNonRoot unset", lambda o: _pod(o)["securityContext"].pop("runAsNonRoot")),
    ("runs as root", lambda o: _pod(o)["securityContext"].update(runAsUser=0)),
    ("pod Unconfined", lambda o: _pod(o)["securityContext"]["seccompProfile"].update(type="Unconfined")),
    ("container Unconfined", lambda o: _ctr(o)["securityContext"].update(seccompProfile={"type": "Unconfined"})),
    ("token mounted", lambda o: _pod(o).update(automountServiceAccountToken=True)),
    ("liveness over HTTP", lambda o: _ctr(o)["livenessProbe"]["httpGet"].update(scheme="HTTP")),
    ("readiness on /healthz", lambda o: _ctr(o)["readinessProbe"]["httpGet"].update(path="/healthz")),
    ("no readiness probe", lambda o: _ctr(o).pop("readinessProbe")),
    ("no memory limit", lambda o: _ctr(o)["resources"].pop("limits")),
    ("no requests", lambda o: _ctr(o)["resources"].pop("requests")),
    ("memory limit under the worst case", lambda o: _ctr(o)["resources"]["limits"].update(memory="64Mi")),
    ("threads per node CPU", lambda o: _drop_arg(o, "--threads")),
    ("no priorityClassName", lambda o: _pod(o).pop("priorityClassName")),
    ("policy by subPath", lambda o: [m.update(subPath="policy.yaml") for m in _ctr(o)["volumeMounts"]
                                     if m["mountPath"] == POLICY_DIR]),
    ("tls writable", lambda o: [m.update(readOnly=False) for m in _ctr(o)["volumeMounts"]
                                if m["mountPath"] == TLS_DIR]),
    ("wrong policy flag", lambda o: _ctr(o).update(args=[a.replace("policy.yaml", "default.yaml")
                                                         for a in _ctr(o)["args"]])),
    ("policy one byte off", lambda o: find(o, "ConfigMap", POLICY_CM)["data"].update(
        {"policy.yaml": find(o, "ConfigMap", POLICY_CM)["data"]["policy.yaml"] + "\n"})),
    ("policy ConfigMap hashed", lambda o: find(o, "ConfigMap", POLICY_CM)["metadata"].update(
        name=POLICY_CM + "-5f7c9b")),
    ("PDB minAvailable 0", lambda o: find(o, "PodDisruptionBudget", NAME)["spec"].update(minAvailable=0)),
    ("no PDB", lambda o: _remove(o, "PodDisruptionBudget", NAME)),
    ("no Namespace", lambda o: _remove(o, "Namespace", NS)),
    ("image tag not the version", lambda o: _ctr(o).update(image="seccomp-guard:latest")),
    ("Service to the wrong port", lambda o: find(o, "Service", NAME)["spec"]["ports"][0].update(targetPort=80)),
    ("no NetworkPolicy", lambda o: _remove(o, "NetworkPolicy", NAME)),
    ("NetworkPolicy lets every pod in", lambda o: _np(o)["ingress"][0]["from"].append({"namespaceSelector": {}})),
    ("NetworkPolicy open to everyone", lambda o: _np(o)["ingress"][0]["from"][0]["ipBlock"].update(cidr="0.0.0.0/0")),
    ("NetworkPolicy without sources", lambda o: _np(o)["ingress"][0].pop("from")),
    ("NetworkPolicy opens another port", lambda o: _np(o)["ingress"][0]["ports"][0].update(port=9090)),
    ("NetworkPolicy allows egress", lambda o: _np(o).update(egress=[{}])),
    ("NetworkPolicy leaves egress alone", lambda o: _np(o).update(policyTypes=["Ingress"])),
    ("NetworkPolicy selects other pods", lambda o: _np(o)["podSelector"].update(matchLabels={"app": "x"})),
]

def _ds(objs):
    return find(objs, "DaemonSet", NODE_DS)["spec"]["template"]["spec"]


def _ds_ctr(objs):
    return _ds(objs)["containers"][0]


def _ds_args(objs, edit):
    _ds_ctr(objs)["args"] = edit(_ds_ctr(objs)["args"])


def _ds_host(objs):
    return [v for v in _ds(objs)["volumes"] if "hostPath" in v][0]["hostPath"]


def _ds_mount(objs, path):
    return [m for m in _ds_ctr(objs)["volumeMounts"] if m["mountPath"] == path][0]


def _cm_edit(edit):
    return lambda o: edit(find(o, "ConfigMap", PROFILES_CM)["data"])


def _profiles_mount(objs):
    return [m for m in _ctr(objs)["volumeMounts"] if m["mountPath"] == PROFILES_DIR][0]


BREAKAGES += [
    ("profile one byte off", _cm_edit(lambda d: d.update({"strict.json": d["strict.json"] + " "}))),
    ("a profile left out", _cm_edit(lambda d: d.pop("deny-mount.json"))),
    ("a profile not in manifests/profiles", _cm_edit(lambda d: d.update({"extra.json": "{}"}))),
    ("profiles ConfigMap hashed", lambda o: find(o, "ConfigMap", PROFILES_CM)["metadata"].update(
        name=PROFILES_CM + "-5f7c9b")),
    ("profiles mounted elsewhere", lambda o: _profiles_mount(o).update(mountPath="/etc/seccomp-guard/profile")),
    ("profiles by subPath", lambda o: _profiles_mount(o).update(subPath="strict.json")),
    ("profiles writable", lambda o: _profiles_mount(o).update(readOnly=False)),
]

OVERLAY_BREAKAGES = {
    "overlays/certs": [
        ("no caBundle", lambda o: _vwh(o)["clientConfig"].pop("caBundle")),
        ("another caBundle", lambda o: _mwh(o)["clientConfig"].update(
            caBundle=base64.b64encode(b"-----BEGIN CERTIFICATE-----\n").decode())),
        ("Secret hashed", lambda o: find(o, "Secret", TLS_SECRET)["metadata"].update(name=TLS_SECRET + "-abc")),
        ("Secret untyped", lambda o: find(o, "Secret", TLS_SECRET).update(type="Opaque")),
    ],
    "overlays/cert-manager": [
        ("no injection", lambda o: find(o, "MutatingWebhookConfiguration", NAME)["metadata"].pop("annotations")),
        ("certificate without the .svc name", lambda o: [
            c["spec"]["dnsNames"].remove(f"{NAME}.{NS}.svc") for c in o
            if c.get("kind") == "Certificate" and c["spec"].get("secretName") == TLS_SECRET]),
    ],
    "overlays/node-profiles": [
        ("privileged", lambda o: _ds_ctr(o)["securityContext"].update(privileged=True)),
        ("CAP_DAC_OVERRIDE added", lambda o: _ds_ctr(o)["securityContext"]["capabilities"].update(
            add=["DAC_OVERRIDE"])),
        ("capabilities kept", lambda o: _ds_ctr(o)["securityContext"]["capabilities"].update(drop=[])),
        ("root filesystem writable", lambda o: _ds_ctr(o)["securityContext"].update(readOnlyRootFilesystem=False)),
        ("privilege escalation", lambda o: _ds_ctr(o)["securityContext"].update(allowPrivilegeEscalation=True)),
        ("Unconfined", lambda o: [x["securityContext"].update(seccompProfile={"type": "Unconfined"})
                                  for x in (_ds(o), _ds_ctr(o))]),
        ("hostPath of the whole kubelet folder", lambda o: _ds_host(o).update(path="/var/lib/kubelet")),
        ("hostPath of /", lambda o: _ds_host(o).update(path="/")),
        ("hostPath without a type", lambda o: _ds_host(o).pop("type")),
        ("a second hostPath", lambda o: _ds(o)["volumes"].append({"name": "etc", "hostPath": {"path": "/etc"}})),
        ("an emptyDir besides", lambda o: _ds(o)["volumes"].append({"name": "tmp", "emptyDir": {}})),
        ("host network", lambda o: _ds(o).update(hostNetwork=True)),
        ("token mounted", lambda o: _ds(o).update(automountServiceAccountToken=True)),
        ("no tolerations", lambda o: _ds(o).pop("tolerations")),
        ("tolerates one taint only", lambda o: _ds(o).update(tolerations=[
            {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists"}])),
        ("some nodes only", lambda o: _ds(o).update(nodeSelector={"kubernetes.io/os": "linux", "pool": "a"})),
        ("no priorityClassName", lambda o: _ds(o).pop("priorityClassName")),
        ("no memory limit", lambda o: _ds_ctr(o)["resources"].pop("limits")),
        ("image tag not the version", lambda o: _ds_ctr(o).update(image="seccomp-guard:latest")),
        ("installs permissive profiles", lambda o: _ds_args(o, lambda a: a + ["--allow-permissive"])),
        ("no --watch", lambda o: _ds_args(o, lambda a: [x for x in a if x != "--watch"])),
        ("--to beside the node folder", lambda o: _ds_args(o, lambda a: [
            "/host-seccomp" if x.startswith("/host-seccomp/") else x for x in a])),
        ("--from not the ConfigMap", lambda o: _ds_args(o, lambda a: ["/tmp" if x == "/profiles" else x for x in a])),
        ("ConfigMap writable", lambda o: _ds_mount(o, "/profiles").update(readOnly=False)),
        ("profile one byte off", _cm_edit(lambda d: d.update({"audit.json": d["audit.json"] + "\n"}))),
        ("a profile left out", _cm_edit(lambda d: d.pop("strict.json"))),
        ("ConfigMap in the webhook's namespace", lambda o: find(o, "ConfigMap", PROFILES_CM)["metadata"].update(
            namespace=NS)),
        ("PSA baseline", lambda o: find(o, "Namespace", NODE_NS)["metadata"]["labels"].update(
            {"pod-security.kubernetes.io/enforce": "baseline"})),
    ],
}


# The policy's `profiles` section moved away from what the manifests mount
# and install: (build, what, section, the failure that must be among those).
POLICY_BREAKAGES = [
    ("manifests", "policy reads profiles from another folder", {"folder": "../elsewhere"},
     "/etc/seccomp-guard/elsewhere (the policy's profiles folder) is the ConfigMap"),
    ("overlays/node-profiles", "policy names profiles under another node folder",
     {"folder": "../profiles", "nodeFolder": "team"}, "--to is /host-seccomp/team"),
]


def with_profiles(policy, section):
    """The policy with its `profiles` section replaced by `section`."""
    doc = yaml.safe_load(policy)
    doc["profiles"] = section
    return yaml.safe_dump(doc).encode()


def policy_self_test(builds, src, version):
    """The mount and the installer follow the policy's `profiles` section
    (the shipped one, or the defaults when the policy has none)."""
    missed = []
    for label, what, section, needle in POLICY_BREAKAGES:
        fn, objs, extra = [(b[1], b[2], b[3]) for b in builds if b[0] == label][0]
        c = Checker(label)
        fn(c, objs, Sources(with_profiles(src.policy, section), src.profiles), version, *extra)
        if any(needle in f for f in c.failures):
            print(f"ok: {label}: {what}: noticed ({needle})")
        else:
            missed.append(f"{label}: {what}: NOT noticed: {c.failures}")
    same = with_profiles(src.policy, {"folder": "../profiles", "nodeFolder": "profiles"})
    if policy_profiles(same) != (PROFILES_DIR, NODE_FOLDER):
        missed.append(f"policy_profiles reads the documented section as {policy_profiles(same)}")
    return missed


def self_test(builds, src, version):
    missed = policy_self_test(builds, src, version)
    for label, fn, objs, extra in builds:
        base = Checker(label)
        fn(base, objs, src, version, *extra)
        if base.failures:
            missed.append(f"{label}: fails before anything is broken: {base.failures[0]}")
            continue
        table = (BREAKAGES if label == "manifests" else []) + OVERLAY_BREAKAGES.get(label, [])
        for what, breaker in table:
            broken = copy.deepcopy(objs)
            breaker(broken)
            c = Checker(label)
            fn(c, broken, src, version, *extra)
            if c.failures:
                print(f"ok: {label}: {what}: noticed ({c.failures[0]})")
            else:
                missed.append(f"{label}: {what}: NOT noticed")
    return missed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repo", required=True)
    ap.add_argument("--kubectl", default=shutil.which("kubectl"))
    ap.add_argument("--binary", required=True)
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if not args.kubectl:
        # kubectl comes with the machine, not from a Debian package.
        print("kubectl not found" + ("" if os.environ.get("CI") else "; SKIP"))
        sys.exit(1 if os.environ.get("CI") else SKIP)

    builds, src, version = build_all(args)
    if args.self_test:
        missed = self_test(builds, src, version)
        for m in missed:
            print("FAIL:", m)
        n = sum(len(BREAKAGES) if b[0] == "manifests" else 0 for b in builds) + \
            sum(len(OVERLAY_BREAKAGES.get(b[0], [])) for b in builds) + len(POLICY_BREAKAGES)
        print(f"{n - len(missed)} of {n} breakages noticed")
        sys.exit(1 if missed else 0)

    failures = run_checks(builds, src, version)
    for f in failures:
        print("FAIL:", f)
    for label, _, objs, _ in builds:
        print(f"{label}: {len(objs)} objects checked")
    if not failures and os.path.isdir(os.path.join(args.repo, ".git")):
        # The generated private key must never be committed by accident.
        for path in ("manifests/overlays/certs/tls/tls.key", "manifests/overlays/certs/tls/ca.key",
                     "manifests/overlays/certs/ca-bundle-patch.yaml"):
            r = subprocess.run(["git", "-C", args.repo, "check-ignore", "-q", path])
            if r.returncode != 0:
                failures.append(f"{path} is git-ignored")
                print("FAIL:", failures[-1])
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
