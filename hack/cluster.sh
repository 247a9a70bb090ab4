#!/usr/bin/env bash
# Start or stop a local Kubernetes control plane (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kwok) from the pinned binaries.
#
#   hack/cluster.sh up [NAME]        start (or reuse) cluster NAME; last line: export KUBECONFIG=...
#   hack/cluster.sh down [NAME]      stop its processes and remove its state
#   hack/cluster.sh kubeconfig [NAME]
#   hack/cluster.sh hold COMPONENT [NAME]     stop one component and keep it stopped
#   hack/cluster.sh release COMPONENT [NAME]  let the supervisor start it again
#
# Ports are ephemeral ports the OS picked at random, everything binds to 127.0.0.1, and
# creations are serialised by a machine-wide lock, so several clusters can run side by
# side; a component that still lost its port is found by the health check and the cluster
# is created again.
# `up` checks every component's process and the nodes' readiness, also when it finds the
# cluster already running, and repairs or recreates it. A supervisor (hack/supervise.sh)
# restarts components that exit (kube-controller-manager and kube-scheduler exit after an
# API server outage of about 10 s), except those a test holds. State lives in
# $GITOPSD_CLUSTER_ROOT/NAME (default: .work/clusters/NAME in the repository).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
action="${1:-up}"
if [[ "$action" == hold || "$action" == release ]]; then
    component="${2:?usage: $0 $action COMPONENT [NAME]}"
    name="${3:-${GITOPSD_CLUSTER_NAME:-gitopsd}}"
else
    name="${2:-${GITOPSD_CLUSTER_NAME:-gitopsd}}"
fi
nodes="${GITOPSD_CLUSTER_NODES:-2}"
root="${GITOPSD_CLUSTER_ROOT:-$repo/.work/clusters}"
state="$root/$name"
kubeconfig="$state/kubeconfig"
export KWOK_WORKDIR="$state/kwok"
pids="$KWOK_WORKDIR/clusters/$name/pids"
components=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok-controller)
create_lock="${TMPDIR:-/tmp}/gitopsd-cluster-create.lock"

log() { printf '[cluster %s] %s\n' "$name" "$*" >&2; }

bin_dir="$("$here/build-testbed.sh" --print-bin-dir)"
export PATH="$bin_dir:$PATH"

k() { kubectl --kubeconfig "$kubeconfig" --request-timeout=5s "$@"; }

# component_alive NAME: its pid file names a running process.
component_alive() {
    local pid
    pid="$(cat "$pids/$1.pid" 2>/dev/null)" || return 1
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

dead_components() {
    local c
    for c in "${components[@]}"; do
        component_alive "$c" || printf '%s ' "$c"
    done
}

ready_nodes() { k get nodes --no-headers 2>/dev/null | grep -c ' Ready' || true; }

# healthy [SECONDS]: every component runs, the API server is ready and the nodes are Ready,
# within SECONDS.
healthy() {
    local deadline=$(( $(date +%s) + ${1:-0} ))
    while true; do
        if [[ -z "$(dead_components)" ]] && k get --raw /readyz >/dev/null 2>&1 \
            && [[ "$(ready_nodes)" -ge "$nodes" ]]; then
            return 0
        fi
        (( $(date +%s) < deadline )) || return 1
        sleep 0.5
    done
}

start_supervisor() {
    if [[ -f "$state/supervisor.pid" ]] && kill -0 "$(cat "$state/supervisor.pid")" 2>/dev/null; then
        return
    fi
    setsid nohup "$here/supervise.sh" "$name" "$state" >>"$state/supervisor.log" 2>&1 </dev/null &
    echo $! >"$state/supervisor.pid"
}

stop_supervisor() {
    if [[ -f "$state/supervisor.pid" ]]; then
        kill "$(cat "$state/supervisor.pid")" 2>/dev/null || true
        rm -f "$state/supervisor.pid"
    fi
}

remove_cluster() {
    stop_supervisor
    kwokctl --name "$name" delete cluster --kubeconfig "$kubeconfig" >/dev/null 2>&1 || true
    # Belt and braces: anything still running from this cluster's directory.
    pkill -f -- "$KWOK_WORKDIR" 2>/dev/null || true
    rm -rf "$state"
}

create_cluster() {
    for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok kwokctl kubectl; do
        [[ -x "$bin_dir/$b" ]] || { log "missing $bin_dir/$b: run hack/build-testbed.sh (make testbed)"; exit 1; }
    done
    mkdir -p "$state"
    cat >"$state/kwokctl.yaml" <<YAML
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  runtime: binary
  bindAddress: 127.0.0.1
  kubectlBinary: $bin_dir/kubectl
YAML
    # The OS hands out ephemeral ports at random from a wide range; kwokctl's own choice
    # counts down from a fixed port, so clusters started close together collide on it.
    local ports
    ports="$(python3 -c 'import socket
sockets = [socket.socket() for _ in range(5)]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in sockets))')"
    read -r port_api port_etcd port_kcm port_scheduler port_kwok <<<"$ports"
    log "creating (binaries from $bin_dir)"
    # Ports are chosen and bound under the lock; the lock is released once every component
    # answers, so a second cluster cannot pick a port this one is about to bind. The
    # components must not inherit the lock's descriptor (9>&-), or they would hold it for
    # as long as they run.
    (
        flock 9
        kwokctl --name "$name" -c "$state/kwokctl.yaml" create cluster \
            --runtime binary \
            --kubeconfig "$kubeconfig" \
            --etcd-binary "$bin_dir/etcd" \
            --kube-apiserver-binary "$bin_dir/kube-apiserver" \
            --kube-controller-manager-binary "$bin_dir/kube-controller-manager" \
            --kube-scheduler-binary "$bin_dir/kube-scheduler" \
            --kwok-controller-binary "$bin_dir/kwok" \
            --kube-apiserver-port "$port_api" --etcd-port "$port_etcd" \
            --kube-controller-manager-port "$port_kcm" --kube-scheduler-port "$port_scheduler" \
            --controller-port "$port_kwok" \
            --extra-args kube-apiserver=advertise-address=127.0.0.1 \
            --extra-args kube-apiserver=endpoint-reconciler-type=none \
            --wait 120s >"$state/create.log" 2>&1 9>&- || exit 1
        kwokctl --name "$name" scale node --replicas "$nodes" >>"$state/create.log" 2>&1 || exit 1
        healthy 60
    ) 9>"$create_lock"
}

case "$action" in
up)
    start=$(date +%s)
    if [[ -f "$kubeconfig" ]]; then
        rm -rf "$state/hold"  # whoever asks for the cluster wants all of it
        if ! healthy 0; then
            log "found, but not healthy (stopped: $(dead_components)); starting what stopped"
            kwokctl --name "$name" start cluster >>"$state/create.log" 2>&1 || true
        fi
        if healthy 90; then
            log "already running"
            start_supervisor
        else
            log "could not repair it (stopped: $(dead_components)); recreating"
            remove_cluster
        fi
    elif [[ -d "$state" ]]; then
        log "removing stale state"
        remove_cluster
    fi
    if [[ ! -f "$kubeconfig" ]]; then
        created=0
        for attempt in 1 2 3; do
            if create_cluster; then
                created=1
                break
            fi
            log "attempt $attempt failed (stopped: $(dead_components)); the end of its log:"
            tail -n 15 "$state/create.log" >&2 || true
            remove_cluster
        done
        [[ $created == 1 ]] || { log "could not start a healthy cluster"; exit 1; }
        start_supervisor
        # The default ServiceAccount appears asynchronously; pods need it.
        for _ in $(seq 1 120); do
            k -n default get serviceaccount default >/dev/null 2>&1 && break
            sleep 0.5
        done
    fi
    log "ready in $(( $(date +%s) - start ))s ($nodes nodes)"
    echo "export KUBECONFIG=$kubeconfig"
    ;;
down)
    if [[ -d "$state" ]]; then
        remove_cluster
        log "deleted"
    else
        log "not running"
    fi
    ;;
kubeconfig)
    echo "$kubeconfig"
    ;;
hold)
    mkdir -p "$state/hold"
    touch "$state/hold/$component"
    if component_alive "$component"; then
        pid="$(cat "$pids/$component.pid")"
        kill "$pid"
        for _ in $(seq 1 50); do component_alive "$component" || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true  # the API server drains for up to a minute
        for _ in $(seq 1 50); do component_alive "$component" || break; sleep 0.1; done
    fi
    log "$component stopped and held"
    ;;
release)
    rm -f "$state/hold/$component"
    log "$component released"
    ;;
*)
    echo "usage: $0 up|down|kubeconfig [NAME] | hold|release COMPONENT [NAME]" >&2
    exit 2
    ;;
esac
