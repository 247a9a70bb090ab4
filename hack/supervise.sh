#!/usr/bin/env bash
# Keep a local cluster's components running: started in the background by `cluster.sh up`.
#
#   hack/supervise.sh NAME STATE_DIR
#
# Every second, when a component's process has exited and no test holds a component
# (STATE_DIR/hold/*, see `cluster.sh hold`), `kwokctl start cluster` starts the stopped
# ones again with their original flags and ports. While anything is held the supervisor
# waits, so a test can keep the API server down as long as it likes; on release, the API
# server and whatever exited during the outage come back together. Exits when the
# cluster's state directory is removed.
set -uo pipefail

name="$1"
state="$2"
export KWOK_WORKDIR="$state/kwok"
pids="$KWOK_WORKDIR/clusters/$name/pids"
export PATH="$("$(dirname "${BASH_SOURCE[0]}")/build-testbed.sh" --print-bin-dir):$PATH"

stopped() {
    local file pid
    for file in "$pids"/*.pid; do
        [[ -e "$file" ]] || continue
        pid="$(cat "$file" 2>/dev/null)"
        if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null; then
            basename "$file" .pid
        fi
    done
}

while [[ -d "$pids" ]]; do
    sleep 1
    if compgen -G "$state/hold/*" >/dev/null; then
        continue
    fi
    down="$(stopped | tr '\n' ' ')"
    if [[ -n "$down" ]]; then
        echo "$(date -u +%FT%TZ) restarting: $down"
        kwokctl --name "$name" start cluster >/dev/null 2>&1 || echo "$(date -u +%FT%TZ) kwokctl start cluster failed"
    fi
done
