"""Declarative health rules for kinds that report through conditions, phases and flags.

Most custom resources say how they are doing in a few standard places: a ``Ready``-like
condition, a ``status.phase`` (or ``state``) string, a ``spec.suspend`` flag and
``status.observedGeneration``. A :class:`Rule` names those places for one kind; the
ecosystem modules in :mod:`gitopsd.health.checks` build their tables from rules and keep
code only for the kinds that need more. A rule is itself a check: call it with the object.

Evaluation order, first answer wins:

1. a suspend flag that is true → Suspended;
2. ``status.observedGeneration`` behind ``metadata.generation`` → Progressing;
3. a condition that is bad when true (``Stalled``, ``Failed``, ...) → Degraded;
4. a condition that means paused when true → Suspended;
5. a condition that means busy when true (``Reconciling``) → Progressing;
6. the phase field, through the rule's phase table;
7. the readiness conditions: all True → Healthy; False → Degraded, or Progressing when the
   reason says the work is under way (or the condition carries Cluster API's ``severity``
   ``Info``/``Warning``), or Suspended when it says paused; Unknown → Progressing;
8. nothing to read → the rule's ``no_status`` (Progressing by default: a resource whose
   controller has not reported yet is not Healthy).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gitopsd.health.checks import fields
from gitopsd.health.result import Health
from gitopsd.model.vocab import HealthStatus

H = HealthStatus
Path = tuple[str, ...]

# Reasons on a not-ready condition that mean "working on it" rather than "failed".
PROGRESS_REASONS = frozenset(
    {
        "Creating",
        "DependencyNotReady",
        "Deleting",
        "InProgress",
        "Initializing",
        "Pending",
        "Progressing",
        "ProgressingWithRetry",
        "Provisioning",
        "Reconciling",
        "ReconciliationInProgress",
        "Updating",
        "Waiting",
    }
)


def phases(**statuses: tuple[str, ...]) -> dict[str, HealthStatus]:
    """A phase table from ``Healthy=("Ready", "Running"), Degraded=(...)`` groups."""
    table: dict[str, HealthStatus] = {}
    for status, values in statuses.items():
        for value in values:
            table[value] = HealthStatus(status)
    return table


@dataclass(frozen=True)
class Rule:
    """Where one kind reports its health, with documented defaults."""

    # Conditions that must all be True for Healthy (the first present one gives the message).
    ready: tuple[str, ...] = ("Ready",)
    # Conditions whose True status means Degraded / Suspended / Progressing.
    bad_when_true: tuple[str, ...] = ()
    paused_when_true: tuple[str, ...] = ()
    busy_when_true: tuple[str, ...] = ()
    # Reasons of a False readiness condition that mean Progressing or Suspended.
    progress_reasons: frozenset[str] = PROGRESS_REASONS
    paused_reasons: frozenset[str] = frozenset()
    # What a False readiness condition with any other reason means.
    false_means: HealthStatus = HealthStatus.DEGRADED
    # Whether a False condition's ``severity`` Info/Warning means work under way.
    graded_by_severity: bool = True
    # A phase-like field and what each of its values means; values not in the table give
    # ``other_phase`` (None: fall through to the conditions).
    phase: Path = ("status", "phase")
    phases: Mapping[str, HealthStatus] = field(default_factory=dict)
    other_phase: HealthStatus | None = None
    phase_message: tuple[Path, ...] = (("status", "message"),)
    # Flags that suspend the resource when true.
    suspend: tuple[Path, ...] = (("spec", "suspend"),)
    # Compare status.observedGeneration with metadata.generation.
    observed_generation: bool = True
    # Health when the object reports nothing this rule reads; None means no opinion.
    no_status: HealthStatus | None = HealthStatus.PROGRESSING
    kind_name: str = ""  # used in messages; the object's kind when empty

    def __call__(self, obj: dict[str, Any]) -> Health | None:
        return (
            self.suspended(obj)
            or self.stale(obj)
            or self._flag_conditions(obj)
            or self._phase(obj)
            or self._readiness(obj)
            or self._nothing_reported(obj)
        )

    def suspended(self, obj: dict[str, Any]) -> Health | None:
        for path in self.suspend:
            if fields.get(obj, *path) is True:
                return Health(H.SUSPENDED, f"{self._kind(obj)} is suspended ({'.'.join(path)})")
        return None

    def stale(self, obj: dict[str, Any]) -> Health | None:
        if not self.observed_generation:
            return None
        observed = fields.get(obj, "status", "observedGeneration")
        generation = fields.generation(obj)
        if observed is not None and fields.as_int(observed) < generation:
            return waiting_for_generation(generation)
        return None

    def _flag_conditions(self, obj: dict[str, Any]) -> Health | None:
        for types, status in (
            (self.bad_when_true, H.DEGRADED),
            (self.paused_when_true, H.SUSPENDED),
            (self.busy_when_true, H.PROGRESSING),
        ):
            for condition_type in types:
                entry = fields.condition(obj, condition_type)
                if fields.is_true(entry):
                    return Health(status, condition_message(entry) or condition_type)
        return None

    def _phase(self, obj: dict[str, Any]) -> Health | None:
        if not self.phases:
            return None
        value = fields.get(obj, *self.phase)
        if not isinstance(value, str) or not value:
            return None
        status = self.phases.get(value, self.other_phase)
        if status is None:
            return None
        message = next(
            (fields.text(obj, *path) for path in self.phase_message if fields.text(obj, *path)),
            "",
        )
        return Health(status, message or f"{self._kind(obj)} is {value}")

    def _readiness(self, obj: dict[str, Any]) -> Health | None:
        present = [e for e in (fields.condition(obj, t) for t in self.ready) if e is not None]
        if not present:
            return None
        generation = fields.generation(obj)
        for entry in present:
            observed = entry.get("observedGeneration")
            if observed is not None and fields.as_int(observed) < generation:
                return waiting_for_generation(generation)
        for entry in present:
            if fields.is_true(entry):
                continue
            message = condition_message(entry) or f"{entry.get('type')} is {entry.get('status')}"
            reason = fields.text(entry, "reason")
            if reason in self.paused_reasons:
                return Health(H.SUSPENDED, message)
            if fields.is_false(entry) and not is_transient(
                entry, self.progress_reasons, graded_by_severity=self.graded_by_severity
            ):
                return Health(self.false_means, message)
            return Health(H.PROGRESSING, message)
        # A healthy condition's reason ("Available", "ReconcileSuccess") adds nothing.
        return Health(H.HEALTHY, fields.text(present[0], "message"))

    def _nothing_reported(self, obj: dict[str, Any]) -> Health | None:
        if self.no_status is None:
            return None
        return Health(self.no_status, f"Waiting for {self._kind(obj)} to report its status")

    def _kind(self, obj: dict[str, Any]) -> str:
        return self.kind_name or str(obj.get("kind") or "the resource")


def is_transient(
    entry: dict[str, Any], progress_reasons: frozenset[str], *, graded_by_severity: bool = True
) -> bool:
    """A False condition that describes work under way rather than a failure."""
    if fields.text(entry, "reason") in progress_reasons:
        return True
    # Cluster API (and Azure Service Operator) conditions grade themselves.
    return graded_by_severity and fields.text(entry, "severity") in ("Info", "Warning")


def condition_message(entry: dict[str, Any] | None) -> str:
    """A condition's message, or its reason when it has no message."""
    if entry is None:
        return ""
    return fields.text(entry, "message") or fields.text(entry, "reason")


def waiting_for_generation(generation: int) -> Health:
    return Health(H.PROGRESSING, f"Waiting for the controller to observe generation {generation}")
