"""Health of database and messaging operators' kinds: CloudNativePG, Elastic (ECK),
RabbitMQ, Percona, Zalando's Postgres operator, MongoDB, Cassandra and MinIO.

Registered through :mod:`gitopsd.health.checks.crds`. Each entry reads the status field
its operator documents: CloudNativePG's ``phase`` sentences and ``Ready`` condition; ECK's
``health`` colour (``green``, ``yellow``, ``red``) and Elasticsearch's ``phase``;
RabbitMQ's ``ReconcileSuccess``/``ClusterAvailable``/``AllReplicasReady`` conditions and
the topology operator's ``Ready``; Percona's ``state``; Zalando's
``PostgresClusterStatus``; MongoDB's ``phase``; cass-operator's
``cassandraOperatorProgress`` and conditions; MinIO's ``healthStatus``.
"""

from __future__ import annotations

from typing import Any

from gitopsd.health.checks import fields
from gitopsd.health.checks.rules import PROGRESS_REASONS, Rule, phases, waiting_for_generation
from gitopsd.health.checks.types import CheckTable
from gitopsd.health.result import Health, degraded, healthy, progressing, suspended
from gitopsd.model.keys import GroupKind

CNPG = "postgresql.cnpg.io"
CNPG_HEALTHY_PHASE = "Cluster in healthy state"
CNPG_FAILED_WORDS = ("cannot", "unable", "failed", "failure")


def cnpg_cluster_health(obj: dict[str, Any]) -> Health:
    if fields.text(obj, "metadata", "annotations", "cnpg.io/hibernation") == "on":
        return suspended("The cluster is hibernated")
    observed = fields.get(obj, "status", "observedGeneration")
    if observed is not None and fields.as_int(observed) < fields.generation(obj):
        return waiting_for_generation(fields.generation(obj))
    phase = fields.text(obj, "status", "phase")
    detail = fields.text(obj, "status", "phaseReason")
    message = f"{phase}: {detail}" if phase and detail else phase
    if phase == CNPG_HEALTHY_PHASE:
        return healthy(phase)
    if any(word in phase.lower() for word in CNPG_FAILED_WORDS):
        return degraded(message)
    return progressing(message or "Waiting for the operator to report on the cluster")


def eck_health(obj: dict[str, Any]) -> Health:
    """Elasticsearch (health and phase) and the other Elastic Stack applications."""
    phase = fields.text(obj, "status", "phase")
    colour = fields.text(obj, "status", "health")
    if phase == "Invalid":
        return degraded("The specification is invalid")
    if colour == "red":
        return degraded(f"Health is red{f' ({phase})' if phase else ''}")
    if colour == "green" and phase in ("", "Ready"):
        return healthy("Health is green")
    if colour == "yellow" and phase == "Ready":
        return healthy("Health is yellow: some replicas are not allocated")
    if colour in ("green", "yellow"):
        return progressing(f"Health is {colour}: {phase}" if phase else f"Health is {colour}")
    return progressing(f"Waiting for {obj.get('kind')} to report its health")


def minio_tenant_health(obj: dict[str, Any]) -> Health:
    colour = fields.text(obj, "status", "healthStatus")
    state = fields.text(obj, "status", "currentState")
    message = fields.text(obj, "status", "healthMessage") or state
    if colour == "green":
        return healthy(message)
    if colour == "red":
        return degraded(message or "Health is red")
    return progressing(message or "Waiting for the tenant to report its health")


PERCONA = Rule(
    ready=(),
    phase=("status", "state"),
    phases=phases(
        Healthy=("ready",),
        Progressing=("initializing", "stopping", "unknown"),
        Suspended=("paused",),
        Degraded=("error",),
    ),
    suspend=(("spec", "pause"),),
)
MONGODB = Rule(
    ready=(),
    phases=phases(
        Healthy=("Running",),
        Progressing=("Pending", "Reconciling"),
        Degraded=("Failed",),
        Suspended=("Disabled",),
    ),
    suspend=(),
)
RABBIT_TOPOLOGY = Rule(suspend=())
RABBITMQ = "rabbitmq.com"

TABLE = CheckTable(
    {
        GroupKind(CNPG, "Cluster"): cnpg_cluster_health,
        GroupKind(CNPG, "Backup"): Rule(
            ready=(),
            phases=phases(
                Progressing=("pending", "started", "running", "finalizing"),
                Healthy=("completed",),
                Degraded=("failed", "walArchivingFailing"),
            ),
            phase_message=(("status", "error"),),
            suspend=(),
        ),
        GroupKind("elasticsearch.k8s.elastic.co", "Elasticsearch"): eck_health,
        GroupKind("kibana.k8s.elastic.co", "Kibana"): eck_health,
        GroupKind("apm.k8s.elastic.co", "ApmServer"): eck_health,
        GroupKind("enterprisesearch.k8s.elastic.co", "EnterpriseSearch"): eck_health,
        GroupKind("beat.k8s.elastic.co", "Beat"): eck_health,
        GroupKind("agent.k8s.elastic.co", "Agent"): eck_health,
        GroupKind("logstash.k8s.elastic.co", "Logstash"): eck_health,
        GroupKind("maps.k8s.elastic.co", "ElasticMapsServer"): eck_health,
        GroupKind(RABBITMQ, "RabbitmqCluster"): Rule(
            ready=("ReconcileSuccess", "ClusterAvailable", "AllReplicasReady"),
            progress_reasons=PROGRESS_REASONS | {"NotAllPodsReady"},
            suspend=(),
        ),
        **{
            GroupKind(RABBITMQ, kind): RABBIT_TOPOLOGY
            for kind in ("Queue", "Exchange", "Binding", "User", "Vhost", "Permission", "Policy")
        },
        GroupKind("psmdb.percona.com", "PerconaServerMongoDB"): PERCONA,
        GroupKind("pxc.percona.com", "PerconaXtraDBCluster"): PERCONA,
        GroupKind("ps.percona.com", "PerconaServerMySQL"): PERCONA,
        GroupKind("acid.zalan.do", "postgresql"): Rule(
            ready=(),
            phase=("status", "PostgresClusterStatus"),
            phases=phases(
                Healthy=("Running",),
                Progressing=("Creating", "Updating"),
                Degraded=("CreateFailed", "UpdateFailed", "SyncFailed", "DeleteFailed", "Invalid"),
            ),
            suspend=(),
            observed_generation=False,
        ),
        GroupKind("mongodbcommunity.mongodb.com", "MongoDBCommunity"): MONGODB,
        GroupKind("mongodb.com", "MongoDB"): MONGODB,
        GroupKind("cassandra.datastax.com", "CassandraDatacenter"): Rule(
            ready=("Valid", "Ready"),
            paused_when_true=("Stopped",),
            phase=("status", "cassandraOperatorProgress"),
            phases=phases(Progressing=("Updating",)),
            suspend=(),
        ),
        GroupKind("minio.min.io", "Tenant"): minio_tenant_health,
    }
)
