"""Health of cert-manager's and trust-manager's kinds.

Registered through :mod:`gitopsd.health.checks.crds`. Written from cert-manager's
documented conditions: a Certificate is ``Ready`` when its Secret holds a valid
certificate and ``Issuing`` while a new one is requested; a CertificateRequest is
``Ready`` with reason ``Issued``, ``Pending`` or ``Failed``, and may be ``Denied`` or an
``InvalidRequest``; Issuers are ``Ready`` once their account or keys check out; ACME
Orders and Challenges report a ``status.state`` (``valid``, ``pending``, ``invalid``, ...).
"""

from __future__ import annotations

from typing import Any

from gitopsd.health.checks import fields
from gitopsd.health.checks.rules import Rule, condition_message, phases, waiting_for_generation
from gitopsd.health.checks.types import CheckTable
from gitopsd.health.result import Health, degraded, healthy, progressing
from gitopsd.model.keys import GroupKind

GROUP = "cert-manager.io"
ACME = "acme.cert-manager.io"


def certificate_health(obj: dict[str, Any]) -> Health:
    ready = fields.condition(obj, "Ready")
    observed = (ready or {}).get("observedGeneration")
    if observed is not None and fields.as_int(observed) < fields.generation(obj):
        return waiting_for_generation(fields.generation(obj))
    if fields.is_true(ready):
        return healthy(condition_message(ready))
    issuing = fields.condition(obj, "Issuing")
    if fields.is_true(issuing):
        return progressing(condition_message(issuing) or "Issuing the certificate")
    if fields.is_false(issuing) and fields.text(issuing or {}, "reason") == "Failed":
        return degraded(condition_message(issuing))
    if fields.is_false(ready):
        return degraded(condition_message(ready) or "The certificate is not ready")
    return progressing(condition_message(ready) or "Waiting for the certificate to be issued")


ACME_STATES = phases(
    Healthy=("valid",),
    Progressing=("pending", "ready", "processing"),
    Degraded=("invalid", "expired", "errored"),
)

TABLE = CheckTable(
    {
        GroupKind(GROUP, "Certificate"): certificate_health,
        GroupKind(GROUP, "CertificateRequest"): Rule(
            bad_when_true=("Denied", "InvalidRequest"), progress_reasons=frozenset({"Pending"})
        ),
        GroupKind(GROUP, "Issuer"): Rule(),
        GroupKind(GROUP, "ClusterIssuer"): Rule(),
        GroupKind(ACME, "Order"): Rule(
            ready=(),
            phase=("status", "state"),
            phases=ACME_STATES,
            phase_message=(("status", "reason"),),
        ),
        GroupKind(ACME, "Challenge"): Rule(
            ready=(),
            phase=("status", "state"),
            phases=ACME_STATES,
            phase_message=(("status", "reason"),),
        ),
        GroupKind("trust.cert-manager.io", "Bundle"): Rule(ready=("Synced",)),
    }
)
