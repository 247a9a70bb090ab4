"""The reconciler: one pass over one Application, in the order data flows.

    load spec, project, cluster → Git + render → desired set (+ project checks)
    → live state and compare (+ no takeover) → sync windows → decide and run one sync pass
    → orphaned resources → status and events

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

from gitopsd.desired import tracking_label_value
from gitopsd.diff import DiffOptions
from gitopsd.errors import ClusterError, GitopsdError, ProjectViolation, SpecError
from gitopsd.model.annotations import (
    REFRESH,
    TERMINATE_OPERATION_ANNOTATION,
    annotation,
    options_from_list,
)
from gitopsd.model.keys import GroupKind
from gitopsd.model.vocab import OperationPhase, SyncStatus
from gitopsd.ports import Clock
from gitopsd.project import (
    WindowDecision,
    check_application,
    find_project,
    orphaned_resources,
    orphaned_warning,
    source_namespace_violation,
    sync_window_decision,
)
from gitopsd.render import RenderContext
from gitopsd.spec import parse_application_spec
from gitopsd.status import Condition, inventory_of
from gitopsd.status import conditions as cond
from gitopsd.sync import admission
from gitopsd.sync import operation_state as opstate
from gitopsd.sync.compare import CompareOptions, compare, shared_resources
from gitopsd.sync.decide import decide_auto_sync
from gitopsd.sync.deletion import run_resources_finalizer
from gitopsd.sync.environment import Environment, ReconcileSettings
from gitopsd.sync.live import read_live, scan_namespace
from gitopsd.sync.namespace import ensure_namespace, wanted_namespace
from gitopsd.sync.operation import OperationContext, run_pass, terminate
from gitopsd.sync.passes import AppEvent, Pass
from gitopsd.sync.report import build_status, error_status

ORPHAN_SCAN_SECONDS = 60.0

__all__ = ["AppEvent", "ReconcileResult", "Reconciler"]


@dataclass
class ReconcileResult:
    status: dict[str, Any]
    events: list[AppEvent] = field(default_factory=list)
    requeue_after: float | None = None
    clear_operation: bool = False
    remove_finalizers: tuple[str, ...] = ()
    synced: bool = False  # an operation ended in this pass (for metrics)
    sync_phase: str = ""


class _Stop(Exception):
    """A stage ended the pass early with this result."""

    def __init__(self, result: ReconcileResult) -> None:
        super().__init__()
        self.result = result


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
        self._orphan_scans: dict[tuple[str, str], tuple[dt.datetime, list[Any]]] = {}
        self.orphans: dict[tuple[str, str], int] = {}  # for the orphaned-resources metric
        self._prune_pending: dict[tuple[str, str], dt.datetime] = {}

    def reconcile(self, app: dict[str, Any]) -> ReconcileResult:
        try:
            deleting = bool((app.get("metadata") or {}).get("deletionTimestamp"))
            p = self._load(app, deleting=deleting)
            if deleting:
                return self._delete(p)
            self._refuse_blocked_manual_sync(p)
            self._render(p)
            self._check_project(p)
            self._compare(p)
            self._refuse_takeover(p)
            result = ReconcileResult(status={}, clear_operation=bool(app.get("operation")))
            self._decide_sync(p)
            self._sync(p, result)
            self._check_orphans(p)
        except _Stop as stop:
            return stop.result
        result.status = build_status(p)
        result.events = p.events
        if p.come_back_in is not None and result.requeue_after is None:
            result.requeue_after = p.come_back_in
        return result

    # --- stages ---------------------------------------------------------------------
    def _load(self, app: dict[str, Any], *, deleting: bool = False) -> Pass:
        meta = app.get("metadata") or {}
        namespace, name = str(meta.get("namespace", "")), str(meta.get("name", ""))
        previous = copy.deepcopy(app.get("status") or {})
        now = self.clock.now()
        stamp = now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        scope = self.settings.app_namespaces
        try:
            spec = parse_application_spec(app.get("spec") or {})
            # Projects come from the control plane only: one made in a tenant's namespace
            # is never used.
            project = find_project(spec.project, self.env.projects(scope.control))
            refused = source_namespace_violation(namespace, scope, project)
            if refused:  # before anything else: such an app is never rendered or synced
                raise ProjectViolation(refused)
            cluster, server = self.env.cluster_for(spec.destination)
            violations = check_application(project, spec, server)
        except SpecError as error:
            raise self._stop(previous, cond.INVALID_SPEC, str(error), stamp) from error
        if violations and not deleting:
            # A deletion still runs: every object is checked on its own before it is deleted.
            raise self._stop(previous, cond.INVALID_SPEC, "; ".join(violations), stamp)
        p = Pass(app, namespace, name, previous, now, stamp, spec, project, cluster, server)
        p.operation = opstate.requested_or_running(app)
        p.op_state = previous.get("operationState")
        p.inventory = frozenset(
            key for key in inventory_of(previous) if not self._excluded(p, key.group_kind)
        )
        # A requested sync or refresh must see the latest push, not a shared answer.
        p.fresh = bool(app.get("operation")) or bool(annotation(app, REFRESH))
        return p

    def _refuse_blocked_manual_sync(self, p: Pass) -> None:
        """A requested (not yet running) sync outside its windows is refused."""
        running = (p.op_state or {}).get("phase") == OperationPhase.RUNNING
        if p.operation is None or running:
            return
        decision = self._window(p, manual=True)
        if not decision.allowed:
            p.conditions.append(Condition(cond.SYNC_WINDOW, decision.reason))
            p.events.append(AppEvent("Warning", cond.SYNC_WINDOW, decision.reason))
            p.operation = None

    def _render(self, p: Pass) -> None:
        revisions = opstate.revisions_of(p.operation) if p.operation else None
        try:
            context = RenderContext(
                app_name=p.name,
                namespace=p.spec.destination.namespace,
                kube_version=p.cluster.server_version(),
                # Chart repositories a render fetches from must be allowed like sources.
                source_repos=p.project.source_repos,
                project=p.project.name,
            )
            p.generated = self.env.generate(p.spec, context, revisions, fresh=p.fresh)
            p.desired = admission.build_desired(
                p.cluster,
                [o for o in p.generated.objects if not self._excluded(p, GroupKind.of(o))],
                app_namespace=p.namespace,
                app_name=p.name,
                destination_namespace=p.spec.destination.namespace,
                revision=p.generated.revisions[0] if p.generated.revisions else "",
            )
            p.refused = admission.refused_inventory(
                p.project,
                p.inventory,
                p.cluster.resources(),
                server=p.server,
                cluster_name=p.spec.destination.name,
            )
        except GitopsdError as error:
            # Never prune on a failed fetch or render: keep the last known resources.
            raise self._stop(
                p.previous, cond.COMPARISON_ERROR, str(error), p.stamp, retry=True
            ) from error

    def _check_project(self, p: Pass) -> None:
        """Nothing outside the project is applied: a violation stops the pass before any
        write (and so before any prune). Inventory entries outside it are reported."""
        assert p.desired is not None
        violations = admission.manifest_violations(
            p.project, p.desired, server=p.server, cluster_name=p.spec.destination.name
        )
        if violations:
            raise self._stop(p.previous, cond.INVALID_SPEC, "; ".join(violations), p.stamp)
        unknown = admission.unknown_kinds_message(p.desired)
        if unknown:
            p.conditions.append(Condition(cond.COMPARISON_ERROR, unknown))
        if p.refused:
            message = admission.refused_inventory_message(p.project, p.refused)
            p.conditions.append(Condition(cond.EXCLUDED_RESOURCE_WARNING, message))

    def _compare(self, p: Pass) -> None:
        assert p.desired is not None
        tracking = tracking_label_value(p.namespace, p.name)
        hook_keys = {item.key for item in p.desired.hooks}
        wanted = p.desired.keys() | p.inventory | hook_keys
        try:
            live = read_live(p.cluster, wanted, tracking_value=tracking)
        except ClusterError as error:
            raise self._stop(
                p.previous, cond.COMPARISON_ERROR, str(error), p.stamp, retry=True
            ) from error
        p.hooks_live = {key: live.get(key) for key in hook_keys}
        options = CompareOptions(
            diff=DiffOptions(
                ignore=p.spec.ignore_differences + self.settings.global_ignore_differences
            ),
            app_sync_options=dict(p.spec.sync_policy.sync_options),
        )
        p.comparison = compare(
            p.cluster,
            p.desired,
            live,
            p.inventory,
            memo=self.env.memo_for(p.server),
            assessor=self.env.assessor(),
            options=options,
        )
        if p.comparison.sync_status == SyncStatus.SYNCED:
            self._self_heal.pop(p.key, None)
        p.shared = shared_resources(p.comparison, p.namespace, p.name)
        if p.shared:
            listed = ", ".join(str(k) for k in sorted(p.shared)[:5])
            message = f"resources also tracked by another application: {listed}"
            p.conditions.append(Condition(cond.SHARED_RESOURCE_WARNING, message))

    def _refuse_takeover(self, p: Pass) -> None:
        """An existing Application, AppProject, ApplicationSet (or control-namespace Secret
        or ConfigMap) that this Application does not track is never written."""
        assert p.desired is not None and p.comparison is not None
        live = {o.key: o.live for o in p.comparison.objects} | dict(p.hooks_live)
        violations = admission.takeovers(
            p.desired,
            live,
            app_namespace=p.namespace,
            app_name=p.name,
            control_namespace=self.settings.app_namespaces.control,
        )
        if violations:
            raise self._stop(p.previous, cond.INVALID_SPEC, "; ".join(violations), p.stamp)

    def _decide_sync(self, p: Pass) -> None:
        """Start an automated sync when Argo CD's rules and the sync windows allow it."""
        assert p.comparison is not None and p.generated is not None and p.desired is not None
        if p.operation is not None or p.spec.sync_policy.automated is None:
            return
        out_of_sync = p.comparison.sync_status == SyncStatus.OUT_OF_SYNC
        window = self._window(p, manual=False)
        if not window.allowed:
            if out_of_sync:
                p.conditions.append(Condition(cond.SYNC_WINDOW, window.reason))
            return
        heal = self._self_heal.setdefault(p.key, _SelfHealState())
        decision = decide_auto_sync(
            p.spec,
            out_of_sync=out_of_sync,
            target_revisions=list(p.generated.revisions),
            target_sources=opstate.sources_of(p.raw_spec),
            last_operation=p.op_state,
            desired_count=len(p.desired.resources),
            self_heal_attempts=heal.attempts,
            last_self_heal_at=heal.last_at,
            now=p.now,
            backoff=self.settings.self_heal_backoff,
        )
        if not decision.start:
            if decision.wait_seconds > 0:
                p.come_back_in = decision.wait_seconds  # heal when the back-off ends
            return
        if decision.self_heal:
            heal.attempts += 1
            heal.last_at = p.now
            p.events.append(AppEvent("Normal", "SelfHeal", f"healing drift: {_drift(p)}"))
        automated = p.spec.sync_policy.automated
        p.operation = opstate.new_operation(
            revisions=list(p.generated.revisions), prune=automated.prune, automated=True
        )

    def _sync(self, p: Pass, result: ReconcileResult) -> None:
        """Run one pass of the operation, if there is one."""
        if p.operation is None:
            return
        wait = self._run_operation(p)
        result.sync_phase = str((p.op_state or {}).get("phase", ""))
        result.synced = wait is None
        result.requeue_after = wait

    def _run_operation(self, p: Pass) -> float | None:
        """Returns how soon to come back (None: the operation has ended)."""
        assert p.operation is not None and p.desired is not None and p.comparison is not None
        assert p.generated is not None
        fresh = not opstate.is_continuation(p.op_state, p.operation)
        state = opstate.start_or_continue(p.operation, p.op_state, p.stamp)
        p.op_state = state
        if state.get("phase") != OperationPhase.RUNNING:
            return None
        retry_in = opstate.waiting_for_retry(state, p.now)
        if retry_in is not None:
            return retry_in
        if fresh:
            message = opstate.describe(p.operation, p.generated)
            p.events.append(AppEvent("Normal", "OperationStarted", message))
        if (p.app["metadata"].get("annotations") or {}).get(TERMINATE_OPERATION_ANNOTATION):
            outcome = terminate(p.cluster, p.desired, p.hooks_live, opstate.sync_id(state))
            p.op_state = opstate.record_pass(state, outcome, p.generated, p.raw_spec, p.stamp)
            p.events.append(AppEvent("Warning", "OperationTerminated", "operation terminated"))
            return None
        sync = p.operation.get("sync") or {}
        self._ensure_namespace(p, dry_run=bool(sync.get("dryRun")))
        ctx = OperationContext(
            sync_id=opstate.sync_id(state),
            app_options={
                **dict(p.spec.sync_policy.sync_options),
                **options_from_list(sync.get("syncOptions")),
            },
            dry_run=bool(sync.get("dryRun")),
            selected=opstate.selected_resources(p.operation),
            shared=p.shared,
            ignore_rules=p.spec.ignore_differences + self.settings.global_ignore_differences,
            now=p.now,
            prune=opstate.prune_request(
                p.operation,
                p.spec,
                p.desired,
                p.comparison,
                p.inventory,
                p.app["metadata"],
                p.now,
                required_since=self._prune_pending.get(p.key),
                refused=p.refused,
            ),
        )
        self._remember_pending_confirmation(p, ctx)
        outcome = run_pass(
            p.cluster,
            p.desired,
            p.comparison,
            p.hooks_live,
            opstate.previous_results(state),
            ctx,
            memo=self.env.memo_for(p.server),
            assessor=self.env.assessor(),
        )
        p.op_state = opstate.record_pass(state, outcome, p.generated, p.raw_spec, p.stamp)
        if outcome.phase == OperationPhase.RUNNING:
            return self.settings.operation_poll_seconds
        p.op_state, retry_delay = opstate.maybe_retry(p.op_state, p.spec, p.now, p.stamp)
        if retry_delay is not None:
            message = str(p.op_state.get("message", ""))
            p.events.append(AppEvent("Warning", "OperationRetry", message))
            return retry_delay
        p.finished = True
        self._compare(p)  # the operation ended: report its effect, not the state before it
        kind = "Normal" if outcome.phase == OperationPhase.SUCCEEDED else "Warning"
        text = f"sync {outcome.phase}: {outcome.message}"
        p.events.append(AppEvent(kind, "OperationCompleted", text))
        return None

    def _remember_pending_confirmation(self, p: Pass, ctx: OperationContext) -> None:
        """Prune=confirm: an approval counts only when newer than the need for it, so the
        moment the need first appeared is kept (in memory: after a restart a fresh
        approval is asked for, the safe direction)."""
        waiting = ctx.prune is not None and any(
            "Prune=confirm" in r.message for r in ctx.prune.skipped
        )
        if waiting:
            self._prune_pending.setdefault(p.key, p.now)
        else:
            self._prune_pending.pop(p.key, None)

    def _ensure_namespace(self, p: Pass, *, dry_run: bool) -> None:
        assert p.desired is not None
        namespace = wanted_namespace(p.spec, p.desired)
        if namespace is None or dry_run:
            return
        try:
            ensure_namespace(p.cluster, namespace)
        except ClusterError as error:
            p.events.append(AppEvent("Warning", "CreateNamespaceFailed", str(error)))

    def _check_orphans(self, p: Pass) -> None:
        """``OrphanedResourceWarning`` when the project asks for it; the namespace scan is
        costly (one LIST per kind), so it runs at most once a minute per application."""
        if p.project.orphaned_resources is None or not p.spec.destination.namespace:
            self.orphans.pop(p.key, None)
            return
        cached = self._orphan_scans.get(p.key)
        if cached is None or (p.now - cached[0]).total_seconds() > ORPHAN_SCAN_SECONDS:
            scanned = scan_namespace(p.cluster, p.spec.destination.namespace)
            live = [(k, o) for k, o in scanned if not self._excluded(p, k.group_kind)]
            self._orphan_scans[p.key] = (p.now, orphaned_resources(p.project, live))
        orphans = self._orphan_scans[p.key][1]
        self.orphans[p.key] = len(orphans)
        warning = orphaned_warning(p.project, orphans)
        if warning:
            p.conditions.append(Condition(cond.ORPHANED_RESOURCE_WARNING, warning))

    def _delete(self, p: Pass) -> ReconcileResult:
        """The resources finalizer: delete what we own, then release the Application."""
        outcome = run_resources_finalizer(p)
        return ReconcileResult(
            status=p.previous,
            events=list(outcome.events),
            requeue_after=outcome.requeue_after,
            remove_finalizers=outcome.remove_finalizers,
        )

    # --- helpers --------------------------------------------------------------------
    def _excluded(self, p: Pass, group_kind: GroupKind) -> bool:
        filters = self.settings.resource_filters
        return filters.excluded(group_kind.group, group_kind.kind, p.server)

    def _window(self, p: Pass, *, manual: bool) -> WindowDecision:
        return sync_window_decision(
            p.project,
            app_name=p.name,
            namespace=p.spec.destination.namespace,
            cluster=p.server,
            now=p.now,
            manual=manual,
        )

    @staticmethod
    def _stop(
        previous: dict[str, Any],
        condition_type: str,
        message: str,
        stamp: str,
        *,
        retry: bool = False,
    ) -> _Stop:
        status, events = error_status(previous, Condition(condition_type, message), stamp)
        return _Stop(
            ReconcileResult(status=status, events=events, requeue_after=30.0 if retry else None)
        )


def _drift(p: Pass) -> str:
    assert p.comparison is not None
    parts = [
        f"{o.key}: {', '.join(str(m) for m in o.diff.managers)}"
        for o in p.comparison.out_of_sync
        if o.diff is not None and o.diff.managers
    ]
    parts += [f"{o.key} deleted" for o in p.comparison.out_of_sync if o.live is None]
    return "; ".join(parts) or "drift"
