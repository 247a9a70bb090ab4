"""Scenarios: the metric facts a pass returns (so the controller never re-parses the spec),
and the one store of what the reconciler remembers between passes."""

from __future__ import annotations

import datetime as dt

from gitopsd.model.keys import ResourceKey
from gitopsd.project import DestinationRule, OrphanedResourcesPolicy, Project
from gitopsd.sync.reconcile.memory import AppMemory
from gitopsd.sync.reconciler import MetricFacts
from tests.unit.engine.harness import APP_NAME, APP_NAMESPACE, DEST, REPO_URL, Engine, configmap

KEY = (APP_NAMESPACE, APP_NAME)
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_a_pass_returns_the_metric_facts_of_the_parsed_spec() -> None:
    engine = Engine([configmap("settings")], sync_policy={"automated": {}})
    assert engine.reconcile().result.facts == MetricFacts(
        project="default",
        repo=REPO_URL,
        destination="https://kubernetes.default.svc",
        destination_namespace=DEST,
        automated=True,
        orphans=None,  # the default project does not watch for orphans
    )


def test_a_refused_spec_is_still_counted_under_what_it_names() -> None:
    engine = Engine([configmap("settings")], spec={"project": "missing"})
    record = engine.reconcile()
    assert record.result.status["sync"]["status"] == "Unknown"
    assert record.result.facts == MetricFacts(
        project="missing",
        repo=REPO_URL,
        destination="https://kubernetes.default.svc",
        destination_namespace=DEST,
        automated=False,
    )


def test_the_orphan_count_comes_with_the_facts_when_the_project_watches() -> None:
    watching = Project(
        name="default",
        source_repos=("*",),
        destinations=(DestinationRule(server="*", namespace="*"),),
        cluster_resource_whitelist=(),
        orphaned_resources=OrphanedResourcesPolicy(),
    )
    engine = Engine([configmap("settings")], projects=(watching,))
    with engine.cluster.unrecorded():
        stray = configmap("stray")
        stray["metadata"]["namespace"] = DEST
        engine.cluster.apply(stray, field_manager="kubectl")
    facts = engine.reconcile().result.facts
    assert facts is not None and facts.orphans == 1


def test_memory_backs_off_self_heal_until_synced_or_forgotten() -> None:
    memory = AppMemory()
    memory.healed(KEY, T0)
    memory.healed(KEY, T0 + dt.timedelta(seconds=5))
    assert memory.self_heal(KEY).attempts == 2
    assert memory.self_heal(KEY).last_at == T0 + dt.timedelta(seconds=5)
    memory.in_sync(KEY)
    assert memory.self_heal(KEY).attempts == 0
    memory.healed(KEY, T0)
    memory.forget(KEY)
    assert memory.self_heal(KEY).attempts == 0


def test_memory_scans_for_orphans_at_most_once_a_minute() -> None:
    memory = AppMemory()
    scans: list[int] = []
    stray = ResourceKey("", "ConfigMap", DEST, "stray")

    def scan() -> list[ResourceKey]:
        scans.append(1)
        return [stray]

    assert memory.orphans(KEY, T0, scan) == (stray,)
    assert memory.orphans(KEY, T0 + dt.timedelta(seconds=59), scan) == (stray,)
    assert len(scans) == 1
    memory.orphans(KEY, T0 + dt.timedelta(seconds=61), scan)
    assert len(scans) == 2
    memory.not_watching_orphans(KEY)
    memory.orphans(KEY, T0 + dt.timedelta(seconds=62), scan)
    assert len(scans) == 3


def test_memory_keeps_when_a_prune_confirmation_was_first_needed() -> None:
    memory = AppMemory()
    memory.confirmation_pending(KEY, T0, pending=True)
    memory.confirmation_pending(KEY, T0 + dt.timedelta(seconds=30), pending=True)
    assert memory.prune_needed_since(KEY) == T0
    memory.confirmation_pending(KEY, T0 + dt.timedelta(seconds=40), pending=False)
    assert memory.prune_needed_since(KEY) is None
    memory.confirmation_pending(KEY, T0, pending=True)
    memory.forget(KEY)
    assert memory.prune_needed_since(KEY) is None
