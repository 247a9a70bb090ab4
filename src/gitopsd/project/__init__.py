"""AppProject enforcement: source repos, destinations, resource lists, sync windows, orphans.

A pure core (no I/O, no clock): callers pass the parsed project, the objects and ``now``.
The reconciler refuses an Application whose namespace may not use its project
(``source_namespace_violation``), checks it with ``check_application``, its rendered
objects with ``check_manifests`` (kinds and namespaces), ``child_project_violations`` and
``takeover_violations`` before applying anything, and its inventory with
``check_manifests`` before pruning or deleting; it asks ``sync_window_decision`` before
starting a sync, and reports ``orphaned_resources`` in status. The ApplicationSet core
checks generated Applications with ``check_child_project``.
"""

from gitopsd.project.children import (
    child_project_violations,
    is_guarded,
    takeover_violations,
)
from gitopsd.project.orphans import orphaned_resources, orphaned_warning
from gitopsd.project.projects import (
    DestinationRule,
    OrphanedResourcesPolicy,
    Project,
    ResourceRule,
    SyncWindow,
    WindowKind,
    default_project,
    find_project,
    parse_project,
)
from gitopsd.project.rules import (
    check_application,
    check_child_project,
    check_destination,
    check_manifests,
    check_object,
    check_resource,
    check_source,
    ensure_permitted,
    namespace_of,
)
from gitopsd.project.source_namespaces import (
    ApplicationNamespaces,
    namespace_matches,
    parse_namespace_patterns,
    source_namespace_violation,
)
from gitopsd.project.windows import WindowDecision, sync_window_decision

__all__ = [
    "ApplicationNamespaces",
    "DestinationRule",
    "OrphanedResourcesPolicy",
    "Project",
    "ResourceRule",
    "SyncWindow",
    "WindowDecision",
    "WindowKind",
    "check_application",
    "check_child_project",
    "check_destination",
    "check_manifests",
    "check_object",
    "check_resource",
    "check_source",
    "child_project_violations",
    "default_project",
    "ensure_permitted",
    "find_project",
    "is_guarded",
    "namespace_matches",
    "namespace_of",
    "orphaned_resources",
    "orphaned_warning",
    "parse_namespace_patterns",
    "parse_project",
    "source_namespace_violation",
    "sync_window_decision",
    "takeover_violations",
]
