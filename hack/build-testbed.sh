#!/usr/bin/env bash
# Build (or reuse) the pinned control-plane and tool binaries from the Go module proxy.
#
#   hack/build-testbed.sh [--for demo|test] [COMPONENT...]
#   hack/build-testbed.sh --print-bin-dir
#
# Components: kubernetes (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl),
# etcd, kwok (kwok, kwokctl), kustomize, helm, promtool, hydra (Ory Hydra, the OpenID
# Connect provider of the SSO tests), registry (the CNCF distribution registry, for OCI
# chart tests; in its own directory, `--print-registry-bin` names it). `--for demo` builds
# what `make demo` needs (everything but promtool, hydra and registry); `--for test` (the
# default) builds everything the tests use. Missing components build at the same time,
# each into its own log; Go's module download and the link steps overlap the compiles,
# which is where the time goes on two cores.
#
# Output: binaries in "$(hack/build-testbed.sh --print-bin-dir)". Idempotent and resumable:
# a component is built only when a binary is missing or reports the wrong version; Go's
# module and build caches make an interrupted build resume where it stopped.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=testbed-versions.env
source "$here/testbed-versions.env"

export GOTOOLCHAIN=local
export CGO_ENABLED=0
export GOFLAGS="-mod=mod"

cache_root="${GITOPSD_CACHE:-$HOME/.cache/gitopsd}"
# The key names the versions of the big builds only. Tools that are quick to build (hydra)
# share the directory and are rebuilt alone when their binary reports another version, so
# bumping one of them never rebuilds Kubernetes.
key="k8s-${KUBERNETES_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}_kustomize-${KUSTOMIZE_VERSION}_helm-${HELM_VERSION}_prom-${PROMETHEUS_VERSION}"
bin_dir="$cache_root/testbed/$key/bin"
work_dir="$cache_root/testbed/$key/work"
# The registry has its own directory and key, so bumping it never rebuilds Kubernetes.
registry_dir="$cache_root/testbed/registry-${DISTRIBUTION_VERSION}/bin"

demo_components=(kubernetes etcd kwok kustomize helm)
test_components=("${demo_components[@]}" promtool hydra registry)

purpose=test
wanted=()
while [[ $# -gt 0 ]]; do
    case "$1" in
    --print-bin-dir) echo "$bin_dir"; exit 0 ;;
    --print-registry-bin) echo "$registry_dir/registry"; exit 0 ;;
    --for) purpose="$2"; shift 2 ;;
    --for=*) purpose="${1#--for=}"; shift ;;
    -*) echo "usage: $0 [--print-bin-dir] [--for demo|test] [COMPONENT...]" >&2; exit 2 ;;
    *) wanted+=("$1"); shift ;;
    esac
done
if [[ ${#wanted[@]} -eq 0 ]]; then
    case "$purpose" in
    demo) wanted=("${demo_components[@]}") ;;
    test) wanted=("${test_components[@]}") ;;
    *) echo "unknown purpose $purpose (demo or test)" >&2; exit 2 ;;
    esac
fi
if [[ "${GITOPSD_SKIP_PROMTOOL:-}" == 1 ]]; then
    wanted=("${wanted[@]/promtool/}")
fi

mkdir -p "$bin_dir" "$work_dir/logs"
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

build_go_install() {
    local pkg="$1" version="$2"
    shift 2
    GOBIN="$bin_dir" go install -trimpath "$@" "$pkg@$version"
}

# --- one function per component: cached_X (true when nothing to do) and build_X ---------
cached_kwok() { has_version kwokctl "$KWOK_VERSION" --version && has_version kwok "$KWOK_VERSION" --version; }
build_kwok() {
    check_module sigs.k8s.io/kwok "$KWOK_VERSION"
    local ld="-X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v} -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${KUBERNETES_VERSION}"
    build_go_install sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION" -ldflags "$ld"
    build_go_install sigs.k8s.io/kwok/cmd/kwokctl "$KWOK_VERSION" -ldflags "$ld"
}

cached_kustomize() { has_version kustomize "$KUSTOMIZE_VERSION" version; }
build_kustomize() {
    check_module sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION"
    build_go_install sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION" \
        -ldflags "-X sigs.k8s.io/kustomize/api/provenance.version=${KUSTOMIZE_VERSION}"
}

cached_helm() { has_version helm "$HELM_VERSION" version --short; }
build_helm() {
    check_module helm.sh/helm/v3 "$HELM_VERSION"
    local minor="${KUBERNETES_VERSION#v1.}"; minor="${minor%%.*}"
    local ld="-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION} -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
    ld+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${minor}"
    ld+=" -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${minor}"
    build_go_install helm.sh/helm/v3/cmd/helm "$HELM_VERSION" -ldflags "$ld"
}

# etcd's go.mod has replace lines, so it is built through a wrapper module.
cached_etcd() { has_version etcd "${ETCD_VERSION#v}" --version; }
build_etcd() {
    check_module go.etcd.io/etcd/server/v3 "$ETCD_VERSION"
    local wrap="$work_dir/etcd"
    mkdir -p "$wrap"
    cat >"$wrap/go.mod" <<GOMOD
module gitopsd.local/etcdwrap

go 1.26.0

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
GOMOD
    (cd "$wrap" && go mod download go.etcd.io/etcd/server/v3 \
        && go build -trimpath -o "$bin_dir/etcd" \
            -ldflags "-X go.etcd.io/etcd/api/v3/version.GitSHA=release" go.etcd.io/etcd/server/v3)
}

# Kubernetes requires its staging modules at v0.0.0 and replaces them with local paths; a
# wrapper module replaces each with its published tag, derived from the release's own go.mod
# so a version bump cannot miss one. The four programs build in one `go build` so shared
# packages compile once.
cached_kubernetes() {
    local b
    for b in kube-apiserver kube-controller-manager kube-scheduler; do
        has_version "$b" "$KUBERNETES_VERSION" --version || return 1
    done
    has_version kubectl "$KUBERNETES_VERSION" version --client
}
build_kubernetes() {
    check_module k8s.io/kubernetes "$KUBERNETES_VERSION"
    local wrap="$work_dir/kubernetes" staging_version="v0.${KUBERNETES_VERSION#v1.}" gomod_path
    mkdir -p "$wrap"
    gomod_path="$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
    [[ -f "$gomod_path" ]] || die "could not download the go.mod of k8s.io/kubernetes@$KUBERNETES_VERSION"
    local staging
    mapfile -t staging < <(sed -n 's#^[[:space:]]*\(k8s.io/[^[:space:]]*\) => ./staging/src/.*#\1#p' "$gomod_path" | sort -u)
    [[ ${#staging[@]} -gt 20 ]] || die "found only ${#staging[@]} staging modules in $gomod_path"
    echo "kubernetes: ${#staging[@]} staging modules replaced with $staging_version"
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
    local minor="${KUBERNETES_VERSION#v1.}" ld="" pkg
    minor="${minor%%.*}"
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        ld+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
        ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=2026-01-01T00:00:00Z"
    done
    (cd "$wrap" && go build -trimpath -tags notest -ldflags "$ld" -o "$bin_dir/" \
        k8s.io/kubernetes/cmd/kube-apiserver \
        k8s.io/kubernetes/cmd/kube-controller-manager \
        k8s.io/kubernetes/cmd/kube-scheduler \
        k8s.io/kubernetes/cmd/kubectl)
}

# promtool checks the metrics exposition and runs the alert-rule tests; the demo needs none.
cached_promtool() { has_version promtool "" --version; }
build_promtool() {
    check_module github.com/prometheus/prometheus "$PROMETHEUS_VERSION"
    build_go_install github.com/prometheus/prometheus/cmd/promtool "$PROMETHEUS_VERSION"
}

# Ory Hydra, the OpenID Connect provider the SSO tests sign in through (in memory:
# DSN=memory needs SQLite, so this one build uses cgo with the `sqlite` tag). Its go.mod
# has replace lines, so it is built through a wrapper module that repeats those pointing
# at published modules; the one pointing into Hydra's own tree (its generated API client)
# falls back to the published client the release requires.
cached_hydra() { has_version hydra "$HYDRA_VERSION" version; }
build_hydra() {
    check_module github.com/ory/hydra/v2 "$HYDRA_VERSION"
    local wrap="$work_dir/hydra" gomod_path
    mkdir -p "$wrap"
    gomod_path="$(go mod download -json "github.com/ory/hydra/v2@$HYDRA_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
    [[ -f "$gomod_path" ]] || die "could not download the go.mod of github.com/ory/hydra/v2@$HYDRA_VERSION"
    {
        echo "module gitopsd.local/hydrawrap"
        echo
        echo "go 1.26.0"
        echo
        echo "require github.com/ory/hydra/v2 $HYDRA_VERSION"
        echo
        grep -E '^replace [^ ]+ => [^ .][^ ]* v[0-9]' "$gomod_path" || true
    } >"$wrap/go.mod"
    cat >"$wrap/tools.go" <<'GO'
// Package hydrawrap only exists so the wrapper module can build Ory Hydra.
package hydrawrap
GO
    (cd "$wrap" && CGO_ENABLED=1 go build -trimpath -tags sqlite -o "$bin_dir/hydra" \
        -ldflags "-X github.com/ory/hydra/v2/driver/config.Version=$HYDRA_VERSION" \
        github.com/ory/hydra/v2)
}

# The OCI registry the chart tests push to and pull from; nothing else needs it.
cached_registry() { [[ -x "$registry_dir/registry" ]] && "$registry_dir/registry" --version 2>&1 | grep -q -- "$DISTRIBUTION_VERSION"; }
build_registry() {
    check_module github.com/distribution/distribution/v3 "$DISTRIBUTION_VERSION"
    mkdir -p "$registry_dir"
    GOBIN="$registry_dir" go install -trimpath \
        -ldflags "-X github.com/distribution/distribution/v3/version.version=${DISTRIBUTION_VERSION}" \
        "github.com/distribution/distribution/v3/cmd/registry@$DISTRIBUTION_VERSION"
}

# --- run the missing builds side by side ------------------------------------------------
declare -A jobs=()
for component in "${wanted[@]}"; do
    [[ -n "$component" ]] || continue
    declare -F "build_$component" >/dev/null || die "unknown component $component"
    if "cached_$component"; then
        log "$component: cached"
        continue
    fi
    logfile="$work_dir/logs/$component.log"
    log "building $component (log: $logfile) ..."
    ( t0=$(date +%s); "build_$component"; echo "built in $(( $(date +%s) - t0 ))s" ) >"$logfile" 2>&1 &
    jobs[$component]=$!
done

# Report each build as it ends (wait -n), so progress shows while the long ones go on.
declare -A names=()
for component in "${!jobs[@]}"; do names[${jobs[$component]}]=$component; done
failed=()
while [[ ${#names[@]} -gt 0 ]]; do
    status=0
    wait -n -p finished "${!names[@]}" || status=$?
    component="${names[$finished]}"
    unset "names[$finished]"
    if [[ $status -eq 0 ]]; then
        log "$component: $(tail -n 1 "$work_dir/logs/$component.log")"
    else
        failed+=("$component")
        log "$component FAILED; the end of its log:"
        tail -n 25 "$work_dir/logs/$component.log" >&2
    fi
done
[[ ${#failed[@]} -eq 0 ]] || die "building ${failed[*]} failed"

log "binaries for $purpose ready in $bin_dir ($(( $(date +%s) - start_all ))s)"
echo "$bin_dir"
