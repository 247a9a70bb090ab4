"""A fixed discovery table for unit tests: the kinds a plain cluster serves, and scope.

Used by the desired-set and plan tests in place of a live API server's discovery.
"""

from __future__ import annotations

from gitopsd.model.keys import GroupKind
from gitopsd.ports import ApiResource

_SERVED = [
    ("", "v1", "Namespace", "namespaces", False),
    ("", "v1", "ConfigMap", "configmaps", True),
    ("", "v1", "Secret", "secrets", True),
    ("", "v1", "Service", "services", True),
    ("", "v1", "ServiceAccount", "serviceaccounts", True),
    ("", "v1", "Pod", "pods", True),
    ("", "v1", "PersistentVolume", "persistentvolumes", False),
    ("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", True),
    ("apps", "v1", "Deployment", "deployments", True),
    ("apps", "v1", "StatefulSet", "statefulsets", True),
    ("batch", "v1", "Job", "jobs", True),
    ("batch", "v1", "CronJob", "cronjobs", True),
    ("networking.k8s.io", "v1", "Ingress", "ingresses", True),
    ("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", True),
    ("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False),
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", False),
    ("rbac.authorization.k8s.io", "v1", "Role", "roles", True),
    ("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", True),
    ("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", False),
    ("apiregistration.k8s.io", "v1", "APIService", "apiservices", False),
]

RESOURCES: dict[GroupKind, ApiResource] = {
    GroupKind(group, kind): ApiResource(group, version, kind, plural, namespaced)
    for group, version, kind, plural, namespaced in _SERVED
}
