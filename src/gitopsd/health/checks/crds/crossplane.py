"""Health of Crossplane's kinds: managed resources of every provider, packages,
composite resource definitions and usages.

Registered through :mod:`gitopsd.health.checks.crds`. Written from Crossplane's documented
conditions: a managed resource is ``Synced`` (False with ``ReconcileError``, or
``ReconcilePaused`` under the ``crossplane.io/paused`` annotation) and ``Ready`` (reasons
``Available``, ``Creating``, ``Deleting``, ``Unavailable``); packages are ``Installed``
and ``Healthy``; a CompositeResourceDefinition is ``Established`` and, with claims,
``Offered``.

Managed resources live in one API group per provider service, so they are matched as a
family by group suffix (``*.crossplane.io`` and ``*.upbound.io``, minus Crossplane's own
groups). Claims and composite resources live in groups their users choose; the generic
fallback reads their ``Ready``/``Synced`` conditions.
"""

from __future__ import annotations

from gitopsd.health.checks.rules import PROGRESS_REASONS, Rule
from gitopsd.health.checks.types import CheckTable, Family
from gitopsd.model.keys import GroupKind

MANAGED = Rule(
    ready=("Synced", "Ready"),
    paused_reasons=frozenset({"ReconcilePaused"}),
    suspend=(),
    kind_name="the managed resource",
)
PACKAGE = Rule(
    ready=("Installed", "Healthy"),
    progress_reasons=PROGRESS_REASONS
    | {"UnpackPackage", "AwaitingVerification", "UnknownPackageRevisionHealth"},
    suspend=(),
)
CROSSPLANE_GROUPS = frozenset(
    {
        "crossplane.io",
        "pkg.crossplane.io",
        "apiextensions.crossplane.io",
        "protection.crossplane.io",
        "ops.crossplane.io",
    }
)
PKG = "pkg.crossplane.io"
XP = "apiextensions.crossplane.io"

TABLE = CheckTable(
    {
        GroupKind(PKG, "Provider"): PACKAGE,
        GroupKind(PKG, "Configuration"): PACKAGE,
        GroupKind(PKG, "Function"): PACKAGE,
        GroupKind(XP, "CompositeResourceDefinition"): Rule(
            ready=("Established", "Offered"), suspend=()
        ),
        GroupKind(XP, "Usage"): Rule(suspend=()),
        GroupKind("protection.crossplane.io", "Usage"): Rule(suspend=()),
        GroupKind("protection.crossplane.io", "ClusterUsage"): Rule(suspend=()),
    },
    families=(
        Family(".crossplane.io", MANAGED, exclude=CROSSPLANE_GROUPS),
        Family(".upbound.io", MANAGED),
    ),
)
