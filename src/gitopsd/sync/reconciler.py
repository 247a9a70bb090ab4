"""The reconciler: one pass over one Application, in the order data flows.

    spec → project checks → Git + render → desired set → live state → compare
         → (decide and run one sync pass) → status, events

Nothing here talks to a library directly: the cluster is a ``ClusterPort``, Git and
rendering come through the ``Environment``. A failed fetch or render returns early with a
condition and the previous resources untouched, so it can never lead to pruning.
Called by the operator (one call per queued Application) and by benchmarks.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from gitopsd.desired import DesiredSet, build_desired_set, tracking_label_value
from gitopsd.diff import DiffOptions
from gitopsd.errors import (
    ClusterError,
    DesiredSetError,
    GitopsdError,
    RenderError,
    SourceError,
    SpecError,
)
from gitopsd.model.annotations import (
    ARGOCD_RESOURCES_FINALIZER,
    RESOURCES_FINALIZER,
    options_from_list,
)
from gitopsd.model.keys import ResourceKey
from gitopsd.model.vocab import OperationPhase, SyncStatus
from gitopsd.ports import Clock, ClusterPort
from gitopsd.project import check_application, check_manifests, find_project
from gitopsd.render import GeneratedManifests, RenderContext
from gitopsd.spec import ApplicationSpec, parse_application_spec
from gitopsd.status import Condition, inventory_of, resource_entries, set_conditions, summary_images
from gitopsd.status import conditions as cond
from gitopsd.sync import operation_state as opstate
from gitopsd.sync.compare import CompareOptions, Comparison, compare
from gitopsd.sync.decide import decide_auto_sync
from gitopsd.sync.deletion import delete_app_resources
from gitopsd.sync.environment import Environment, ReconcileSettings
from gitopsd.sync.live import read_live
from gitopsd.sync.namespace import ensure_namespace, wanted_namespace
from gitopsd.sync.operation import OperationContext, run_pass


@dataclass(frozen=True)
class AppEvent:
    type: str  # Normal | Warning
    reason: str
    message: str


@dataclass
class ReconcileResult:
    status: dict[str, Any]
    events: list[AppEvent] = field(default_factory=list)
    requeue_after: float | None = None
    clear_operation: bool = False
    remove_finalizers: tuple[str, ...] = ()
    # For logs and metrics.
    synced: bool = False
    sync_phase: str = ""


@dataclass
class _SelfHealState:
    attempts: int = 0
    last_at: dt.datetime | None = None


class Reconciler:
    def __init__(self, env: Environment, clock: Clock, settings: ReconcileSettings) -> None:
        self.env = env
        self.clock = clock
        self.settings = settings
        self._self_heal: dict[tuple[str, str], _SelfHealState] = {}

    # ------------------------------------------------------------------------------
    def reconcile(self, app: dict[str, Any]) -> ReconcileResult:
        meta = app.get("metadata") or {}
        namespace, name = str(meta.get("namespace", "")), str(meta.get("name", ""))
        previous = copy.deepcopy(app.get("status") or {})
        now = self.clock.now()
        stamp = _iso(now)
        try:
            spec = parse_application_spec(app.get("spec") or {})
            project = find_project(spec.project, self.env.projects(namespace))
            cluster, server = self.env.cluster_for(spec.destination)
            violations = check_application(project, spec, server)
            if violations:
                raise SpecError("; ".join(violations))
        except SpecError as error:
            return self._error(previous, cond.INVALID_SPEC, str(error), stamp)

        if meta.get("deletionTimestamp"):
            return self._delete(app, cluster, namespace, name, previous, stamp)

        operation = opstate.requested_or_running(app)
        revisions = opstate.revisions_of(operation) if operation else None
        try:
            context = RenderContext(
                app_name=name,
                namespace=spec.destination.namespace,
                kube_version=cluster.server_version(),
            )
            generated = self.env.generate(spec, context, revisions)
            desired = build_desired_set(
                list(generated.objects),
                app_namespace=namespace,
                app_name=name,
                destination_namespace=spec.destination.namespace,
                resources=cluster.resources(),
                revision=generated.revisions[0] if generated.revisions else "",
            )
        except (SourceError, RenderError, DesiredSetError) as error:
            # Never prune on a failed fetch or render: keep the last known resources.
            return self._error(previous, cond.COMPARISON_ERROR, str(error), stamp, retry=True)
        except GitopsdError as error:
            return self._error(previous, cond.COMPARISON_ERROR, str(error), stamp, retry=True)

        namespaced = cluster.resources()
        violations = check_manifests(
            project,
            [(item.key, bool(item.key.namespace)) for item in (*desired.resources, *desired.hooks)],
        )
        if violations:
            return self._error(previous, cond.INVALID_SPEC, "; ".join(violations), stamp)
        del namespaced

        inventory = inventory_of(previous)
        tracking = tracking_label_value(namespace, name)
        comparison, hooks_live = self._compare(cluster, server, spec, desired, inventory, tracking)
        result = ReconcileResult(status={})
        events = result.events
        op_state = previous.get("operationState")

        raw_spec = app.get("spec") or {}
        if operation is None:
            operation = self._maybe_auto_sync(
                namespace,
                name,
                spec,
                raw_spec,
                comparison,
                generated,
                desired,
                op_state,
                now,
                events,
            )
        if operation is not None:
            op_state, comparison, wait = self._run_operation(
                app,
                spec,
                cluster,
                server,
                desired,
                comparison,
                hooks_live,
                inventory,
                tracking,
                operation,
                op_state,
                generated,
                stamp,
                events,
            )
            result.clear_operation = bool(app.get("operation"))
            result.sync_phase = str(op_state.get("phase", ""))
            if wait is None:
                result.synced = True
            else:
                result.requeue_after = wait
        if comparison.sync_status == SyncStatus.SYNCED:
            self._self_heal.pop((namespace, name), None)

        result.status = self._status(
            previous, spec, raw_spec, comparison, generated, desired, op_state, stamp, events
        )
        return result

    # ------------------------------------------------------------------------------
    def _compare(
        self,
        cluster: ClusterPort,
        server: str,
        spec: ApplicationSpec,
        desired: DesiredSet,
        inventory: frozenset[ResourceKey],
        tracking: str,
    ) -> tuple[Comparison, dict[ResourceKey, dict[str, Any] | None]]:
        hook_keys = {item.key for item in desired.hooks}
        live = read_live(cluster, desired.keys() | inventory | hook_keys, tracking_value=tracking)
        hooks_live = {key: live.get(key) for key in hook_keys}
        options = CompareOptions(
            diff=DiffOptions(
                ignore=spec.ignore_differences + self.settings.global_ignore_differences
            ),
            app_sync_options=dict(spec.sync_policy.sync_options),
        )
        comparison = compare(
            cluster,
            desired,
            live,
            inventory,
            memo=self.env.memo_for(server),
            assessor=self.env.assessor(),
            options=options,
        )
        return comparison, hooks_live

    def _maybe_auto_sync(
        self,
        namespace: str,
        name: str,
        spec: ApplicationSpec,
        raw_spec: dict[str, Any],
        comparison: Comparison,
        generated: GeneratedManifests,
        desired: DesiredSet,
        op_state: dict[str, Any] | None,
        now: dt.datetime,
        events: list[AppEvent],
    ) -> dict[str, Any] | None:
        heal = self._self_heal.setdefault((namespace, name), _SelfHealState())
        decision = decide_auto_sync(
            spec,
            out_of_sync=comparison.sync_status == SyncStatus.OUT_OF_SYNC,
            target_revisions=list(generated.revisions),
            target_sources=opstate.sources_of(raw_spec),
            last_operation=op_state,
            desired_count=len(desired.resources),
            self_heal_attempts=heal.attempts,
            last_self_heal_at=heal.last_at,
            now=now,
            backoff=self.settings.self_heal_backoff,
        )
        if not decision.start:
            return None
        if decision.self_heal:
            heal.attempts += 1
            heal.last_at = now
            drifted = [
                f"{o.key}: {', '.join(str(m) for m in o.diff.managers)}"
                for o in comparison.out_of_sync
                if o.diff is not None and o.diff.managers
            ]
            missing = [str(o.key) for o in comparison.out_of_sync if o.live is None]
            detail = "; ".join(drifted + [f"{k} deleted" for k in missing]) or "drift"
            events.append(AppEvent("Normal", "SelfHeal", f"healing drift: {detail}"))
        automated = spec.sync_policy.automated
        return opstate.new_operation(
            revisions=list(generated.revisions),
            prune=bool(automated and automated.prune),
            automated=True,
        )

    def _run_operation(
        self,
        app: dict[str, Any],
        spec: ApplicationSpec,
        cluster: ClusterPort,
        server: str,
        desired: DesiredSet,
        comparison: Comparison,
        hooks_live: dict[ResourceKey, dict[str, Any] | None],
        inventory: frozenset[ResourceKey],
        tracking: str,
        operation: dict[str, Any],
        op_state: dict[str, Any] | None,
        generated: GeneratedManifests,
        stamp: str,
        events: list[AppEvent],
    ) -> tuple[dict[str, Any], Comparison, float | None]:
        """Run one pass; returns the new state, the comparison to report, and how soon to
        come back (None: the operation has ended)."""
        meta = app["metadata"]
        now = self.clock.now()
        state = opstate.start_or_continue(operation, op_state, stamp)
        if state.get("phase") != OperationPhase.RUNNING:
            return state, comparison, None
        retry_in = opstate.waiting_for_retry(state, now)
        if retry_in is not None:
            return state, comparison, retry_in
        if state["startedAt"] == stamp and not opstate.is_continuation(op_state, operation):
            events.append(
                AppEvent("Normal", "OperationStarted", opstate.describe(operation, generated))
            )
        namespace = wanted_namespace(spec, desired)
        if namespace is not None and not (operation.get("sync") or {}).get("dryRun"):
            try:
                ensure_namespace(cluster, namespace)
            except ClusterError as error:
                events.append(AppEvent("Warning", "CreateNamespaceFailed", str(error)))
        ctx = OperationContext(
            sync_id=opstate.sync_id(state),
            app_options={
                **dict(spec.sync_policy.sync_options),
                **options_from_list((operation.get("sync") or {}).get("syncOptions")),
            },
            dry_run=bool((operation.get("sync") or {}).get("dryRun")),
            selected=opstate.selected_resources(operation),
            prune=opstate.prune_request(operation, spec, desired, comparison, inventory, meta, now),
        )
        outcome = run_pass(
            cluster,
            desired,
            comparison,
            hooks_live,
            opstate.previous_results(state),
            ctx,
            memo=self.env.memo_for(server),
            assessor=self.env.assessor(),
        )
        state = opstate.record_pass(state, outcome, generated, app.get("spec") or {}, stamp)
        if outcome.phase == OperationPhase.RUNNING:
            return state, comparison, self.settings.operation_poll_seconds
        state, retry_delay = opstate.maybe_retry(state, spec, now, stamp)
        if retry_delay is not None:
            events.append(AppEvent("Warning", "OperationRetry", state.get("message", "")))
            return state, comparison, retry_delay
        # The operation ended: compare again so the status shows its effect.
        comparison, _ = self._compare(cluster, server, spec, desired, inventory, tracking)
        kind = "Normal" if outcome.phase == OperationPhase.SUCCEEDED else "Warning"
        events.append(
            AppEvent(kind, "OperationCompleted", f"sync {outcome.phase}: {outcome.message}")
        )
        return state, comparison, None

    # ------------------------------------------------------------------------------
    def _status(
        self,
        previous: dict[str, Any],
        spec: ApplicationSpec,
        raw_spec: dict[str, Any],
        comparison: Comparison,
        generated: GeneratedManifests,
        desired: DesiredSet,
        op_state: dict[str, Any] | None,
        stamp: str,
        events: list[AppEvent],
    ) -> dict[str, Any]:
        status: dict[str, Any] = {}
        sync_status = str(comparison.sync_status)
        health = comparison.health
        before_sync = (previous.get("sync") or {}).get("status")
        before_health = (previous.get("health") or {}).get("status")
        if sync_status == SyncStatus.OUT_OF_SYNC and before_sync != sync_status:
            drifted = ", ".join(str(o.key) for o in comparison.out_of_sync[:5])
            events.append(AppEvent("Normal", "OutOfSync", f"out of sync: {drifted}"))
        if before_health and before_health != str(health.status):
            events.append(
                AppEvent(
                    "Normal",
                    "HealthStatusChanged",
                    f"health changed from {before_health} to {health.status}",
                )
            )
        status["sync"] = {
            "status": sync_status,
            "revision": generated.revisions[0] if generated.revisions else "",
            "comparedTo": opstate.compared_to(raw_spec),
        }
        if len(generated.revisions) > 1:
            status["sync"]["revisions"] = list(generated.revisions)
        status["health"] = {"status": str(health.status)}
        if health.message:
            status["health"]["message"] = health.message
        status["resources"] = resource_entries(comparison)
        status["summary"] = {"images": summary_images(item.obj for item in desired.resources)}
        status["history"] = opstate.history_after(previous, op_state, spec, raw_spec, generated)
        if op_state is not None:
            status["operationState"] = op_state
        conditions = []
        if op_state and op_state.get("phase") in (OperationPhase.FAILED, OperationPhase.ERROR):
            conditions.append(Condition(cond.SYNC_ERROR, str(op_state.get("message", ""))))
        errors = [o for o in comparison.objects if o.error]
        for item in errors:
            conditions.append(Condition(cond.COMPARISON_ERROR, item.error))
        status["conditions"] = set_conditions(previous.get("conditions") or [], conditions, stamp)
        status["reconciledAt"] = stamp
        status["observedAt"] = stamp
        return status

    def _error(
        self,
        previous: dict[str, Any],
        condition_type: str,
        message: str,
        stamp: str,
        *,
        retry: bool = False,
    ) -> ReconcileResult:
        status = copy.deepcopy(previous)
        status["conditions"] = set_conditions(
            previous.get("conditions") or [], [Condition(condition_type, message)], stamp
        )
        status.setdefault("sync", {})["status"] = str(SyncStatus.UNKNOWN)
        status["reconciledAt"] = stamp
        event = AppEvent("Warning", condition_type, message)
        before = {(c.get("type"), c.get("message")) for c in previous.get("conditions") or []}
        events = [] if (condition_type, message) in before else [event]
        return ReconcileResult(status=status, events=events, requeue_after=30.0 if retry else None)

    def _delete(
        self,
        app: dict[str, Any],
        cluster: ClusterPort,
        namespace: str,
        name: str,
        previous: dict[str, Any],
        stamp: str,
    ) -> ReconcileResult:
        finalizers = [
            f
            for f in (app.get("metadata") or {}).get("finalizers") or []
            if f.startswith((RESOURCES_FINALIZER, ARGOCD_RESOURCES_FINALIZER))
        ]
        if not finalizers:
            return ReconcileResult(status=previous)
        propagation = (
            "Background" if any(f.endswith("/background") for f in finalizers) else ("Foreground")
        )
        remaining = delete_app_resources(
            cluster,
            inventory_of(previous),
            tracking=tracking_label_value(namespace, name),
            app_namespace=namespace,
            app_name=name,
            propagation=propagation,
        )
        if remaining:
            return ReconcileResult(
                status=previous,
                requeue_after=1.0,
                events=[AppEvent("Normal", "Deleting", f"waiting for {len(remaining)} resources")],
            )
        return ReconcileResult(status=previous, remove_finalizers=tuple(finalizers))


def _iso(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
