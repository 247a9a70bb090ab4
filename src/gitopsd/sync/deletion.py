"""Cascading deletion of an Application's resources (the resources finalizer).

Deletes what the inventory lists and still carries this application's tracking, except
``Delete=false``; returns what is still present so the caller waits for it.
"""

from __future__ import annotations

from gitopsd.errors import ClusterError
from gitopsd.model.keys import ResourceKey
from gitopsd.plan import deletion_set
from gitopsd.ports import ClusterPort
from gitopsd.sync.live import read_live


def delete_app_resources(
    cluster: ClusterPort,
    inventory: frozenset[ResourceKey],
    *,
    tracking: str,
    app_namespace: str,
    app_name: str,
    propagation: str,
) -> list[ResourceKey]:
    served = cluster.resources()
    keys = frozenset(k for k in inventory if k.group_kind in served)
    live = read_live(cluster, keys, tracking_value=tracking)
    plan = deletion_set(keys, live, app_namespace=app_namespace, app_name=app_name)
    remaining = []
    for item in plan.all_items():
        remaining.append(item.key)
        try:
            cluster.delete(item.key, propagation=propagation)
        except ClusterError:
            continue  # still remaining; retried on the next pass
    return remaining
