#!/usr/bin/env bash
# Build (or reuse) the pinned control-plane and tool binaries from the Go module proxy.
#
# Output: binaries in "$(hack/build-testbed.sh --print-bin-dir)". Idempotent and resumable:
# each binary is built only when it is missing or reports the wrong version; Go's module
# and build caches make an interrupted build resume where it stopped.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=testbed-versions.env
source "$here/testbed-versions.env"

export GOTOOLCHAIN=local
export CGO_ENABLED=0
export GOFLAGS="-mod=mod"

cache_root="${GITOPSD_CACHE:-$HOME/.cache/gitopsd}"
key="k8s-${KUBERNETES_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}_kustomize-${KUSTOMIZE_VERSION}_helm-${HELM_VERSION}_prom-${PROMETHEUS_VERSION}"
bin_dir="$cache_root/testbed/$key/bin"
work_dir="$cache_root/testbed/$key/work"

if [[ "${1:-}" == "--print-bin-dir" ]]; then
    echo "$bin_dir"
    exit 0
fi

mkdir -p "$bin_dir" "$work_dir"
start_all=$(date +%s)

log() { printf '[testbed %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[testbed] ERROR: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null || die "the Go toolchain is required (go >= 1.26 on PATH)"

# has_version BINARY EXPECTED ARGS... : true when BINARY exists and its version output
# contains EXPECTED.
has_version() {
    local binary="$1" expected="$2"
    shift 2
    [[ -x "$bin_dir/$binary" ]] && "$bin_dir/$binary" "$@" 2>&1 | grep -q -- "$expected"
}

# check_module MODULE VERSION: fail with a clear message when the proxy lacks it.
check_module() {
    local module="$1" version="$2"
    if ! go list -m -json "$module@$version" >/dev/null 2>&1; then
        die "module $module@$version is not available from the Go module proxy ($(go env GOPROXY)); pick a neighbouring version in hack/testbed-versions.env"
    fi
}

timed() {
    local what="$1"
    shift
    local t0
    t0=$(date +%s)
    log "building $what ..."
    "$@" || die "building $what failed"
    log "built $what in $(( $(date +%s) - t0 ))s"
}

build_go_install() {
    local pkg="$1" version="$2"
    shift 2
    GOBIN="$bin_dir" go install -trimpath "$@" "$pkg@$version"
}

# --- kwok, kwokctl ---------------------------------------------------------------------
if has_version kwokctl "$KWOK_VERSION" --version && has_version kwok "$KWOK_VERSION" --version; then
    log "kwok $KWOK_VERSION: cached"
else
    check_module sigs.k8s.io/kwok "$KWOK_VERSION"
    kwok_ld="-X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v} -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${KUBERNETES_VERSION}"
    timed "kwok $KWOK_VERSION" build_go_install sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION" -ldflags "$kwok_ld"
    timed "kwokctl $KWOK_VERSION" build_go_install sigs.k8s.io/kwok/cmd/kwokctl "$KWOK_VERSION" -ldflags "$kwok_ld"
fi

# --- kustomize -------------------------------------------------------------------------
if has_version kustomize "$KUSTOMIZE_VERSION" version; then
    log "kustomize $KUSTOMIZE_VERSION: cached"
else
    check_module sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION"
    timed "kustomize $KUSTOMIZE_VERSION" build_go_install sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION" \
        -ldflags "-X sigs.k8s.io/kustomize/api/provenance.version=${KUSTOMIZE_VERSION}"
fi

# --- helm ------------------------------------------------------------------------------
if has_version helm "$HELM_VERSION" version --short; then
    log "helm $HELM_VERSION: cached"
else
    check_module helm.sh/helm/v3 "$HELM_VERSION"
    k8s_minor="${KUBERNETES_VERSION#v1.}"; k8s_minor="${k8s_minor%%.*}"
    helm_ld="-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION} -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
    helm_ld+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${k8s_minor}"
    helm_ld+=" -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${k8s_minor}"
    timed "helm $HELM_VERSION" build_go_install helm.sh/helm/v3/cmd/helm "$HELM_VERSION" -ldflags "$helm_ld"
fi

# --- etcd (its go.mod has replace lines, so build it through a wrapper module) ----------
if has_version etcd "${ETCD_VERSION#v}" --version; then
    log "etcd $ETCD_VERSION: cached"
else
    check_module go.etcd.io/etcd/server/v3 "$ETCD_VERSION"
    wrap="$work_dir/etcd"
    mkdir -p "$wrap"
    cat >"$wrap/go.mod" <<GOMOD
module gitopsd.local/etcdwrap

go 1.26.0

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
GOMOD
    build_etcd() {
        (cd "$wrap" && go mod download go.etcd.io/etcd/server/v3 \
            && go build -trimpath -o "$bin_dir/etcd" \
                -ldflags "-X go.etcd.io/etcd/api/v3/version.GitSHA=release" go.etcd.io/etcd/server/v3)
    }
    timed "etcd $ETCD_VERSION" build_etcd
fi

# --- kubernetes: kube-apiserver, kube-controller-manager, kube-scheduler, kubectl ------
k8s_bins=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
k8s_cached=1
for b in "${k8s_bins[@]}"; do
    has_version "$b" "$KUBERNETES_VERSION" --version || k8s_cached=0
done
if [[ $k8s_cached == 1 ]]; then
    log "kubernetes $KUBERNETES_VERSION: cached"
else
    check_module k8s.io/kubernetes "$KUBERNETES_VERSION"
    wrap="$work_dir/kubernetes"
    mkdir -p "$wrap"
    staging_version="v0.${KUBERNETES_VERSION#v1.}"
    gomod_path="$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
    [[ -f "$gomod_path" ]] || die "could not download the go.mod of k8s.io/kubernetes@$KUBERNETES_VERSION"
    mapfile -t staging < <(sed -n 's#^[[:space:]]*\(k8s.io/[^[:space:]]*\) => ./staging/src/.*#\1#p' "$gomod_path" | sort -u)
    [[ ${#staging[@]} -gt 20 ]] || die "found only ${#staging[@]} staging modules in $gomod_path"
    log "kubernetes: ${#staging[@]} staging modules replaced with $staging_version"
    {
        echo "module gitopsd.local/k8swrap"
        echo
        echo "go 1.26.0"
        echo
        echo "godebug default=go1.26"
        echo
        echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
        echo
        for m in "${staging[@]}"; do echo "replace $m => $m $staging_version"; done
    } >"$wrap/go.mod"
    cat >"$wrap/tools.go" <<'GO'
// Package k8swrap only exists so the wrapper module can build Kubernetes commands.
package k8swrap
GO
    minor="${KUBERNETES_VERSION#v1.}"; minor="${minor%%.*}"
    ld=""
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        ld+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
        ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=2026-01-01T00:00:00Z"
    done
    build_k8s() {
        (cd "$wrap" && go build -trimpath -tags notest -ldflags "$ld" -o "$bin_dir/" \
            k8s.io/kubernetes/cmd/kube-apiserver \
            k8s.io/kubernetes/cmd/kube-controller-manager \
            k8s.io/kubernetes/cmd/kube-scheduler \
            k8s.io/kubernetes/cmd/kubectl)
    }
    timed "kubernetes $KUBERNETES_VERSION (4 programs)" build_k8s
fi

# --- promtool (metrics exposition and alert-rule tests) --------------------------------
if [[ "${GITOPSD_SKIP_PROMTOOL:-}" == 1 ]]; then
    log "promtool: skipped (GITOPSD_SKIP_PROMTOOL=1)"
elif has_version promtool "" --version; then
    log "promtool: cached"
else
    check_module github.com/prometheus/prometheus "$PROMETHEUS_VERSION"
    timed "promtool $PROMETHEUS_VERSION" build_go_install github.com/prometheus/prometheus/cmd/promtool "$PROMETHEUS_VERSION"
fi

log "all binaries ready in $bin_dir ($(( $(date +%s) - start_all ))s)"
echo "$bin_dir"
