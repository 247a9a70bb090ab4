"""Health of Flux's kinds (sources, Kustomization, HelmRelease, image automation,
notification receivers) and of the Terraform controller built on the same conventions.

Registered through :mod:`gitopsd.health.checks.crds`. Flux objects follow kstatus: a
``Ready`` condition (False with a failure reason such as ``InstallFailed`` or
``BuildFailed``, or with ``Progressing``/``DependencyNotReady`` while work is under way),
``Reconciling`` while a reconciliation runs, ``Stalled`` when it cannot go on, and
``spec.suspend`` to stop reconciling. OCI HelmRepositories are static in Flux 2.1 and
later and report no status at all; they are Healthy once they exist. Alert and Provider
lost their status in ``v1beta3``, so without one they have no opinion.
"""

from __future__ import annotations

from typing import Any

from gitopsd.health.checks import fields
from gitopsd.health.checks.rules import Rule
from gitopsd.health.checks.types import CheckTable
from gitopsd.health.result import Health, healthy
from gitopsd.model.keys import GroupKind

FLUX = Rule(bad_when_true=("Stalled",), busy_when_true=("Reconciling",))
WITHOUT_STATUS_NO_OPINION = Rule(
    bad_when_true=("Stalled",), busy_when_true=("Reconciling",), no_status=None
)


def helm_repository_health(obj: dict[str, Any]) -> Health | None:
    if fields.text(obj, "spec", "type") == "oci" and not fields.conditions(obj):
        return healthy("OCI Helm repositories are not reconciled")
    return FLUX(obj)


SOURCE = "source.toolkit.fluxcd.io"
IMAGE = "image.toolkit.fluxcd.io"
NOTIFICATION = "notification.toolkit.fluxcd.io"

TABLE = CheckTable(
    {
        GroupKind("kustomize.toolkit.fluxcd.io", "Kustomization"): FLUX,
        GroupKind("helm.toolkit.fluxcd.io", "HelmRelease"): FLUX,
        GroupKind(SOURCE, "GitRepository"): FLUX,
        GroupKind(SOURCE, "OCIRepository"): FLUX,
        GroupKind(SOURCE, "Bucket"): FLUX,
        GroupKind(SOURCE, "HelmChart"): FLUX,
        GroupKind(SOURCE, "HelmRepository"): helm_repository_health,
        GroupKind(IMAGE, "ImageRepository"): FLUX,
        GroupKind(IMAGE, "ImagePolicy"): FLUX,
        GroupKind(IMAGE, "ImageUpdateAutomation"): FLUX,
        GroupKind(NOTIFICATION, "Receiver"): FLUX,
        GroupKind(NOTIFICATION, "Alert"): WITHOUT_STATUS_NO_OPINION,
        GroupKind(NOTIFICATION, "Provider"): WITHOUT_STATUS_NO_OPINION,
        GroupKind("infra.contrib.fluxcd.io", "Terraform"): FLUX,
    }
)
