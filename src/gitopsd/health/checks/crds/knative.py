"""Health of Knative's kinds: Serving, Eventing, sources, flows and the operator.

Registered through :mod:`gitopsd.health.checks.crds`. Every Knative resource has a
top-level ``Ready`` condition (``Succeeded`` for run-to-completion kinds): ``True`` when
everything it depends on is ready, ``Unknown`` while reconciling (reason such as
``Deploying`` or ``RevisionMissing``), ``False`` with the failure (for example
``RevisionFailed`` or ``ProgressDeadlineExceeded``). ``status.observedGeneration`` says
whether the latest spec has been seen.
"""

from __future__ import annotations

from gitopsd.health.checks.rules import Rule
from gitopsd.health.checks.types import CheckTable
from gitopsd.model.keys import GroupKind

KNATIVE = Rule(suspend=())

KINDS = {
    "serving.knative.dev": ("Service", "Configuration", "Route", "Revision", "DomainMapping"),
    "eventing.knative.dev": ("Broker", "Trigger", "EventType"),
    "messaging.knative.dev": ("Channel", "InMemoryChannel", "Subscription"),
    "sources.knative.dev": ("ApiServerSource", "PingSource", "SinkBinding", "ContainerSource"),
    "flows.knative.dev": ("Sequence", "Parallel"),
    "operator.knative.dev": ("KnativeServing", "KnativeEventing"),
}

TABLE = CheckTable(
    {GroupKind(group, kind): KNATIVE for group, kinds in KINDS.items() for kind in kinds}
)
