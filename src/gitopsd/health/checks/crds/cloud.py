"""Health of cloud providers' resource controllers: AWS Controllers for Kubernetes, Google
Config Connector and Azure Service Operator.

Registered through :mod:`gitopsd.health.checks.crds` as group families: each defines
hundreds of kinds across one API group per service, and all of them report the same
conditions. ACK documents ``ACK.ResourceSynced`` (False while the controller catches up),
``ACK.Terminal`` (a failure it will not retry) and ``ACK.Recoverable`` (an error it keeps
retrying); Config Connector a ``Ready`` condition with reasons such as ``UpToDate``,
``Updating``, ``DependencyNotReady`` and ``UpdateFailed``; Azure Service Operator a
``Ready`` condition whose ``severity`` tells a retried problem (``Warning``) from one that
needs a person (``Error``).
"""

from __future__ import annotations

from gitopsd.health.checks.rules import PROGRESS_REASONS, Rule
from gitopsd.health.checks.types import CheckTable, Family
from gitopsd.model.vocab import HealthStatus

ACK = Rule(
    ready=("ACK.ResourceSynced",),
    bad_when_true=("ACK.Terminal", "ACK.Recoverable"),
    false_means=HealthStatus.PROGRESSING,
    suspend=(),
)
CONFIG_CONNECTOR = Rule(
    progress_reasons=PROGRESS_REASONS | {"DependencyNotFound", "Updating"}, suspend=()
)
AZURE = Rule(suspend=())

TABLE = CheckTable(
    {},
    families=(
        Family(".services.k8s.aws", ACK),
        Family(".cnrm.cloud.google.com", CONFIG_CONNECTOR),
        Family(".azure.com", AZURE),
    ),
)
