"""The project gate of a reconcile pass: what an Application's sync may write or delete.

Everything here runs before the first write of a pass:

- ``build_desired`` builds the desired set from discovery; an object of a kind the cached
  discovery does not know refreshes it first, so a kind installed after the controller
  started gets its real scope (a cluster-scoped kind is never taken for a namespaced one,
  not even when a CRD in the set claims otherwise).
  A kind still unknown keeps its ``unknown_kind`` flag and is never applied (the apply
  stage skips it, waiting for the kind to be served);
- ``manifest_violations``: every rendered object and hook against the AppProject's
  resource lists and destinations (the namespace each object writes into, a Namespace's
  own name), and every rendered Application against ``permittedChildProjects``;
- ``takeover_violations``: existing gitopsd objects (and control-namespace Secrets and
  ConfigMaps) that this Application does not track yet are never taken over;
- ``refused_inventory``: inventory entries the project does not permit (written under an
  earlier, looser project): never pruned nor deleted, only reported.

Called by the reconciler; the rules themselves are :mod:`gitopsd.project`'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from gitopsd.desired import DesiredObject, DesiredSet, build_desired_set
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.ports import ApiResource, ClusterPort
from gitopsd.project import (
    Project,
    check_manifests,
    check_object,
    child_project_violations,
    is_guarded,
    takeover_violations,
)
from gitopsd.sync.live import LiveState


def build_desired(
    cluster: ClusterPort,
    objects: Sequence[dict[str, Any]],
    *,
    app_namespace: str,
    app_name: str,
    destination_namespace: str,
    revision: str,
) -> DesiredSet:
    """The desired set, with scopes from fresh discovery whenever the cached discovery
    misses one of the kinds.

    Raises DesiredSetError (bad objects) or ClusterError (discovery failed).
    """

    def build(resources: Mapping[GroupKind, ApiResource]) -> DesiredSet:
        return build_desired_set(
            objects,
            app_namespace=app_namespace,
            app_name=app_name,
            destination_namespace=destination_namespace,
            resources=resources,
            revision=revision,
        )

    resources = cluster.resources()
    if any(GroupKind.of(obj) not in resources for obj in objects):
        # Also for a kind a CRD in the set defines: if the cluster already serves it, its
        # scope there is the truth, whatever the set's CRD says.
        resources = cluster.resources(refresh=True)
    return build(resources)


def unknown_kinds_message(desired: DesiredSet) -> str | None:
    """``kinds not served by the cluster ...: Probe.example.com (Probe/web/api)``, or None."""
    unknown = desired.unknown_kinds()
    if not unknown:
        return None
    by_kind: dict[GroupKind, set[str]] = {}
    for item in unknown:
        by_kind.setdefault(item.key.group_kind, set()).add(str(item.key))
    listed = "; ".join(
        f"{kind} ({', '.join(sorted(keys))})" for kind, keys in sorted(by_kind.items())
    )
    return (
        "kinds not served by the cluster and not defined by a CustomResourceDefinition in "
        f"the manifests; their objects are never applied and fail a sync: {listed}"
    )


def manifest_violations(
    project: Project, desired: DesiredSet, *, server: str, cluster_name: str
) -> list[str]:
    """Every rule the desired objects (hooks included) break, sorted by object.

    Objects of unknown kinds are left out: their scope would be a guess, and they are
    never applied; the pass that finds their kind served checks them.
    """
    known = [item for item in desired.all_objects() if not item.unknown_kind]
    violations = check_manifests(
        project,
        [(item.key, item.namespaced) for item in known],
        server=server,
        cluster_name=cluster_name,
    )
    violations += child_project_violations(project, _unique(known))
    return violations


def takeovers(
    desired: DesiredSet,
    live: LiveState,
    *,
    app_namespace: str,
    app_name: str,
    control_namespace: str,
) -> list[str]:
    """Existing guarded objects among the desired ones that this Application does not
    track (see :func:`gitopsd.project.takeover_violations`)."""
    keys = {item.key for item in desired.all_objects()}
    return takeover_violations(
        ((key, live.get(key)) for key in keys if is_guarded(key, control_namespace)),
        app_namespace=app_namespace,
        app_name=app_name,
        control_namespace=control_namespace,
    )


def refused_inventory(
    project: Project,
    inventory: Iterable[ResourceKey],
    resources: Mapping[GroupKind, ApiResource],
    *,
    server: str,
    cluster_name: str,
) -> dict[ResourceKey, str]:
    """Inventory entries the project does not permit, with the violation.

    The scope comes from discovery; an entry whose kind is not served is left out (it
    cannot be deleted either, and is not read).
    """
    refused = {}
    for key in sorted(set(inventory)):
        served = resources.get(key.group_kind)
        if served is None:
            continue
        message = check_object(
            project, key, served.namespaced, server=server, cluster_name=cluster_name
        )
        if message:
            refused[key] = message
    return refused


def refused_inventory_message(project: Project, refused: Mapping[ResourceKey, str]) -> str:
    """The ``ExcludedResourceWarning`` message for inventory entries outside the project."""
    listed = "; ".join(refused[key] for key in sorted(refused)[:5])
    more = f" (and {len(refused) - 5} more)" if len(refused) > 5 else ""
    return (
        f"{len(refused)} resources of the last sync are outside project {project.name} "
        f"and are never pruned or deleted by this application: {listed}{more}"
    )


def _unique(items: Iterable[DesiredObject]) -> list[tuple[ResourceKey, dict[str, Any]]]:
    # A hook in several phases appears once per phase; report it once.
    return list({item.key: item.obj for item in items}.items())
