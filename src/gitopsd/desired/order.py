"""The sync order, written down once; the desired set sorts by it and the plan groups by it.

Objects are applied in this order, and deleted (pruned) in exactly the reverse:

1. **phase**: ``PreSync``, ``Sync``, ``PostSync``; ``SyncFail`` only after a failure.
   Regular resources belong to ``Sync``; a hook belongs to the phase its annotation names.
2. **wave**: the ``sync-wave`` annotation, an integer, default 0, negatives allowed. A
   hook's wave is its own annotation (or Helm's ``helm.sh/hook-weight``).
3. **kind**: :data:`KIND_ORDER` (Namespaces first, CRDs before the roles and workloads,
   APIService last); every other kind (custom resources) after all of them. The rank
   goes by kind name alone, as Argo CD's does, so a custom ``Service`` ranks as one.
4. **then, for a stable total order**: kind name, group, namespace, name.

Used by ``gitopsd.desired.building`` (``DesiredSet`` is kept in this order) and by
``gitopsd.plan`` (steps are consecutive (phase, wave) groups of it; prunes run reversed).
"""

from __future__ import annotations

from gitopsd.model.keys import ResourceKey
from gitopsd.model.vocab import SyncPhase

PHASE_ORDER: tuple[SyncPhase, ...] = (
    SyncPhase.PRE_SYNC,
    SyncPhase.SYNC,
    SyncPhase.POST_SYNC,
    SyncPhase.SYNC_FAIL,
)

KIND_ORDER: tuple[str, ...] = (
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
)

_KIND_RANK = {kind: rank for rank, kind in enumerate(KIND_ORDER)}
_PHASE_RANK = {phase: rank for rank, phase in enumerate(PHASE_ORDER)}

SortKey = tuple[int, int, int, str, str, str, str]


def kind_rank(kind: str) -> int:
    """Position of ``kind`` in :data:`KIND_ORDER`; every unlisted kind ranks after all."""
    return _KIND_RANK.get(kind, len(KIND_ORDER))


def phase_rank(phase: SyncPhase) -> int:
    return _PHASE_RANK[phase]


def sync_order_key(phase: SyncPhase, wave: int, key: ResourceKey) -> SortKey:
    """The sort key of one object in the sync order described above."""
    return (
        phase_rank(phase),
        wave,
        kind_rank(key.kind),
        key.kind,
        key.group,
        key.namespace,
        key.name,
    )
