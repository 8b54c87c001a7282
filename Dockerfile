# seccomp-guard's container image. It builds on debian:bookworm-slim and
# runs from scratch: the build stage builds with scripts/build, the same
# script the README and CI use; the runtime stage installs the libraries the
# binary links and collects them; the final stage holds the binary, those
# libraries, the dynamic loader and the Debian licence files, nothing else,
# and runs as a numeric non-root user. scripts/image builds it without a
# Docker engine (buildah); tests/deploy/image_contents.sh and
# image_smoke.sh check and run it (podman, runc).
#
#   docker build -t seccomp-guard:0.1.0 .      (or: buildah bud, podman build)

# The build dependencies, in a stage of their own: it is rebuilt when the
# package lists change, not on every source edit. (.dockerignore leaves out
# scripts/deps/test/: what tests and benchmarks need is no build input.)
FROM debian:bookworm-slim AS deps
# On the build stages too, so scripts/image can prune their old layers.
LABEL org.opencontainers.image.title="seccomp-guard"
WORKDIR /src
COPY scripts/setup scripts/setup
COPY scripts/deps/ scripts/deps/
RUN ./scripts/setup

FROM deps AS build
COPY . .
# No tests in the image build: CI runs them on the same source.
RUN ./scripts/build -DSG_BUILD_TESTS=OFF \
 && strip --strip-unneeded build/seccomp-guard

# The packages of the shared libraries the binary links (libc6 is in the
# base), installed where ldd can find them; apt brings what those need.
# tests/deploy/image_contents.sh checks this list against the binary's
# NEEDED entries: nothing missing, nothing extra.
FROM debian:bookworm-slim AS runtime
LABEL org.opencontainers.image.title="seccomp-guard"
ARG RUNTIME_PACKAGES="libcjson1 libyaml-0-2 libssl3 libmicrohttpd12 libgnutls30 libseccomp2"
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $RUNTIME_PACKAGES \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log
COPY --from=build /src/build/seccomp-guard /rootfs/usr/local/bin/seccomp-guard
# /rootfs becomes the image: every library ldd lists (the whole NEEDED
# closure) at its real path with its soname link, the dynamic loader at its
# real path and at the path the binary names, and for each package these
# come from its copyright file and the common licences that file refers to.
# No configuration files: OpenSSL and glibc run on their defaults (no
# openssl.cnf, UTC without /etc/localtime, a numeric user without
# /etc/passwd), as on bookworm-slim, which had none of them either but an
# /etc/localtime saying UTC. No shell, no package
# manager, no CA bundle: the server trusts only the files it is given.
# The last step runs the binary in /rootfs alone: a library missing there
# fails the build, not the cluster.
RUN set -eu; \
    bin=/rootfs/usr/local/bin/seccomp-guard; \
    ldd "$bin" >/tmp/ldd; \
    if grep 'not found' /tmp/ldd >&2; then \
        echo "RUNTIME_PACKAGES lacks the package of a library above" >&2; exit 1; \
    fi; \
    ship() { mkdir -p "/rootfs${1%/*}" && cp -pL "$1" "/rootfs$1"; }; \
    interp=$(awk '$1 ~ /^\// { print $1 }' /tmp/ldd); \
    pkgs=""; \
    for path in $(awk '$2 == "=>" && $3 ~ /^\// { print $3 }' /tmp/ldd) "$interp"; do \
        real=$(readlink -f "$path"); \
        ship "$real"; \
        link=${real%/*}/${path##*/}; \
        [ "$link" = "$real" ] || ln -s "${real##*/}" "/rootfs$link"; \
        owner=$(dpkg -S "$real" 2>/dev/null || dpkg -S "${real#/usr}"); \
        pkgs="$pkgs ${owner%%:*}"; \
    done; \
    real=$(readlink -f "$interp"); \
    [ "$interp" = "$real" ] || { mkdir -p "/rootfs${interp%/*}" && ln -s "$real" "/rootfs$interp"; }; \
    for pkg in $(printf '%s\n' $pkgs | sort -u); do \
        ship "/usr/share/doc/$pkg/copyright"; \
    done; \
    for name in $(cat /rootfs/usr/share/doc/*/copyright \
                  | grep -o '/usr/share/common-licenses/[A-Za-z0-9.+-]*[A-Za-z0-9+]' | sort -u); do \
        [ -f "$name" ] || continue; \
        if [ -L "$name" ]; then \
            mkdir -p "/rootfs${name%/*}" && ln -s "$(readlink "$name")" "/rootfs$name"; \
            name=$(readlink -f "$name"); \
        fi; \
        [ -e "/rootfs$name" ] || ship "$name"; \
    done; \
    chroot /rootfs /usr/local/bin/seccomp-guard --version

FROM scratch
LABEL org.opencontainers.image.title="seccomp-guard" \
      org.opencontainers.image.description="Kubernetes admission webhook for seccomp profiles and Linux capabilities"
COPY --from=runtime /rootfs/ /
# Nothing else sets PATH in an image from scratch; the runtime looks the
# entrypoint up on it.
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# The Deployment says the same (runAsUser/runAsGroup 65532): a numeric user,
# so runAsNonRoot can be checked by the kubelet without an /etc/passwd entry.
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["seccomp-guard", "serve"]
CMD ["--policy", "/etc/seccomp-guard/policy/policy.yaml", \
     "--tls-cert", "/etc/seccomp-guard/tls/tls.crt", \
     "--tls-key", "/etc/seccomp-guard/tls/tls.key"]
