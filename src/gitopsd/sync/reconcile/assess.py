"""The assessment: what Git wants, whether the project allows it, how the cluster compares.

One function, :func:`assess`, used by the reconciler on every pass and by ``gitopsd app
diff``, so the command shows exactly the drift the controller acts on (resource
exclusions, global ignoreDifferences, project checks and all):

    render (Git; during an outage, the last known revision)
    → desired set (excluded kinds left out, scopes from discovery)
    → project checks (every object and hook; inventory entries the project refuses)
    → live state (LIST by tracking label + GET) and comparison (server-side-apply dry runs)
    → shared resources, and no takeover of others' gitopsd objects

It writes nothing. A step that cannot go on returns a :class:`Refusal` (the condition to
report, whether to back off and retry, the commit it was about) instead of raising, so
each caller decides what a refusal means for it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gitopsd.desired import DesiredSet, tracking_label_value
from gitopsd.diff import Comparison, DiffOptions, shared_resources
from gitopsd.errors import ClusterError, GitopsdError, RepositoryUnreachable
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.render import GeneratedManifests, RenderContext
from gitopsd.status import Condition
from gitopsd.status import conditions as cond
from gitopsd.sync import admission
from gitopsd.sync.compare import CompareOptions, compare
from gitopsd.sync.environment import Environment, ReconcileSettings
from gitopsd.sync.live import LiveState, read_live
from gitopsd.sync.passes import Subject


@dataclass(frozen=True)
class Refusal:
    """Why the assessment (or loading) could not go on."""

    condition: str  # the condition type to report (InvalidSpecError, ComparisonError)
    message: str
    retry: bool = False  # a failure of Git, a render or the cluster: back off and retry
    revisions: tuple[str, ...] | None = None  # the commit(s) it was about, when known


@dataclass(frozen=True)
class Assessment:
    """What one assessment found; the sync stage and the status read it."""

    generated: GeneratedManifests
    desired: DesiredSet
    # Inventory entries the project does not permit, with why: never pruned or deleted.
    refused: Mapping[ResourceKey, str]
    hooks_live: LiveState
    comparison: Comparison
    shared: frozenset[ResourceKey]  # desired objects another application tracks
    conditions: tuple[Condition, ...] = ()  # warnings found on the way

    @property
    def revisions(self) -> tuple[str, ...]:
        return self.generated.revisions


@dataclass(frozen=True)
class Render:
    """Which commits to render. ``revisions`` pins them (an operation's); ``fresh`` asks
    Git for branch heads again; ``last_known`` is what to compare with while Git is
    unreachable (None: no fallback, the outage is a refusal)."""

    revisions: list[str] | None = None
    fresh: bool = False
    last_known: Sequence[str] | None = None


def assess(
    subject: Subject, env: Environment, settings: ReconcileSettings, render: Render
) -> Assessment | Refusal:
    conditions: list[Condition] = []
    rendered = _render(subject, env, settings, render, conditions)
    if isinstance(rendered, Refusal):
        return rendered
    generated, desired, refused = rendered
    refusal = _check_project(subject, desired, refused, conditions)
    if refusal is not None:
        return dataclasses.replace(refusal, revisions=generated.revisions)
    compared = compare_live(subject, desired, env, settings)
    if isinstance(compared, Refusal):
        return dataclasses.replace(compared, revisions=generated.revisions)
    comparison, hooks_live = compared
    shared = shared_resources(comparison, subject.app_namespace, subject.app_name)
    if shared:
        listed = ", ".join(str(k) for k in sorted(shared)[:5])
        message = f"resources also tracked by another application: {listed}"
        conditions.append(Condition(cond.SHARED_RESOURCE_WARNING, message))
    refusal = _refuse_takeover(subject, desired, comparison, hooks_live, settings)
    if refusal is not None:
        return refusal
    return Assessment(
        generated, desired, refused, hooks_live, comparison, shared, tuple(conditions)
    )


def compare_live(
    subject: Subject, desired: DesiredSet, env: Environment, settings: ReconcileSettings
) -> tuple[Comparison, LiveState] | Refusal:
    """Read the live state of the desired objects, the inventory and the hooks, and compare
    (memoised dry runs). Also how a pass reports an operation's effect once it ended."""
    tracking = tracking_label_value(subject.app_namespace, subject.app_name)
    hook_keys = {item.key for item in desired.hooks}
    wanted = desired.keys() | subject.inventory | hook_keys
    try:
        live = read_live(subject.cluster, wanted, tracking_value=tracking)
    except ClusterError as error:
        return Refusal(cond.COMPARISON_ERROR, str(error), retry=True)
    spec = subject.spec
    options = CompareOptions(
        diff=DiffOptions(ignore=spec.ignore_differences + settings.global_ignore_differences),
        app_sync_options=spec.sync_policy.sync_options,
    )
    comparison = compare(
        subject.cluster,
        desired,
        live,
        subject.inventory,
        memo=env.memo_for(subject.server),
        assessor=env.assessor(),
        options=options,
    )
    return comparison, {key: live.get(key) for key in hook_keys}


def excluded(settings: ReconcileSettings, group_kind: GroupKind, server: str) -> bool:
    """``resource.exclusions``/``inclusions``: kinds never applied, compared or pruned."""
    return settings.resource_filters.excluded(group_kind.group, group_kind.kind, server)


def _render(
    subject: Subject,
    env: Environment,
    settings: ReconcileSettings,
    render: Render,
    conditions: list[Condition],
) -> tuple[GeneratedManifests, DesiredSet, dict[ResourceKey, str]] | Refusal:
    generated: GeneratedManifests | None = None
    spec, cluster = subject.spec, subject.cluster
    try:
        context = RenderContext(
            app_name=subject.app_name,
            namespace=spec.destination.namespace,
            kube_version=cluster.server_version(),
            # Chart repositories a render fetches from must be allowed like sources.
            source_repos=subject.project.source_repos,
            project=subject.project.name,
        )
        generated = _generate(subject, env, context, render, conditions)
        wanted = [
            obj
            for obj in generated.objects
            if not excluded(settings, GroupKind.of(obj), subject.server)
        ]
        desired = admission.build_desired(
            cluster,
            wanted,
            app_namespace=subject.app_namespace,
            app_name=subject.app_name,
            destination_namespace=spec.destination.namespace,
            revision=generated.revisions[0] if generated.revisions else "",
        )
        refused = admission.refused_inventory(
            subject.project,
            subject.inventory,
            cluster.resources(),
            server=subject.server,
            cluster_name=spec.destination.name,
        )
    except GitopsdError as error:
        # Never prune on a failed fetch or render: keep the last known resources. Name
        # the commit that failed, not the last one that rendered.
        failed = generated.revisions if generated else _revisions_of(error)
        message = f"commit {short(failed)}: {error}" if failed else str(error)
        return Refusal(cond.COMPARISON_ERROR, message, retry=True, revisions=failed)
    return generated, desired, refused


def _generate(
    subject: Subject,
    env: Environment,
    context: RenderContext,
    render: Render,
    conditions: list[Condition],
) -> GeneratedManifests:
    """Render; during a Git outage, compare with (and self-heal to) the last revision the
    Application knew, rendered from the cache, and say Git is unreachable."""
    spec = subject.spec
    try:
        return env.generate(spec, context, render.revisions, fresh=render.fresh)
    except RepositoryUnreachable as error:
        known = list(render.last_known or ())
        if render.last_known is None or len(known) != len(spec.sources):
            raise
        try:
            generated = env.generate(spec, context, known)
        except GitopsdError:
            raise error from None
        message = (
            f"Git is unreachable; comparing with the last known revision {short(known)}: {error}"
        )
        conditions.append(Condition(cond.REPOSITORY_UNREACHABLE, message))
        return generated


def _check_project(
    subject: Subject,
    desired: DesiredSet,
    refused: Mapping[ResourceKey, str],
    conditions: list[Condition],
) -> Refusal | None:
    """Nothing outside the project is applied: a violation refuses the pass before any
    write (and so before any prune). Inventory entries outside it are reported."""
    violations = admission.manifest_violations(
        subject.project,
        desired,
        server=subject.server,
        cluster_name=subject.spec.destination.name,
    )
    if violations:
        return Refusal(cond.INVALID_SPEC, "; ".join(violations))
    unknown = admission.unknown_kinds_message(desired)
    if unknown:
        conditions.append(Condition(cond.COMPARISON_ERROR, unknown))
    if refused:
        message = admission.refused_inventory_message(subject.project, refused)
        conditions.append(Condition(cond.EXCLUDED_RESOURCE_WARNING, message))
    return None


def _refuse_takeover(
    subject: Subject,
    desired: DesiredSet,
    comparison: Comparison,
    hooks_live: LiveState,
    settings: ReconcileSettings,
) -> Refusal | None:
    """An existing Application, AppProject, ApplicationSet (or control-namespace Secret
    or ConfigMap) that this Application does not track is never written."""
    live = {o.key: o.live for o in comparison.objects} | dict(hooks_live)
    violations = admission.takeovers(
        desired,
        live,
        app_namespace=subject.app_namespace,
        app_name=subject.app_name,
        control_namespace=settings.app_namespaces.control,
    )
    return Refusal(cond.INVALID_SPEC, "; ".join(violations)) if violations else None


def _revisions_of(error: GitopsdError) -> tuple[str, ...] | None:
    return tuple(error.revisions) or None


def short(revisions: Sequence[str] | None) -> str:
    """``1a2b3c4,5d6e7f8``: commits as people read them."""
    return ",".join(str(r)[:7] for r in revisions or ())
