#!/bin/sh
# The image scripts/image built, checked file by file: it is FROM scratch,
# so every file in it is one the Dockerfile put there on purpose. It must
# run as 65532:65532 with `seccomp-guard serve` as its entrypoint, start,
# hold exactly the binary, the libraries of its NEEDED closure with the
# dynamic loader, and the licence files of their Debian packages; and the
# Dockerfile's RUNTIME_PACKAGES must be exactly the packages of what the
# binary links. Prints (and with SG_IMAGE_REPORT=FILE writes) the sizes.
#
#   tests/deploy/image_contents.sh      ($SG_IMAGE, default seccomp-guard:test)
#
# The contents check asks this machine's dpkg which package ships each
# library (it has them: it built the binary). Exit 77 means skipped.
set -eu
cd "$(dirname "$0")/../.."

IMAGE=${SG_IMAGE:-seccomp-guard:test}
name=image-contents
work=$(mktemp -d /var/tmp/seccomp-guard-image.XXXXXX)
mounted=""
cleanup() {
    [ -z "$mounted" ] || podman image unmount "$IMAGE" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
. ./scripts/containers.sh
need_root
podman image exists "$IMAGE" || die "no image $IMAGE: run scripts/image first"

words() { # lines -> one line of words
    echo "$1" | tr '\n' ' ' | sed 's/ *$//'
}

# The image's own files, checked against what its binary needs. The image
# is FROM scratch, so every file in it is one the Dockerfile put there on
# purpose: the binary, the libraries of its NEEDED closure and the dynamic
# loader, and the licence files of the Debian packages those come from.
# Anything missing fails at start-up in the cluster (or makes the image not
# redistributable); anything extra is dead weight. Sets $direct_packages
# (the packages of the binary's own NEEDED entries, libc6 left out), and
# $bin_bytes, $lib_count, $lib_bytes, $doc_count, $doc_bytes for the report.
BIN=/usr/local/bin/seccomp-guard

in_image() { # ROOT PATH -> PATH with symlinks resolved inside ROOT
    p=$2 n=0
    while [ -L "$1$p" ]; do
        t=$(readlink "$1$p")
        case $t in /*) p=$t ;; *) p=${p%/*}/$t ;; esac
        n=$((n + 1))
        [ $n -lt 20 ] || die "a symlink loop at $2 in the image"
    done
    echo "$p"
}

find_lib() { # ROOT SONAME -> where the loader finds it in ROOT, or nothing
    for d in $dirs; do
        if [ -e "$1$d/$2" ]; then echo "$d/$2"; return; fi
    done
}

needed() { # FILE -> its NEEDED sonames, one per line
    readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}

owner() { # PATH -> the Debian package that ships it (dpkg knows /lib or /usr/lib)
    o=$(dpkg -S "$1" 2>/dev/null || dpkg -S "${1#/usr}" 2>/dev/null) ||
        die "no package on this machine owns $1 (is it installed here? scripts/setup)"
    echo "${o%%:*}"
}

check_contents() { # ROOT
    root=$1
    [ -f "$root$BIN" ] || die "the image has no $BIN"
    interp=$(readelf -l "$root$BIN" | sed -n 's/.*\[Requesting program interpreter: \(.*\)\]$/\1/p')
    [ -n "$interp" ] || die "$BIN names no dynamic loader"
    [ -f "$root$(in_image "$root" "$interp")" ] || die "the image lacks the dynamic loader $interp"
    # The loader finds libraries in the multiarch and the plain lib directories.
    dirs=""
    for d in "$root"/lib/*-linux-* "$root"/usr/lib/*-linux-* "$root/lib" "$root/usr/lib"; do
        [ ! -d "$d" ] || dirs="$dirs ${d#"$root"}"
    done

    keep="$BIN
$interp
$(in_image "$root" "$interp")"
    owners=$(owner "$interp")
    # Breadth-first from the binary: each soname once; the loader's own
    # soname (libc and others name it) is the loader already kept.
    queue=$BIN seen=" ${interp##*/} " missing=""
    while [ -n "$queue" ]; do
        file=$(echo "$queue" | head -n 1)
        queue=$(echo "$queue" | tail -n +2)
        for soname in $(needed "$root$file"); do
            case $seen in *" $soname "*) continue ;; esac
            seen="$seen$soname "
            found=$(find_lib "$root" "$soname")
            [ -n "$found" ] || { missing="$missing $soname (needed by $file)"; continue; }
            real=$(in_image "$root" "$found")
            keep="$keep
$found
$real"
            owners="$owners
$(owner "$found")"
            queue="$queue${queue:+
}$real"
        done
    done
    [ -z "$missing" ] || die "the image lacks$missing"
    owners=$(echo "$owners" | sort -u)

    # The packages of the binary's own NEEDED entries, for the Dockerfile's list.
    direct_packages=""
    for soname in $(needed "$root$BIN"); do
        [ "$soname" != "${interp##*/}" ] || continue
        pkg=$(owner "$(find_lib "$root" "$soname")")
        [ "$pkg" = libc6 ] || direct_packages="$direct_packages
$pkg"
    done
    direct_packages=$(echo "$direct_packages" | grep . | sort -u)

    # One copyright file per package, and the common licences they refer to
    # (the GPL and LGPL texts, which their terms say must go along).
    for pkg in $owners; do
        f=/usr/share/doc/$pkg/copyright
        [ -f "$root$f" ] || die "the image ships files from $pkg but not its $f"
        keep="$keep
$f"
    done
    refs=""
    for pkg in $owners; do
        refs="$refs
$(grep -o '/usr/share/common-licenses/[A-Za-z0-9.+-]*[A-Za-z0-9+]' "$root/usr/share/doc/$pkg/copyright" || true)"
    done
    for name in $(echo "$refs" | sort -u); do
        # Referred to but not a licence Debian ships (or a directory).
        [ -f "$name" ] || [ -f "$root$name" ] || continue
        [ -e "$root$name" ] || die "the image lacks $name, which a copyright file it ships refers to"
        keep="$keep
$name
$(in_image "$root" "$name")"
    done

    keep=$(echo "$keep" | sort -u)
    shipped=$(cd "$root" && find . -mindepth 1 ! -type d | sed 's|^\.||' | sort)
    extra=$(echo "$shipped" | grep -vxF "$keep" || true)
    [ -z "$extra" ] || die "the image ships $(words "$extra"), which is neither the binary, nor in its NEEDED closure, nor a licence file of what is"

    libs=$(echo "$keep" | grep -v "^$BIN$" | grep -v '^/usr/share/' || true)
    docs=$(echo "$keep" | grep '^/usr/share/' || true)
    lib_count=0 lib_bytes=0 doc_count=0 doc_bytes=0
    for f in $libs; do
        [ -L "$root$f" ] || { lib_count=$((lib_count + 1)); lib_bytes=$((lib_bytes + $(stat -c %s "$root$f"))); }
    done
    for f in $docs; do
        [ -L "$root$f" ] || { doc_count=$((doc_count + 1)); doc_bytes=$((doc_bytes + $(stat -c %s "$root$f"))); }
    done
    bin_bytes=$(stat -c %s "$root$BIN")
    say "contents: $BIN, $lib_count shared objects (its NEEDED closure and the loader), $doc_count licence files (of $(words "$owners")); nothing else"
}

check() {
    user=$(buildah inspect --type image --format '{{.OCIv1.Config.User}}' "$IMAGE")
    entry=$(podman image inspect --format '{{json .Config.Entrypoint}}' "$IMAGE")
    [ "$user" = "65532:65532" ] || die "image user is '$user', want 65532:65532"
    [ "$entry" = '["seccomp-guard","serve"]' ] || die "image entrypoint is $entry, want [\"seccomp-guard\",\"serve\"]"

    version=$(podman run --rm --network none --entrypoint seccomp-guard "$IMAGE" --version) ||
        die "the binary does not start in the image"
    say "starts: $version (user $user)"

    mounted=$(podman image mount "$IMAGE") || die "podman image mount $IMAGE failed"
    check_contents "$mounted"
    podman image unmount "$IMAGE" >/dev/null
    mounted=""

    # The Dockerfile's list against what the binary links: a missing one
    # fails the build (ldd in the runtime stage), an extra one is a lie.
    listed=$(sed -n 's/^ARG RUNTIME_PACKAGES="\(.*\)"$/\1/p' Dockerfile | tr ' ' '\n' | grep . | sort -u) ||
        die "Dockerfile: no ARG RUNTIME_PACKAGES=\"...\" line"
    missing=$(echo "$direct_packages" | grep -vxF "$listed" || true)
    extra=$(echo "$listed" | grep -vxF "$direct_packages" || true)
    [ -z "$missing" ] || die "the binary links libraries from $(words "$missing") which the Dockerfile does not install"
    [ -z "$extra" ] || die "the Dockerfile installs $(words "$extra"), which the binary does not link"
    say "runtime packages: $(words "$listed")"

    bytes=$(podman image inspect --format '{{.Size}}' "$IMAGE")
    podman save -q --format oci-archive -o "$work/image.tar" "$IMAGE" >/dev/null
    gz=$(gzip -c "$work/image.tar" | wc -c)
    rm -f "$work/image.tar"
    line="image size: $IMAGE $(size_mib "$bytes") ($bytes bytes) unpacked, $(size_mib "$gz") gzipped;"
    line="$line from scratch: the binary $(size_mib "$bin_bytes"), $lib_count shared objects $(size_mib "$lib_bytes"),"
    line="$line $doc_count licence files $(size_mib "$doc_bytes")"
    say "$line"
    # ctest shows a passing test's output to nobody: scripts/test prints this.
    [ -z "${SG_IMAGE_REPORT:-}" ] || echo "$line" >"$SG_IMAGE_REPORT"
}

check
