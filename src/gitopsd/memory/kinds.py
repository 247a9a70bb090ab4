"""What the in-memory API server knows about kinds without being told: the built-in kinds
it serves, which of them count generations, and the few list and map shapes of their
schemas that server-side apply needs (which lists merge by key, which are sets).

A real API server reads all of this from its OpenAPI schemas; the model keeps only the
part the engine and its tests touch. Custom resources get their scope and status
subresource from the CustomResourceDefinitions stored in the model
(``MemoryCluster`` reads them); their lists are atomic, as for a CRD without
``x-kubernetes-list-type`` markers.
"""

from __future__ import annotations

from dataclasses import dataclass

from gitopsd.model.keys import GroupKind
from gitopsd.ports import ApiResource

VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")

# (group, version, kind, plural, namespaced)
_BUILTIN: tuple[tuple[str, str, str, str, bool], ...] = (
    ("", "v1", "ConfigMap", "configmaps", True),
    ("", "v1", "Endpoints", "endpoints", True),
    ("", "v1", "Event", "events", True),
    ("", "v1", "LimitRange", "limitranges", True),
    ("", "v1", "Namespace", "namespaces", False),
    ("", "v1", "Node", "nodes", False),
    ("", "v1", "PersistentVolume", "persistentvolumes", False),
    ("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", True),
    ("", "v1", "Pod", "pods", True),
    ("", "v1", "PodTemplate", "podtemplates", True),
    ("", "v1", "ReplicationController", "replicationcontrollers", True),
    ("", "v1", "ResourceQuota", "resourcequotas", True),
    ("", "v1", "Secret", "secrets", True),
    ("", "v1", "Service", "services", True),
    ("", "v1", "ServiceAccount", "serviceaccounts", True),
    ("apps", "v1", "ControllerRevision", "controllerrevisions", True),
    ("apps", "v1", "DaemonSet", "daemonsets", True),
    ("apps", "v1", "Deployment", "deployments", True),
    ("apps", "v1", "ReplicaSet", "replicasets", True),
    ("apps", "v1", "StatefulSet", "statefulsets", True),
    ("batch", "v1", "CronJob", "cronjobs", True),
    ("batch", "v1", "Job", "jobs", True),
    ("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", True),
    ("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", True),
    ("networking.k8s.io", "v1", "Ingress", "ingresses", True),
    ("networking.k8s.io", "v1", "IngressClass", "ingressclasses", False),
    ("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", True),
    ("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", True),
    ("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False),
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", False),
    ("rbac.authorization.k8s.io", "v1", "Role", "roles", True),
    ("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", True),
    ("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", False),
    ("apiregistration.k8s.io", "v1", "APIService", "apiservices", False),
    ("coordination.k8s.io", "v1", "Lease", "leases", True),
    ("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", False),
    ("storage.k8s.io", "v1", "StorageClass", "storageclasses", False),
)

# Built-in kinds whose registry strategy keeps ``metadata.generation`` (bumped on spec
# changes only). Every custom resource does too. ConfigMaps, Secrets, Services and
# Namespaces have none.
GENERATION_KINDS = frozenset(
    GroupKind(group, kind)
    for group, kind in (
        ("apps", "DaemonSet"),
        ("apps", "Deployment"),
        ("apps", "ReplicaSet"),
        ("apps", "StatefulSet"),
        ("batch", "CronJob"),
        ("batch", "Job"),
        ("autoscaling", "HorizontalPodAutoscaler"),
        ("policy", "PodDisruptionBudget"),
        ("networking.k8s.io", "Ingress"),
        ("networking.k8s.io", "NetworkPolicy"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("", "Pod"),
        ("", "ReplicationController"),
    )
)

# Built-in kinds without a ``status`` (so a ``status`` in a write is simply dropped).
NO_STATUS_KINDS = frozenset(
    GroupKind(group, kind)
    for group, kind in (
        ("", "ConfigMap"),
        ("", "Secret"),
        ("", "ServiceAccount"),
        ("", "Endpoints"),
        ("", "Event"),
        ("rbac.authorization.k8s.io", "Role"),
        ("rbac.authorization.k8s.io", "RoleBinding"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    )
)

# Associative lists of the built-in schemas (``x-kubernetes-list-type: map``): the field
# name and the key fields of its items. Looked up by field name, which is unambiguous for
# the kinds above except ``ports``, whose keys depend on the item (container or service).
ASSOCIATIVE_LISTS: dict[str, tuple[str, ...]] = {
    "containers": ("name",),
    "initContainers": ("name",),
    "ephemeralContainers": ("name",),
    "env": ("name",),
    "volumes": ("name",),
    "volumeMounts": ("mountPath",),
    "imagePullSecrets": ("name",),
    "ownerReferences": ("uid",),
    "conditions": ("type",),
}
CONTAINER_PORT_KEYS = ("containerPort", "protocol")
SERVICE_PORT_KEYS = ("port", "protocol")

# Lists of scalars merged as sets (``x-kubernetes-list-type: set``).
SET_LISTS = frozenset({"finalizers"})

# ``map[string]string`` fields: in managedFields the map itself is a member (``.``), so
# a manager that applied an empty map still owns it.
MAP_FIELDS = frozenset(
    {"labels", "annotations", "data", "binaryData", "stringData", "matchLabels", "nodeSelector"}
)

# Fields an update may not change once set (the server answers 422 Invalid), by kind,
# as dotted paths from the object's root.
IMMUTABLE_FIELDS: dict[GroupKind, tuple[tuple[str, ...], ...]] = {
    GroupKind("apps", "Deployment"): (("spec", "selector"),),
    GroupKind("apps", "ReplicaSet"): (("spec", "selector"),),
    GroupKind("apps", "StatefulSet"): (("spec", "selector"),),
    GroupKind("apps", "DaemonSet"): (("spec", "selector"),),
    GroupKind("batch", "Job"): (("spec", "selector"), ("spec", "template")),
    GroupKind("", "Service"): (("spec", "clusterIP"),),
}


@dataclass(frozen=True)
class KindInfo:
    """One served kind and what the model needs to know to store it."""

    resource: ApiResource
    has_generation: bool
    status_subresource: bool  # status is written through /status only

    @property
    def group_kind(self) -> GroupKind:
        return self.resource.group_kind


def builtin_kinds() -> dict[GroupKind, KindInfo]:
    kinds: dict[GroupKind, KindInfo] = {}
    for group, version, kind, plural, namespaced in _BUILTIN:
        group_kind = GroupKind(group, kind)
        kinds[group_kind] = KindInfo(
            resource=ApiResource(group, version, kind, plural, namespaced, VERBS),
            has_generation=group_kind in GENERATION_KINDS,
            status_subresource=group_kind not in NO_STATUS_KINDS,
        )
    return kinds


def kinds_of_crd(crd: dict[str, object]) -> KindInfo | None:
    """The kind a CustomResourceDefinition serves, or None when it serves no version."""
    spec = crd.get("spec")
    if not isinstance(spec, dict):
        return None
    names = spec.get("names") or {}
    versions = [v for v in spec.get("versions") or [] if isinstance(v, dict) and v.get("served")]
    if not versions or not names.get("kind") or not names.get("plural"):
        return None
    preferred = next((v for v in versions if v.get("storage")), versions[0])
    resource = ApiResource(
        group=str(spec.get("group") or ""),
        version=str(preferred.get("name")),
        kind=str(names["kind"]),
        plural=str(names["plural"]),
        namespaced=spec.get("scope") == "Namespaced",
        verbs=VERBS,
    )
    subresources = preferred.get("subresources") or {}
    return KindInfo(
        resource=resource,
        has_generation=True,
        status_subresource=isinstance(subresources, dict) and "status" in subresources,
    )
