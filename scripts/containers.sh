# scripts/containers.sh - sourced, not run: how buildah and podman run on
# this kind of machine, for scripts/image and the container tests in
# tests/deploy/. Needs $work (a private temporary folder the caller cleans
# up) and $name (the prefix of messages) set before it is sourced.
#
# Provides: say, die, need_root (exit 77, ctest's skip, without root),
# free_port, size_mib, and CONTAINERS_CONF / BUILDAH_ISOLATION in the
# environment.

say() { echo "$name: $*"; }
die() { echo "$name: FAIL: $*" >&2; exit 1; }

need_root() {
    if [ "$(id -u)" -ne 0 ]; then
        say "SKIP: needs root (buildah and podman use the system container store)"
        exit 77
    fi
}

size_mib() { # bytes -> MiB with one decimal
    awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'
}

free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# This machine has hybrid cgroups and no systemd session for us: crun and
# the default ulimits fail here, runc with cgroupfs works.
cat >"$work/containers.conf" <<'EOF'
[containers]
default_ulimits = []
pids_limit = 0

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
EOF
export CONTAINERS_CONF="$work/containers.conf"
export BUILDAH_ISOLATION=chroot
