"""The orphaned-resources stage: ``OrphanedResourceWarning`` when the project asks for it.

The scan lists every namespaced kind in the destination namespace, so it runs at most once
a minute per Application (:class:`AppMemory` keeps the last result); excluded kinds are
left out. Returns the number of orphans for the metric, or None when the project does
not watch for them. Called by the reconciler at the end of a pass.
"""

from __future__ import annotations

from gitopsd.model.keys import ResourceKey
from gitopsd.project import orphaned_resources, orphaned_warning
from gitopsd.status import Condition
from gitopsd.status import conditions as cond
from gitopsd.sync.environment import ReconcileSettings
from gitopsd.sync.live import scan_namespace
from gitopsd.sync.passes import Pass
from gitopsd.sync.reconcile.assess import excluded
from gitopsd.sync.reconcile.memory import AppMemory


def check_orphans(p: Pass, memory: AppMemory, settings: ReconcileSettings) -> int | None:
    subject = p.subject
    namespace = subject.spec.destination.namespace
    if subject.project.orphaned_resources is None or not namespace:
        memory.not_watching_orphans(p.key)
        return None

    def scan() -> list[ResourceKey]:
        scanned = scan_namespace(subject.cluster, namespace)
        live = [
            (key, obj)
            for key, obj in scanned
            if not excluded(settings, key.group_kind, subject.server)
        ]
        return orphaned_resources(subject.project, live)

    orphans = list(memory.orphans(p.key, p.now, scan))
    warning = orphaned_warning(subject.project, orphans)
    if warning:
        p.conditions.append(Condition(cond.ORPHANED_RESOURCE_WARNING, warning))
    return len(orphans)
