"""Orphaned resources, from golden live objects in testdata/orphans-*.yaml."""

from __future__ import annotations

from pathlib import Path

import yaml

from gitopsd.model.keys import ResourceKey
from gitopsd.project import orphaned_resources, orphaned_warning, parse_project

TESTDATA = Path(__file__).parent / "testdata"


def test_orphans_leave_out_tracked_owned_built_in_and_ignored_objects() -> None:
    scenario = yaml.safe_load((TESTDATA / "orphans-with-ignore.yaml").read_text())
    project = parse_project(scenario["project"])
    live = [(ResourceKey.of(obj), obj) for obj in scenario["live"]]
    orphans = orphaned_resources(project, live)
    assert [str(key) for key in orphans] == scenario["expect"]["orphans"]
    assert orphaned_warning(project, orphans) == scenario["expect"]["warning"]


def test_annotations_alone_are_enough_to_tell_tracked_objects() -> None:
    project = parse_project({"metadata": {"name": "p"}, "spec": {"orphanedResources": {}}})
    tracked = ResourceKey("", "ConfigMap", "web", "a")
    untracked = ResourceKey("", "ConfigMap", "web", "b")
    live = [
        (tracked, {"gitopsd.io/tracking-id": "gitopsd_web:/ConfigMap:web/a"}),
        (untracked, {"team": "web"}),
    ]
    orphans = orphaned_resources(project, live)
    assert orphans == [untracked]
    assert orphaned_warning(project, orphans) == "Application has 1 orphaned resource"


def test_without_orphaned_resources_nothing_is_monitored() -> None:
    project = parse_project({"metadata": {"name": "p"}})
    live = [(ResourceKey("", "ConfigMap", "web", "a"), {"metadata": {}})]
    assert orphaned_resources(project, live) == []
    assert orphaned_warning(project, []) is None


def test_warn_false_counts_but_does_not_warn() -> None:
    project = parse_project(
        {"metadata": {"name": "p"}, "spec": {"orphanedResources": {"warn": False}}}
    )
    orphans = orphaned_resources(project, [(ResourceKey("", "ConfigMap", "web", "a"), {})])
    assert len(orphans) == 1
    assert orphaned_warning(project, orphans) is None
