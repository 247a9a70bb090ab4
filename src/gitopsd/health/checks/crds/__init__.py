"""gitopsd's own health checks for the ecosystem's custom resources, one module per
ecosystem.

Read by :mod:`gitopsd.health.checks.registry`. Each module exposes ``TABLE``, a
:class:`~gitopsd.health.checks.types.CheckTable`, written from its project's documented
status fields and conditions.
"""

from gitopsd.health.checks.crds import (
    argo,
    certmanager,
    cloud,
    clusterapi,
    crossplane,
    databases,
    dataproc,
    flux,
    keda,
    knative,
    networking,
    platforms,
    policy,
    prometheus,
    secrets,
    strimzi,
    tekton,
    velero,
)
from gitopsd.health.checks.types import CheckTable

TABLES: tuple[CheckTable, ...] = (
    argo.TABLE,
    certmanager.TABLE,
    clusterapi.TABLE,
    cloud.TABLE,
    crossplane.TABLE,
    databases.TABLE,
    dataproc.TABLE,
    flux.TABLE,
    keda.TABLE,
    knative.TABLE,
    networking.TABLE,
    platforms.TABLE,
    policy.TABLE,
    prometheus.TABLE,
    secrets.TABLE,
    strimzi.TABLE,
    tekton.TABLE,
    velero.TABLE,
)
