"""AppProject enforcement: source repos, destinations, resource lists, sync windows, orphans.

A pure core (no I/O, no clock): callers pass the parsed project, the objects and ``now``.
The reconciler refuses an Application whose namespace may not use its project
(``source_namespace_violation``), checks the Application with ``check_application`` and its
rendered objects with ``check_manifests`` before applying anything, asks
``sync_window_decision`` before starting a sync, and reports ``orphaned_resources`` in status.
"""

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
    check_destination,
    check_manifests,
    check_resource,
    check_source,
    ensure_permitted,
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
    "check_destination",
    "check_manifests",
    "check_resource",
    "check_source",
    "default_project",
    "ensure_permitted",
    "find_project",
    "namespace_matches",
    "orphaned_resources",
    "orphaned_warning",
    "parse_namespace_patterns",
    "parse_project",
    "source_namespace_violation",
    "sync_window_decision",
]
