#!/usr/bin/env bash
# make demo: a local cluster, the CRDs, the controller, and the example guestbook
# Application from examples/ served by a local Git repository: synced, then healed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
work="$repo/.work/demo"
cluster="${GITOPSD_CLUSTER_NAME:-gitopsd}"
ns=gitopsd
app=guestbook-dev
target=guestbook-dev
export PATH="$("$here/build-testbed.sh" --print-bin-dir):$repo/.venv/bin:$PATH"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}s')" "$1" "$(now)"; }
wait_until() { # wait_until SECONDS DESCRIPTION COMMAND...
    local timeout="$1" what="$2"; shift 2
    local deadline=$(( $(date +%s) + timeout ))
    until "$@" >/dev/null 2>&1; do
        if (( $(date +%s) > deadline )); then
            echo "timed out waiting for $what" >&2
            tail -n 30 "$work/controller.log" >&2 || true
            exit 1
        fi
        sleep 0.2
    done
}
app_is() { # app_is SYNC HEALTH
    [[ "$(kubectl -n $ns get application $app -o jsonpath='{.status.sync.status}/{.status.health.status}')" == "$1/$2" ]]
}
image() { kubectl -n $target get deployment dev-guestbook -o jsonpath='{.spec.template.spec.containers[0].image}'; }

step "Local control plane"
t0=$(now)
eval "$("$here/cluster.sh" up "$cluster" | tail -n 1)"
echo "cluster ready in $(since "$t0")  (KUBECONFIG=$KUBECONFIG)"
kubectl get nodes

step "CRDs"
kubectl apply --server-side -f "$repo/crds" >/dev/null
kubectl wait --for=condition=Established crd --all --timeout=60s
kubectl create namespace $ns --dry-run=client -o yaml | kubectl apply -f - >/dev/null

step "A Git repository with the example layout (base + dev/staging/production overlays)"
rm -rf "$work" && mkdir -p "$work"
cp -r "$repo/examples/repo" "$work/checkout"
git -C "$work/checkout" init -q -b main
git -C "$work/checkout" add -A
git -C "$work/checkout" -c user.name="Platform Team" -c user.email=platform@example.com commit -qm "Seed the guestbook"
git clone -q --bare "$work/checkout" "$work/gitops-seed.git"
git -C "$work/checkout" remote add origin "$work/gitops-seed.git"
echo "repository: file://$work/gitops-seed.git"

step "The controller"
webhook_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
gitopsd run --namespace $ns --metrics-port 0 --webhook-port $webhook_port --reconcile-interval 30s \
    --cache-dir "$work/cache" >"$work/controller.log" 2>&1 &
controller=$!
trap 'kill $controller 2>/dev/null || true' EXIT
wait_until 30 "the controller to start" grep -q "controller started" "$work/controller.log"
echo "controller pid $controller, log $work/controller.log"

step "The API server (gitopsd server)"
server_port=${GITOPSD_SERVER_PORT:-8080}
if ! python3 -c "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1])))" "$server_port" 2>/dev/null; then
    server_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fi
gitopsd server --namespace $ns --address 127.0.0.1 --port "$server_port" --insecure-cookies \
    >"$work/server.log" 2>&1 &
server=$!
trap 'kill $controller $server 2>/dev/null || true' EXIT
wait_until 60 "the server to answer" curl -sf "http://127.0.0.1:$server_port/healthz"
password=$(kubectl -n $ns get secret gitopsd-initial-admin-secret -o jsonpath='{.data.password}' | base64 -d)
echo "server pid $server, log $work/server.log"
echo "URL:            http://127.0.0.1:$server_port"
echo "user:           admin"
echo "password:       $password"

step "The example Application (examples/application.yaml, repoURL pointed at the local repository)"
sed "s#https://git.example.com/platform/gitops-seed.git#file://$work/gitops-seed.git#" \
    "$repo/examples/application.yaml" | kubectl -n $ns apply -f -
t0=$(now)
wait_until 120 "$app Synced and Healthy" app_is Synced Healthy
echo "Synced and Healthy in $(since "$t0")"
kubectl -n $ns get applications
kubectl -n $target get deployments,services,configmaps -l gitopsd.io/app

step "Drift: someone edits the image by hand"
kubectl -n $target set image deployment/dev-guestbook guestbook=registry.example.com/guestbook:hotfix
t0=$(now)
wait_until 60 "the image edit to be reverted" bash -c "[[ \$(kubectl -n $target get deployment dev-guestbook -o jsonpath='{.spec.template.spec.containers[0].image}') == *1.1.0-rc.2 ]]"
echo "reverted to $(image) in $(since "$t0")"
kubectl -n $ns get events --field-selector reason=SelfHeal -o custom-columns=WHO-DRIFTED:.message | tail -n 1

step "Drift: someone deletes the Deployment"
kubectl -n $target delete deployment dev-guestbook --wait=false
t0=$(now)
sleep 0.5
wait_until 60 "the Deployment to be recreated" kubectl -n $target get deployment dev-guestbook
echo "recreated in $(since "$t0")"

step "A commit changes the dev log level; a webhook announces the push"
sed -i 's/LOG_LEVEL: debug/LOG_LEVEL: trace/' "$work/checkout/apps/guestbook/overlays/dev/config-patch.yaml"
git -C "$work/checkout" -c user.name="Alice Developer" -c user.email=alice@example.com commit -qam "dev: trace logging"
git -C "$work/checkout" push -q origin main
t0=$(now)
python3 - "$work/gitops-seed.git" "$webhook_port" <<'PY'
import json, sys, urllib.request
body = json.dumps({"repoURL": f"file://{sys.argv[1]}", "ref": "refs/heads/main"}).encode()
url = f"http://127.0.0.1:{sys.argv[2]}/api/webhook"
request = urllib.request.Request(url, data=body,
                                 headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=10) as response:
    print(response.read().decode())
PY
wait_until 60 "the new commit to be deployed" bash -c "[[ \$(kubectl -n $target get configmap dev-guestbook-config -o jsonpath='{.data.LOG_LEVEL}') == trace ]]"
echo "deployed $(git -C "$work/checkout" rev-parse --short HEAD) (LOG_LEVEL=trace) in $(since "$t0")"

step "History: who deployed what, when"
gitopsd app history $app -n $ns 2>/dev/null || kubectl -n $ns get application $app -o jsonpath='{range .status.history[*]}{.id}{"\t"}{.deployedAt}{"\t"}{.revision}{"\t"}{.author}{"\t"}{.message}{"\n"}{end}'

step "The same application through the API, signed in as admin"
python3 - "$server_port" "$password" "$app" <<'PY'
import json, sys, urllib.request
port, password, app = sys.argv[1:]
base = f"http://127.0.0.1:{port}"
request = urllib.request.Request(
    f"{base}/api/v1/session", data=json.dumps({"username": "admin", "password": password}).encode(),
    headers={"Content-Type": "application/json"},
)
token = json.loads(urllib.request.urlopen(request, timeout=10).read())["token"]
request = urllib.request.Request(f"{base}/api/v1/applications/{app}", headers={"Authorization": f"Bearer {token}"})
status = json.loads(urllib.request.urlopen(request, timeout=10).read())["status"]
print(f"GET /api/v1/applications/{app}: {status['sync']['status']}, {status['health']['status']}")
PY

step "Done"
echo "The cluster keeps running: export KUBECONFIG=$KUBECONFIG"
echo "Stop it with: make cluster-down"
echo "API server:  http://127.0.0.1:$server_port  (admin / $password)"
if [[ -t 0 ]]; then
    echo "The controller and the server run until Ctrl-C."
    wait $server
fi
