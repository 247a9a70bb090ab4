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
from gitopsd.errors import (
    ClusterError,
    GitopsdError,
    ProjectViolation,
    RepositoryUnreachable,
    SpecError,
)
from gitopsd.model.annotations import (
    REFRESH,
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
from gitopsd.render import GeneratedManifests, RenderContext
from gitopsd.spec import (
    parse_application_spec,
)
from gitopsd.status import Condition, inventory_of
from gitopsd.status import conditions as cond
from gitopsd.sync import admission, ending
from gitopsd.sync import operation_state as opstate
from gitopsd.sync.compare import CompareOptions, compare, shared_resources
from gitopsd.sync.decide import decide_auto_sync
from gitopsd.sync.deleting import Release, deletion_scope
from gitopsd.sync.deletion import run_resources_finalizer
from gitopsd.sync.environment import Environment, ReconcileSettings
from gitopsd.sync.live import read_live, scan_namespace
from gitopsd.sync.namespace import ensure_namespace, wanted_namespace
from gitopsd.sync.operation import OperationContext, end_hooks, run_pass
from gitopsd.sync.passes import AppEvent, Pass
from gitopsd.sync.report import build_status, drift_summary, error_status
from gitopsd.sync.validation import spec_problems

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
    failed: bool = False  # the pass could not do its work (Git, render, cluster): back off


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

    def forget(self, key: tuple[str, str]) -> None:
        """Drop what is remembered between passes about one Application (it was deleted,
        or another controller replica reconciles it now)."""
        self._self_heal.pop(key, None)
        self._orphan_scans.pop(key, None)
        self.orphans.pop(key, None)
        self._prune_pending.pop(key, None)

    def reconcile(self, app: dict[str, Any]) -> ReconcileResult:
        try:
            if (app.get("metadata") or {}).get("deletionTimestamp"):
                # Deletion runs before (and without) spec validation: it must complete.
                return self._delete(self._load_for_deletion(app))
            p = self._load(app)
            self._end_if_asked_or_overdue(p)
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
    def _load(self, app: dict[str, Any]) -> Pass:
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
            raise self._stop(app, previous, cond.INVALID_SPEC, str(error), stamp) from error
        violations += spec_problems(app.get("spec") or {}, spec)
        if violations:
            raise self._stop(app, previous, cond.INVALID_SPEC, "; ".join(violations), stamp)
        p = Pass(app, namespace, name, previous, now, stamp, spec, project, cluster, server)
        p.conditions.extend(
            Condition(cond.CONFIGURATION_WARNING, problem)
            for problem in self.settings.config_problems
        )
        p.operation = opstate.requested_or_running(app)
        p.op_state = previous.get("operationState")
        p.inventory = frozenset(
            key for key in inventory_of(previous) if not self._excluded(p, key.group_kind)
        )
        # A requested sync or refresh must see the latest push, not a shared answer.
        p.fresh = bool(app.get("operation")) or bool(annotation(app, REFRESH))
        return p

    def _end_if_asked_or_overdue(self, p: Pass) -> None:
        """``gitopsd.io/terminate-operation`` ends any operation (running, waiting for a
        retry, or requested and not started); an attempt past the operation timeout ends
        too. Both stop this operation's hooks and end the pass."""
        timeout = self.settings.operation_timeout_seconds
        ended = ending.terminated(p.app, p.stamp) or ending.timed_out(
            p.app, timeout, p.now, p.stamp
        )
        if ended is None:
            return
        results = end_hooks(
            p.cluster, opstate.recorded_hook_keys(ended.state), opstate.sync_id(ended.state)
        )
        failures = "; ".join(r.message for r in results if r.failed)
        status = copy.deepcopy(p.previous)
        status["operationState"] = ended.state
        if failures:
            status["operationState"]["message"] += f"; {failures}"
        status["reconciledAt"] = p.stamp
        clear = ended.clear_request and bool(p.app.get("operation"))
        result = ReconcileResult(status, [ended.event], clear_operation=clear, synced=True)
        result.sync_phase = ended.phase
        raise _Stop(result)

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
            p.generated = self._generate(p, context, revisions)
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
            # Name the commit that failed, not the last one that rendered.
            failed = p.generated.revisions if p.generated else _revisions_of(error)
            message = f"commit {_short(failed)}: {error}" if failed else str(error)
            raise self._stop(
                p.app,
                p.previous,
                cond.COMPARISON_ERROR,
                message,
                p.stamp,
                retry=True,
                revisions=failed,
            ) from error

    def _check_project(self, p: Pass) -> None:
        """Nothing outside the project is applied: a violation stops the pass before any
        write (and so before any prune). Inventory entries outside it are reported."""
        assert p.desired is not None
        violations = admission.manifest_violations(
            p.project, p.desired, server=p.server, cluster_name=p.spec.destination.name
        )
        if violations:
            raise self._stop(
                p.app,
                p.previous,
                cond.INVALID_SPEC,
                "; ".join(violations),
                p.stamp,
                revisions=p.generated.revisions if p.generated else None,
            )
        unknown = admission.unknown_kinds_message(p.desired)
        if unknown:
            p.conditions.append(Condition(cond.COMPARISON_ERROR, unknown))
        if p.refused:
            message = admission.refused_inventory_message(p.project, p.refused)
            p.conditions.append(Condition(cond.EXCLUDED_RESOURCE_WARNING, message))

    def _generate(
        self, p: Pass, context: RenderContext, revisions: list[str] | None
    ) -> GeneratedManifests:
        """Render; during a Git outage, an application with no operation is compared
        with (and self-healed to) the last revision it knew, rendered from the cache,
        and a condition says Git is unreachable."""
        try:
            return self.env.generate(p.spec, context, revisions, fresh=p.fresh)
        except RepositoryUnreachable as error:
            known = opstate.last_known_revisions(p.previous)
            if p.operation is not None or len(known) != len(p.spec.sources):
                raise
            try:
                generated = self.env.generate(p.spec, context, known)
            except GitopsdError:
                raise error from None
            message = (
                f"Git is unreachable; comparing with the last known revision "
                f"{_short(known)}: {error}"
            )
            p.conditions.append(Condition(cond.REPOSITORY_UNREACHABLE, message))
            return generated

    def _compare(self, p: Pass) -> None:
        assert p.desired is not None
        tracking = tracking_label_value(p.namespace, p.name)
        hook_keys = {item.key for item in p.desired.hooks}
        wanted = p.desired.keys() | p.inventory | hook_keys
        try:
            live = read_live(p.cluster, wanted, tracking_value=tracking)
        except ClusterError as error:
            revisions = p.generated.revisions if p.generated else None
            raise self._stop(
                p.app,
                p.previous,
                cond.COMPARISON_ERROR,
                str(error),
                p.stamp,
                retry=True,
                revisions=revisions,
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
            raise self._stop(p.app, p.previous, cond.INVALID_SPEC, "; ".join(violations), p.stamp)

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
        if out_of_sync and not p.desired.resources and not p.spec.sync_policy.automated.allow_empty:
            revision = _short(p.generated.revisions)
            message = (
                f"skipping automated sync to {revision}: it renders no resources, and with "
                "allowEmpty false an automated sync never deletes everything"
            )
            p.conditions.append(Condition(cond.SYNC_ERROR, message))
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
            p.events.append(
                AppEvent("Normal", "SelfHeal", f"healing drift: {drift_summary(p.comparison)}")
            )
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
        if fresh:
            # Record the operation, and so its sync id, before anything is created: a
            # controller that dies after this pass finds the same id and adopts the
            # hooks it made instead of running them again.
            message = opstate.describe(p.operation, p.generated)
            p.events.append(AppEvent("Normal", "OperationStarted", message))
            return 0.0
        retry_in = opstate.waiting_for_retry(state, p.now)
        if retry_in is not None:
            return retry_in
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
        if outcome.phase == OperationPhase.SUCCEEDED and ctx.prune is None and sync.get("prune"):
            p.op_state["message"] = (
                f"{outcome.message}; nothing was pruned: the render is empty and allowEmpty "
                "is false"
            )
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

    def _load_for_deletion(self, app: dict[str, Any]) -> Pass:
        """What deleting needs (``sync/deleting.py``); ends the pass when there is nothing
        to clean up, or no cluster left to clean it up in."""
        meta = app.get("metadata") or {}
        namespace, name = str(meta.get("namespace", "")), str(meta.get("name", ""))
        previous = copy.deepcopy(app.get("status") or {})
        now = self.clock.now()
        stamp = now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        scope = deletion_scope(app, self.env, self.settings.app_namespaces)
        if isinstance(scope, Release):
            result = ReconcileResult(previous, scope.events, remove_finalizers=scope.finalizers)
            raise _Stop(result)
        p = Pass(app, namespace, name, previous, now, stamp, scope.spec, scope.project,
                 scope.cluster, scope.server)  # fmt: skip
        p.inventory = scope.inventory
        return p

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

    def _stop(
        self,
        app: dict[str, Any],
        previous: dict[str, Any],
        condition_type: str,
        message: str,
        stamp: str,
        *,
        retry: bool = False,
        revisions: tuple[str, ...] | list[str] | None = None,
    ) -> _Stop:
        """End the pass with the previous status and a condition. A requested sync that
        could not start ends in ``Error`` with the same message (and is consumed); a
        running operation stays, unless it is terminated or past its timeout."""
        status, events = error_status(
            previous,
            Condition(condition_type, message),
            stamp,
            revisions=revisions,
            compared_to=opstate.compared_to(app.get("spec") or {}),
        )
        result = ReconcileResult(status=status, events=events, failed=retry)
        ended = (
            ending.not_started(app, message, stamp)
            or ending.terminated(app, stamp)
            or ending.timed_out(
                app, self.settings.operation_timeout_seconds, self.clock.now(), stamp
            )
        )
        if ended is not None:
            status["operationState"] = ended.state
            result.events.append(ended.event)
            result.clear_operation = ended.clear_request
            result.synced, result.sync_phase = True, ended.phase
        return _Stop(result)


def _revisions_of(error: GitopsdError) -> tuple[str, ...] | None:
    revisions = getattr(error, "revisions", ())
    return tuple(revisions) or None


def _short(revisions: Any) -> str:
    return ",".join(str(r)[:7] for r in revisions or ())
