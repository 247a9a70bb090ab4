"""Loading an Application for a pass: its spec, project, namespace gate and cluster.

:func:`load_subject` is the gate every pass goes through before anything is rendered:
the spec parses and carries nothing gitopsd cannot honour, its AppProject (from the
control-plane namespace only) admits the Application's namespace, source and
destination, and the destination cluster is registered. ``gitopsd app diff`` goes
through the same gate. :func:`new_pass` adds what the reconciler tracks during one pass.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from gitopsd.errors import ProjectViolation, SpecError
from gitopsd.model.annotations import REFRESH, annotation
from gitopsd.model.times import format_time
from gitopsd.project import check_application, find_project, source_namespace_violation
from gitopsd.spec import parse_application_spec
from gitopsd.status import Condition, inventory_of
from gitopsd.status import conditions as cond
from gitopsd.sync import operation_state as opstate
from gitopsd.sync.environment import Environment, ReconcileSettings
from gitopsd.sync.passes import Pass, Subject
from gitopsd.sync.reconcile.assess import Refusal, excluded
from gitopsd.sync.validation import spec_problems


def app_key(app: dict[str, Any]) -> tuple[str, str]:
    meta = app.get("metadata") or {}
    return str(meta.get("namespace", "")), str(meta.get("name", ""))


def load_subject(
    app: dict[str, Any], env: Environment, settings: ReconcileSettings
) -> Subject | Refusal:
    """The Application's subject, or why it may not be reconciled at all."""
    namespace, name = app_key(app)
    scope = settings.app_namespaces
    try:
        spec = parse_application_spec(app.get("spec") or {})
        # Projects come from the control plane only: one made in a tenant's namespace is
        # never used.
        project = find_project(spec.project, env.projects(scope.control))
        refused = source_namespace_violation(namespace, scope, project)
        if refused:  # before anything else: such an app is never rendered or synced
            raise ProjectViolation(refused)
        cluster, server = env.cluster_for(spec.destination)
        violations = check_application(project, spec, server)
    except SpecError as error:
        return Refusal(cond.INVALID_SPEC, str(error))
    violations += spec_problems(spec)
    if violations:
        return Refusal(cond.INVALID_SPEC, "; ".join(violations))
    inventory = frozenset(
        key
        for key in inventory_of(app.get("status"))
        if not excluded(settings, key.group_kind, server)
    )
    return Subject(namespace, name, spec, project, cluster, server, inventory)


def new_pass(
    app: dict[str, Any], subject: Subject, now: dt.datetime, settings: ReconcileSettings
) -> Pass:
    p = Pass(app, subject, copy.deepcopy(app.get("status") or {}), now, format_time(now))
    p.conditions.extend(
        Condition(cond.CONFIGURATION_WARNING, problem) for problem in settings.config_problems
    )
    p.operation = opstate.requested_or_running(app)
    p.op_state = p.previous.get("operationState")
    # A requested sync or refresh must see the latest push, not a shared answer.
    p.fresh = bool(app.get("operation")) or bool(annotation(app, REFRESH))
    return p
