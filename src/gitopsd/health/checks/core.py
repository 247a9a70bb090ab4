"""The built-in checks for Kubernetes' own kinds and gitopsd's Application.

Read by :mod:`gitopsd.health.checks.registry`. The semantics are Argo CD's for the kinds
Argo CD assesses in Go (workloads, Pod, Service, Ingress, PVC, Job, HPA, APIService), and
gitopsd's own for the rest (documented per module).
"""

from __future__ import annotations

from gitopsd.health.checks.applications import application_health
from gitopsd.health.checks.apps import (
    daemonset_health,
    deployment_health,
    replicaset_health,
    statefulset_health,
)
from gitopsd.health.checks.batch import cronjob_health, job_health
from gitopsd.health.checks.networking import ingress_health, service_health
from gitopsd.health.checks.platform import (
    apiservice_health,
    crd_health,
    csr_health,
    hpa_health,
    namespace_health,
    pdb_health,
    pv_health,
    pvc_health,
    snapshot_health,
)
from gitopsd.health.checks.pods import pod_health
from gitopsd.health.checks.types import Check
from gitopsd.model.keys import GroupKind

CHECKS: dict[GroupKind, Check] = {
    GroupKind("apps", "Deployment"): deployment_health,
    GroupKind("extensions", "Deployment"): deployment_health,
    GroupKind("apps", "StatefulSet"): statefulset_health,
    GroupKind("apps", "DaemonSet"): daemonset_health,
    GroupKind("extensions", "DaemonSet"): daemonset_health,
    GroupKind("apps", "ReplicaSet"): replicaset_health,
    GroupKind("extensions", "ReplicaSet"): replicaset_health,
    GroupKind("", "ReplicationController"): replicaset_health,
    GroupKind("", "Pod"): pod_health,
    GroupKind("", "Service"): service_health,
    GroupKind("networking.k8s.io", "Ingress"): ingress_health,
    GroupKind("extensions", "Ingress"): ingress_health,
    GroupKind("", "PersistentVolumeClaim"): pvc_health,
    GroupKind("", "PersistentVolume"): pv_health,
    GroupKind("", "Namespace"): namespace_health,
    GroupKind("batch", "Job"): job_health,
    GroupKind("batch", "CronJob"): cronjob_health,
    GroupKind("autoscaling", "HorizontalPodAutoscaler"): hpa_health,
    GroupKind("policy", "PodDisruptionBudget"): pdb_health,
    GroupKind("apiregistration.k8s.io", "APIService"): apiservice_health,
    GroupKind("apiextensions.k8s.io", "CustomResourceDefinition"): crd_health,
    GroupKind("snapshot.storage.k8s.io", "VolumeSnapshot"): snapshot_health,
    GroupKind("snapshot.storage.k8s.io", "VolumeSnapshotContent"): snapshot_health,
    GroupKind("certificates.k8s.io", "CertificateSigningRequest"): csr_health,
    GroupKind("gitopsd.io", "Application"): application_health,
}
