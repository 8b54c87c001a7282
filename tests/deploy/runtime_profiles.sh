#!/bin/sh
# The Localhost-profile story end to end (issue 15), with a real runtime:
#
# 1. podman with runc runs a busybox container as root with CAP_SYS_ADMIN
#    doing `mount -t tmpfs none /mnt`: under manifests/profiles/deny-mount.json
#    the mount is refused, under manifests/profiles/audit.json (SCMP_ACT_LOG)
#    it succeeds. Controls: the same container with seccomp=unconfined mounts
#    (so capabilities, AppArmor or the rootfs are not what refuses it), a
#    filter is really installed under both profiles (Seccomp: 2), and the
#    runtime podman used is runc.
# 2. `seccomp-guard check --profiles manifests/profiles` under
#    manifests/policies/default.yaml denies docs/examples/pod-profile-audit.yaml
#    naming profiles/audit.json and SCMP_ACT_LOG (rule seccomp-unconfined),
#    and allows docs/examples/pod-profile-deny-mount.yaml.
#
#   tests/deploy/runtime_profiles.sh [--binary PATH]   (default build/seccomp-guard)
#
# The container is this machine's busybox and the libraries it links, in a
# folder given to podman as --rootfs: no image, no registry. Part 2 needs
# neither root nor podman and always runs. Exit 77 (skip) only when part 1
# cannot run at all: not root, no podman, or podman cannot start a container
# here; with $CI set that is a failure instead, as CI installs and runs
# everything (scripts/setup, scripts/deps/test/deploy.txt).
set -eu
cd "$(dirname "$0")/../.."

binary=build/seccomp-guard
while [ $# -gt 0 ]; do
    case $1 in
    --binary) binary=$2; shift ;;
    *) echo "usage: tests/deploy/runtime_profiles.sh [--binary PATH]" >&2; exit 2 ;;
    esac
    shift
done

name=runtime-profiles
work=$(mktemp -d /var/tmp/seccomp-guard-runtime.XXXXXX)
containers=""
cleanup() {
    for c in $containers; do podman rm -f "$c" >/dev/null 2>&1 || true; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
. ./scripts/containers.sh

failures=0
skipped=""
fail() { echo "$name: FAIL: $*" >&2; failures=$((failures + 1)); }
indent() { sed 's/^/    /'; }
has() { case $1 in *"$2"*) return 0 ;; esac; return 1; } # TEXT WORD

# --- 2. the verdicts, from the profiles' contents -------------------------

check_pod() { # POD WANT-EXIT WORD... (each word must be in the output)
    pod=docs/examples/$1 want=$2
    shift 2
    set +e
    out=$("$binary" check --policy manifests/policies/default.yaml --profiles manifests/profiles "$pod" 2>&1)
    code=$?
    set -e
    say "\$ seccomp-guard check --policy manifests/policies/default.yaml --profiles manifests/profiles $pod"
    echo "$out" | indent
    [ "$code" = "$want" ] || { fail "$pod: check exits $code, want $want"; return 0; }
    for word in "$@"; do
        has "$out" "$word" || fail "$pod: the verdict does not say $word"
    done
    # An allowed pod whose profile was not found would be allowed with a
    # warning: the file must have been read, not missed.
    ! has "$out" seccomp-localhost-unknown || fail "$pod: its profile was not found in manifests/profiles"
}

[ -x "$binary" ] || die "no binary at $binary (run scripts/build first)"
check_pod pod-profile-audit.yaml 1 profiles/audit.json SCMP_ACT_LOG "[seccomp-unconfined]"
check_pod pod-profile-deny-mount.yaml 0

# --- 1. the same profiles in a container ---------------------------------

rootfs=$work/busybox-root
make_rootfs() {
    bb=$(command -v busybox) || die "no busybox (scripts/setup installs it: scripts/deps/test/deploy.txt)"
    mkdir -p "$rootfs/bin" "$rootfs/mnt" "$rootfs/proc" "$rootfs/dev" "$rootfs/sys" "$rootfs/etc" "$rootfs/tmp"
    cp "$bb" "$rootfs/bin/busybox"
    # The loader and libraries at the paths the binary asks for (none if static).
    for lib in $(ldd "$bb" 2>/dev/null | grep -o '/[^ ]*'); do
        cp --parents "$lib" "$rootfs"
    done
    for applet in sh mount grep; do ln -s busybox "$rootfs/bin/$applet"; done
}

# Runs the mount in a fresh container under a seccomp profile (a file, or
# `unconfined`). Only seccomp is left to decide: root with CAP_SYS_ADMIN,
# no AppArmor profile (containers-default has `deny mount`), no SELinux label.
# Sets $out (what it printed), $code (its exit), $runtime (podman's runtime).
SCRIPT='grep -E "^(CapEff|Seccomp):" /proc/self/status; mount -t tmpfs none /mnt && grep " /mnt " /proc/mounts'
run_mount() { # LABEL SECCOMP
    c=sg-runtime-profiles-$$-$1
    containers="$containers $c"
    say "\$ podman run --runtime runc --cap-add SYS_ADMIN --security-opt seccomp=$2 ... sh -c '$SCRIPT'"
    set +e
    out=$(timeout 60 podman run --name "$c" --runtime runc --network none --cap-add SYS_ADMIN \
        --security-opt apparmor=unconfined --security-opt label=disable --security-opt "seccomp=$2" \
        --rootfs "$rootfs" sh -c "$SCRIPT" 2>&1)
    code=$?
    set -e
    echo "$out" | indent
    [ "$code" != 124 ] || fail "$1: the container did not end within 60 s"
    runtime=$(podman inspect --format '{{.OCIRuntime}}' "$c" 2>/dev/null || echo "?")
    podman rm -f "$c" >/dev/null 2>&1 || true
    [ "$runtime" = runc ] || fail "$1: podman ran the container with $runtime, not runc"
    cap=$(echo "$out" | sed -n 's/^CapEff:[[:space:]]*//p')
    [ -n "$cap" ] && [ $(((0x$cap >> 21) & 1)) = 1 ] || fail "$1: the container lacks CAP_SYS_ADMIN (CapEff $cap)"
}

seccomp_mode() { echo "$out" | sed -n 's/^Seccomp:[[:space:]]*//p'; }
mounted() { echo "$out" | grep -q '^none /mnt tmpfs '; }

containers_cannot_run() { # WHY
    if [ -n "${CI:-}" ]; then fail "$*"; else skipped=$*; fi
}

runtime_story() {
    make_rootfs
    command -v runc >/dev/null || { fail "no runc (scripts/setup installs it: scripts/deps/test/deploy.txt)"; return 0; }
    say "runtime: $(runc --version | head -n 1), $(podman --version)"
    probe=sg-runtime-profiles-$$-probe
    containers="$containers $probe"
    if ! err=$(timeout 60 podman run --rm --name "$probe" --runtime runc --network none --rootfs "$rootfs" /bin/busybox true 2>&1); then
        containers_cannot_run "podman cannot run a container here: $err"
        return 0
    fi

    run_mount unconfined unconfined
    [ "$(seccomp_mode)" = 0 ] || fail "seccomp=unconfined: Seccomp is '$(seccomp_mode)', want 0 (no filter)"
    mounted || fail "seccomp=unconfined: the mount failed (exit $code): something other than seccomp refuses it, so the runs below prove nothing"

    run_mount deny-mount manifests/profiles/deny-mount.json
    [ "$(seccomp_mode)" = 2 ] || fail "deny-mount.json: Seccomp is '$(seccomp_mode)', want 2 (a filter)"
    ! mounted || fail "deny-mount.json: the mount succeeded"
    [ "$code" != 0 ] || fail "deny-mount.json: the container exits 0 though mount must fail"
    # busybox's words for EPERM: the profile's defaultErrnoRet is 1.
    has "$out" "mount: permission denied" || fail "deny-mount.json: mount was not refused with EPERM"

    run_mount audit manifests/profiles/audit.json
    [ "$(seccomp_mode)" = 2 ] || fail "audit.json: Seccomp is '$(seccomp_mode)', want 2 (a filter)"
    mounted && [ "$code" = 0 ] || fail "audit.json: the mount failed (exit $code), though SCMP_ACT_LOG blocks nothing"
}

start=$(date +%s)
if [ "$(id -u)" -ne 0 ]; then
    containers_cannot_run "needs root (podman's system store, --cap-add SYS_ADMIN)"
elif ! command -v podman >/dev/null; then
    containers_cannot_run "no podman (scripts/setup installs it: scripts/deps/test/deploy.txt)"
else
    runtime_story
fi
say "containers: $(($(date +%s) - start)) s"

if [ "$failures" -gt 0 ]; then
    echo "$name: $failures failure(s)" >&2
    exit 1
fi
if [ -n "$skipped" ]; then
    say "SKIP: $skipped"
    exit 77
fi
say "passed: deny-mount.json refuses mount in runc and is allowed; audit.json lets it through and is denied"
