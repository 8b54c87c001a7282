# seccomp-guard's container image, in two stages on debian:bookworm-slim.
# The build stage builds with scripts/build, the same script the README and
# CI use; the run stage holds the binary and the shared libraries it links,
# nothing else, and runs as a numeric non-root user. scripts/image builds
# and smoke-tests it without a Docker engine (buildah, podman, runc).
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

FROM debian:bookworm-slim
LABEL org.opencontainers.image.title="seccomp-guard" \
      org.opencontainers.image.description="Kubernetes admission webhook for seccomp profiles and Linux capabilities"
# The packages of the shared libraries the binary links (libc6 is in the
# base); apt brings what those need. scripts/image checks this list against
# the binary's NEEDED entries: nothing missing, nothing extra.
ARG RUNTIME_PACKAGES="libcjson1 libyaml-0-2 libmicrohttpd12 libgnutls30 libssl3"
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $RUNTIME_PACKAGES \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log
COPY --from=build /src/build/seccomp-guard /usr/local/bin/seccomp-guard
# Fails the build here, not in the cluster, if a library is missing.
RUN ["/usr/local/bin/seccomp-guard", "--version"]

# The Deployment says the same (runAsUser/runAsGroup 65532): a numeric user,
# so runAsNonRoot can be checked by the kubelet without an /etc/passwd entry.
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["seccomp-guard", "serve"]
CMD ["--policy", "/etc/seccomp-guard/policy/policy.yaml", \
     "--tls-cert", "/etc/seccomp-guard/tls/tls.crt", \
     "--tls-key", "/etc/seccomp-guard/tls/tls.key"]
