#!/usr/bin/env bash
# Start or stop a local Kubernetes control plane (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kwok) from the pinned binaries.
#
#   hack/cluster.sh up [NAME]     start (or reuse) cluster NAME; last line: export KUBECONFIG=...
#   hack/cluster.sh down [NAME]   stop its processes and remove its state
#   hack/cluster.sh kubeconfig [NAME]
#
# Every port is chosen free at random by kwokctl, and everything binds to 127.0.0.1, so
# several clusters can run side by side. State lives in $GITOPSD_CLUSTER_ROOT/NAME
# (default: .work/clusters/NAME in the repository).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
action="${1:-up}"
name="${2:-${GITOPSD_CLUSTER_NAME:-gitopsd}}"
nodes="${GITOPSD_CLUSTER_NODES:-2}"
root="${GITOPSD_CLUSTER_ROOT:-$repo/.work/clusters}"
state="$root/$name"
kubeconfig="$state/kubeconfig"
export KWOK_WORKDIR="$state/kwok"

log() { printf '[cluster %s] %s\n' "$name" "$*" >&2; }

bin_dir="$("$here/build-testbed.sh" --print-bin-dir)"
export PATH="$bin_dir:$PATH"

is_up() {
    [[ -f "$kubeconfig" ]] && kubectl --kubeconfig "$kubeconfig" --request-timeout=5s get --raw /readyz >/dev/null 2>&1
}

case "$action" in
up)
    start=$(date +%s)
    if is_up; then
        log "already running"
    else
        for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok kwokctl kubectl; do
            [[ -x "$bin_dir/$b" ]] || { log "missing $bin_dir/$b: run hack/build-testbed.sh (make testbed)"; exit 1; }
        done
        if [[ -d "$state" ]]; then
            log "removing stale state"
            kwokctl --name "$name" delete cluster --kubeconfig "$kubeconfig" >/dev/null 2>&1 || true
            rm -rf "$state"
        fi
        mkdir -p "$state"
        cat >"$state/kwokctl.yaml" <<YAML
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  runtime: binary
  bindAddress: 127.0.0.1
  kubectlBinary: $bin_dir/kubectl
YAML
        log "creating (binaries from $bin_dir)"
        kwokctl --name "$name" -c "$state/kwokctl.yaml" create cluster \
            --runtime binary \
            --kubeconfig "$kubeconfig" \
            --etcd-binary "$bin_dir/etcd" \
            --kube-apiserver-binary "$bin_dir/kube-apiserver" \
            --kube-controller-manager-binary "$bin_dir/kube-controller-manager" \
            --kube-scheduler-binary "$bin_dir/kube-scheduler" \
            --kwok-controller-binary "$bin_dir/kwok" \
            --extra-args kube-apiserver=advertise-address=127.0.0.1 \
            --extra-args kube-apiserver=endpoint-reconciler-type=none \
            --wait 120s >"$state/create.log" 2>&1 || { cat "$state/create.log" >&2; exit 1; }
        kwokctl --name "$name" scale node --replicas "$nodes" >>"$state/create.log" 2>&1
        for _ in $(seq 1 120); do
            ready=$(kubectl --kubeconfig "$kubeconfig" get nodes --no-headers 2>/dev/null | grep -c ' Ready' || true)
            [[ "$ready" -ge "$nodes" ]] && break
            sleep 0.5
        done
        [[ "$ready" -ge "$nodes" ]] || { log "nodes did not become Ready"; exit 1; }
        # The default ServiceAccount appears asynchronously; pods need it.
        for _ in $(seq 1 120); do
            kubectl --kubeconfig "$kubeconfig" -n default get serviceaccount default >/dev/null 2>&1 && break
            sleep 0.5
        done
    fi
    log "ready in $(( $(date +%s) - start ))s ($nodes nodes)"
    echo "export KUBECONFIG=$kubeconfig"
    ;;
down)
    if [[ -d "$state" ]]; then
        kwokctl --name "$name" delete cluster --kubeconfig "$kubeconfig" >/dev/null 2>&1 || true
        # Belt and braces: anything still running from this cluster's directory.
        pkill -f -- "$KWOK_WORKDIR" 2>/dev/null || true
        rm -rf "$state"
        log "deleted"
    else
        log "not running"
    fi
    ;;
kubeconfig)
    echo "$kubeconfig"
    ;;
*)
    echo "usage: $0 up|down|kubeconfig [NAME]" >&2
    exit 2
    ;;
esac
