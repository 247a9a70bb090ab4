"""Health of secret delivery kinds: Sealed Secrets and External Secrets Operator.

Registered through :mod:`gitopsd.health.checks.crds`. Written from the documented status:
a SealedSecret's controller reports a ``Synced`` condition (False with the decryption
error, such as "no key could decrypt secret"); External Secrets' ExternalSecret,
SecretStore, ClusterSecretStore and PushSecret report ``Ready`` (reasons
``SecretSynced``/``SecretSyncedError``, ``Valid``/``InvalidProviderConfig``,
``Synced``/``Errored``), and a ClusterExternalSecret ``Ready``, ``PartiallyReady`` or
``NotReady`` across its namespaces.

Until a controller reports, these are Progressing: a SealedSecret nobody unsealed has not
produced its Secret.
"""

from __future__ import annotations

from gitopsd.health.checks.rules import Rule
from gitopsd.health.checks.types import CheckTable
from gitopsd.model.keys import GroupKind

ESO = "external-secrets.io"

TABLE = CheckTable(
    {
        GroupKind("bitnami.com", "SealedSecret"): Rule(ready=("Synced",), suspend=()),
        GroupKind(ESO, "ExternalSecret"): Rule(suspend=()),
        GroupKind(ESO, "SecretStore"): Rule(suspend=()),
        GroupKind(ESO, "ClusterSecretStore"): Rule(suspend=()),
        GroupKind(ESO, "PushSecret"): Rule(suspend=()),
        GroupKind(ESO, "ClusterExternalSecret"): Rule(
            bad_when_true=("NotReady", "PartiallyReady"), suspend=()
        ),
    }
)
