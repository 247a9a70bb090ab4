"""Writing an Application from the CLI: one merge patch, guarded by the resourceVersion
it was built from, written with the field manager ``gitopsd-cli``, and built again from a
fresh read when another writer got there first (409).

The controller writes an Application's status often, and every write moves its
resourceVersion, so a patch built from a read a moment earlier is often refused once;
retrying that is routine, not an error. The patch is rebuilt from the new read, so a
refusal a concurrent change made true (another operation requested meanwhile) is still
honoured. The field manager lets the controller name the CLI in drift reports
("gitopsd-cli (Update) changed spec.syncPolicy…"). Used by the ``app`` verbs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gitopsd.cli.app_context import get_application
from gitopsd.cluster import KubeCluster
from gitopsd.errors import Conflict
from gitopsd.model.keys import ResourceKey

CLI_FIELD_MANAGER = "gitopsd-cli"
CONFLICT_ATTEMPTS = 5

PatchBuilder = Callable[[dict[str, Any]], dict[str, Any] | None]


def write_application(
    cluster: KubeCluster,
    key: ResourceKey,
    make_patch: PatchBuilder,
    *,
    attempts: int = CONFLICT_ATTEMPTS,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(the Application as read, as written) for ``make_patch(app)``; ``make_patch``
    returns None when nothing needs writing, and raises to refuse. A conflict is retried
    from a fresh read up to ``attempts`` times; the last one is raised."""
    for attempt in range(1, attempts + 1):
        app = get_application(cluster, key.namespace, key.name)
        patch = make_patch(app)
        if patch is None:
            return app, None
        guarded = {
            **patch,
            "metadata": {
                **(patch.get("metadata") or {}),
                "resourceVersion": app["metadata"]["resourceVersion"],
            },
        }
        try:
            return app, cluster.merge_patch(key, guarded, field_manager=CLI_FIELD_MANAGER)
        except Conflict:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable: the loop returns or raises")
