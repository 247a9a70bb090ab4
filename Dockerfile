# The gitopsd controller image, as deploy/helm/gitopsd runs it.
#
#   docker build -t registry.example.com/gitopsd:0.1.0 .
#
# Three stages:
#   tools    builds kustomize and helm from the Go module proxy at the versions pinned in
#            hack/testbed-versions.env (the ones every test runs against; a unit test keeps
#            the ARG defaults below equal to that file), the same way hack/build-testbed.sh
#            builds them, so rendering in the cluster matches rendering in CI.
#   python   installs gitopsd and its dependencies into a virtualenv.
#   runtime  python:3.11-slim with git, the two tools and the virtualenv, running as the
#            unprivileged user 10001. The chart mounts emptyDirs on /tmp (HOME) and on the
#            Git cache, so the root filesystem can be read-only.

ARG KUBERNETES_VERSION=v1.36.3
ARG KUSTOMIZE_VERSION=v5.8.1
ARG HELM_VERSION=v3.22.0

FROM golang:1.26 AS tools
ARG KUBERNETES_VERSION
ARG KUSTOMIZE_VERSION
ARG HELM_VERSION
ENV CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod GOBIN=/out
RUN go install -trimpath \
        -ldflags "-X sigs.k8s.io/kustomize/api/provenance.version=${KUSTOMIZE_VERSION}" \
        "sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}"
# Without these ldflags helm reports an unknown version and assumes Kubernetes 1.20 for
# .Capabilities.KubeVersion when rendering offline.
RUN minor="${KUBERNETES_VERSION#v1.}" && minor="${minor%%.*}" && \
    go install -trimpath -ldflags "\
        -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION} \
        -X helm.sh/helm/v3/internal/version.gitTreeState=clean \
        -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 \
        -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${minor} \
        -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 \
        -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${minor}" \
        "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"

FROM python:3.11-slim AS python
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN python -m venv /opt/gitopsd && /opt/gitopsd/bin/pip install .

FROM python:3.11-slim
# git for fetching sources; openssh-client for ssh:// repositories; CA certificates for
# https:// ones.
RUN apt-get update \
    && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 gitopsd \
    && useradd --uid 10001 --gid 10001 --home-dir /tmp --no-create-home \
        --shell /usr/sbin/nologin gitopsd \
    && mkdir -p /var/cache/gitopsd && chown 10001:10001 /var/cache/gitopsd
COPY --from=tools /out/kustomize /out/helm /usr/local/bin/
COPY --from=python /opt/gitopsd /opt/gitopsd
ENV PATH=/opt/gitopsd/bin:$PATH \
    HOME=/tmp \
    GITOPSD_CACHE_DIR=/var/cache/gitopsd \
    PYTHONUNBUFFERED=1
USER 10001:10001
# 8082: metrics, /healthz and /readyz; 8083: Git host webhooks.
EXPOSE 8082 8083
ENTRYPOINT ["gitopsd", "run"]
