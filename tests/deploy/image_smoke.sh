#!/bin/sh
# The image run as the Deployment runs it: user 65532, read-only root, no
# capabilities, no_new_privs, the runtime's default seccomp profile,
# certificates, policy and profiles mounted read-only as the kubelet mounts
# them. Checks /healthz, /readyz, a denial, a permissive Localhost profile
# refused and a mutation over TLS from the host, what the kernel says of
# the process, then a clean exit on SIGTERM. Then the image as the
# node-profiles DaemonSet runs it: `profile install` as uid 0 with no
# capability installs the enforcing profiles and skips audit.json.
#
#   tests/deploy/image_smoke.sh [--binary PATH]   ($SG_IMAGE, default seccomp-guard:test)
#
# --binary is the host build (default build/seccomp-guard): it makes the
# certificates. Exit 77 means skipped.
set -eu
cd "$(dirname "$0")/../.."
repo=$(pwd)

IMAGE=${SG_IMAGE:-seccomp-guard:test}
SERVICE=seccomp-guard.seccomp-guard.svc # the name the API server dials
binary=$repo/build/seccomp-guard
while [ $# -gt 0 ]; do
    case $1 in
    --binary) binary=$2; shift ;;
    *) echo "usage: tests/deploy/image_smoke.sh [--binary PATH]" >&2; exit 2 ;;
    esac
    shift
done

name=image-smoke
work=$(mktemp -d /var/tmp/seccomp-guard-image.XXXXXX)
container=""
cleanup() {
    [ -z "$container" ] || podman rm -f "$container" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
. ./scripts/containers.sh
need_root
[ -x "$binary" ] || die "no binary at $binary (run scripts/build first)"

make_certs() { # DIR
    "$binary" certs --service seccomp-guard --namespace seccomp-guard --out "$1" >"$work/certs.log" 2>&1 ||
        { cat "$work/certs.log" >&2; die "seccomp-guard certs failed"; }
}

# An AdmissionReview for a pod, as the API server sends it.
review() { # UID SECURITYCONTEXT-JSON
    cat <<EOF
{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{
 "uid":"$1","kind":{"group":"","version":"v1","kind":"Pod"},
 "resource":{"group":"","version":"v1","resource":"pods"},
 "namespace":"smoke","operation":"CREATE","userInfo":{"username":"smoke"},
 "object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"smoke","namespace":"smoke"},
  "spec":{"securityContext":$2,"containers":[{"name":"app","image":"busybox"}]}}}}
EOF
}

smoke() {
    podman image exists "$IMAGE" || die "no image $IMAGE: run scripts/image first"

    # As the kubelet lays out the Secret and ConfigMap volumes with
    # fsGroup 65532 and defaultMode 0440.
    make_certs "$work/tls"
    mkdir -p "$work/mnt/tls" "$work/mnt/policy" "$work/mnt/profiles"
    cp "$work/tls/tls.crt" "$work/tls/tls.key" "$work/tls/ca.crt" "$work/mnt/tls/"
    cp manifests/policies/default.yaml "$work/mnt/policy/policy.yaml"
    # default.yaml reads its known seccomp profiles from ../profiles: the
    # seccomp-guard-profiles ConfigMap, mounted beside the policy.
    cp manifests/profiles/*.json "$work/mnt/profiles/"
    chown -R 0:65532 "$work/mnt"
    chmod 0440 "$work/mnt"/*/*
    chmod 0750 "$work/mnt"/*

    port=$(free_port)
    container=seccomp-guard-smoke-$$
    podman run -d --name "$container" --network host \
        --user 65532:65532 --read-only --read-only-tmpfs=false \
        --cap-drop ALL --security-opt no-new-privileges \
        -v "$work/mnt/tls:/etc/seccomp-guard/tls:ro" -v "$work/mnt/policy:/etc/seccomp-guard/policy:ro" \
        -v "$work/mnt/profiles:/etc/seccomp-guard/profiles:ro" \
        "$IMAGE" --policy /etc/seccomp-guard/policy/policy.yaml \
        --tls-cert /etc/seccomp-guard/tls/tls.crt --tls-key /etc/seccomp-guard/tls/tls.key \
        --listen "127.0.0.1:$port" >/dev/null
    url=https://$SERVICE:$port
    curl_tls() { curl -sS --max-time 5 --cacert "$work/tls/ca.crt" --resolve "$SERVICE:$port:127.0.0.1" "$@"; }

    i=0
    until curl_tls -f -o /dev/null "$url/healthz" 2>/dev/null; do
        i=$((i + 1))
        if [ "$(podman inspect --format '{{.State.Running}}' "$container")" != true ] || [ $i -ge 50 ]; then
            podman logs "$container" >&2 || true
            die "no answer on $url/healthz after $i tries"
        fi
        sleep 0.2
    done
    say "GET /healthz: ok over TLS, verified against the CA, as $SERVICE"
    curl_tls -f -o /dev/null "$url/readyz" || die "GET /readyz is not ok"
    say "GET /readyz: ok"

    # What the kernel says about the process: the Deployment's constraints.
    pid=$(podman inspect --format '{{.State.Pid}}' "$container")
    status=$(cat "/proc/$pid/status")
    echo "$status" | grep -Eq '^Uid:[[:space:]]+65532[[:space:]]' || die "not running as uid 65532"
    echo "$status" | grep -Eq '^CapEff:[[:space:]]+0+$' || die "holds capabilities: $(echo "$status" | grep CapEff)"
    echo "$status" | grep -Eq '^NoNewPrivs:[[:space:]]+1$' || die "no_new_privs is not set"
    echo "$status" | grep -Eq '^Seccomp:[[:space:]]+2$' || die "no seccomp filter"
    say "process: uid 65532, no capabilities, no_new_privs, seccomp filter on, read-only root"

    review smoke-deny '{"seccompProfile":{"type":"Unconfined"}}' >"$work/deny.json"
    curl_tls -f -H 'Content-Type: application/json' --data-binary @"$work/deny.json" \
        "$url/validate" >"$work/deny.out" || die "POST /validate failed"
    /usr/bin/python3 - "$work/deny.out" <<'EOF' || die "an Unconfined pod was not refused: $(cat "$work/deny.out")"
import json, sys
r = json.load(open(sys.argv[1]))["response"]
assert r["uid"] == "smoke-deny" and r["allowed"] is False, r
print("image-smoke: POST /validate: Unconfined pod refused:", r.get("status", {}).get("message", "")[:200])
EOF

    review smoke-mutate '{}' >"$work/mutate.json"
    curl_tls -f -H 'Content-Type: application/json' --data-binary @"$work/mutate.json" \
        "$url/mutate" >"$work/mutate.out" || die "POST /mutate failed"
    /usr/bin/python3 - "$work/mutate.out" <<'EOF' || die "no RuntimeDefault injected: $(cat "$work/mutate.out")"
import base64, json, sys
r = json.load(open(sys.argv[1]))["response"]
assert r["uid"] == "smoke-mutate" and r["allowed"] is True and r.get("patchType") == "JSONPatch", r
patch = json.loads(base64.b64decode(r["patch"]))
assert "RuntimeDefault" in json.dumps(patch), patch
print("image-smoke: POST /mutate: pod with no profile gets", json.dumps(patch)[:200])
EOF

    # The profiles mounted beside the policy are what Localhost pods are
    # judged by: the permissive one is refused as Unconfined.
    review smoke-localhost '{"seccompProfile":{"type":"Localhost","localhostProfile":"profiles/audit.json"}}' \
        >"$work/localhost.json"
    curl_tls -f -H 'Content-Type: application/json' --data-binary @"$work/localhost.json" \
        "$url/validate" >"$work/localhost.out" || die "POST /validate failed"
    grep -q '"allowed":false' "$work/localhost.out" && grep -q 'SCMP_ACT_LOG' "$work/localhost.out" ||
        die "profiles/audit.json was not refused as permissive: $(cat "$work/localhost.out")"
    say "POST /validate: a pod under profiles/audit.json refused (SCMP_ACT_LOG), from the mounted profiles"

    podman stop -t 10 "$container" >/dev/null
    code=$(podman inspect --format '{{.State.ExitCode}}' "$container")
    [ "$code" = 0 ] || { podman logs "$container" >&2 || true; die "exit code $code after SIGTERM, want 0"; }
    say "SIGTERM: clean exit"
    say "smoke test passed"
}

# What the node-profiles DaemonSet runs, in the image, constrained as it
# is (uid 0, no capability, read-only root): the enforcing profiles land
# in the node's folder, the permissive one does not.
install_once() {
    mkdir -p "$work/node"
    code=0
    podman run --rm --network none --user 0:0 --read-only --cap-drop ALL \
        --security-opt no-new-privileges \
        -v "$repo/manifests/profiles:/profiles:ro" -v "$work/node:/host-seccomp" \
        --entrypoint seccomp-guard "$IMAGE" profile install --from /profiles \
        --to /host-seccomp/profiles >"$work/install.log" 2>&1 || code=$?
    [ "$code" = 1 ] || { cat "$work/install.log" >&2; die "profile install exit $code, want 1 (audit.json skipped)"; }
    for f in deny-mount.json strict.json; do
        cmp -s "$repo/manifests/profiles/$f" "$work/node/profiles/$f" || die "profile install did not install $f"
    done
    [ ! -e "$work/node/profiles/audit.json" ] || die "profile install installed the permissive audit.json"
    say "profile install in the image: enforcing profiles installed, audit.json skipped"
}

smoke
install_once
