#!/bin/sh
# Dogfooding: the project's own pods, as `kubectl kustomize` builds them,
# pass `seccomp-guard check` under the shipped restricted policy (PSA
# restricted for seccomp and capabilities): the webhook's Deployment
# (manifests/) and the node-profiles installer's DaemonSet
# (overlays/node-profiles), whose namespace the webhook judges.
#   dogfood.sh REPO BINARY
# Exit 77 (ctest: skipped) when kubectl is missing outside CI.
set -eu
repo=$1
bin=$2
policy=$repo/manifests/policies/restricted.yaml
command -v kubectl >/dev/null || { echo "kubectl not found"; [ -n "${CI:-}" ] && exit 1; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# dogfood KUSTOMIZATION KIND: the one object of KIND it builds passes the
# restricted policy, and an Unconfined copy of it does not.
dogfood() {
    kubectl kustomize "$1" >"$tmp/all.yaml"
    # Only that object, so that a verdict is about the pod we run.
    /usr/bin/python3 - "$tmp/all.yaml" "$2" >"$tmp/object.yaml" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d.get("kind") == sys.argv[2]]
assert len(docs) == 1, f"expected one {sys.argv[2]}, found {len(docs)}"
yaml.safe_dump(docs[0], sys.stdout)
PY

    set +e
    "$bin" check --policy "$policy" "$tmp/object.yaml" >"$tmp/out" 2>&1
    rc=$?
    set -e
    cat "$tmp/out"
    if [ "$rc" -ne 0 ]; then
        echo "FAIL: seccomp-guard's own $2 does not pass its restricted policy (exit $rc)"
        exit 1
    fi
    echo "ok: the $2 of $1 passes manifests/policies/restricted.yaml"

    # And the verdict means something: the same object made Unconfined is
    # refused, so `check` really judged the pod template.
    sed 's/type: RuntimeDefault/type: Unconfined/' "$tmp/object.yaml" >"$tmp/unconfined.yaml"
    set +e
    "$bin" check --policy "$policy" "$tmp/unconfined.yaml" >"$tmp/out" 2>&1
    rc=$?
    set -e
    if [ "$rc" -ne 1 ]; then
        cat "$tmp/out"
        echo "FAIL: an Unconfined copy of the $2 was not refused (exit $rc, want 1)"
        exit 1
    fi
    echo "ok: an Unconfined copy of it is refused"
}

dogfood "$repo/manifests" Deployment
dogfood "$repo/manifests/overlays/node-profiles" DaemonSet
