"""The render cache: hits run no tool, results are private copies, unaffected commits reuse."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitopsd.render import CachedRenderer, RenderContext
from gitopsd.spec import HelmOptions, KustomizeOptions, Source
from tests.unit.render.conftest import CountingRunner

REPO = Path(__file__).parent / "testdata" / "repo"
URL = "https://git.example.com/demo.git"
CONTEXT = RenderContext(app_name="guestbook", namespace="guestbook")
DEV = Source(repo_url=URL, path="envs/dev")
PRODUCTION = Source(repo_url=URL, path="envs/production")
CHART = Source(
    repo_url=URL, path="charts/webapp", helm=HelmOptions(value_files=("../values/shared.yaml",))
)
OLD, NEW = "1" * 40, "2" * 40


def test_second_render_of_the_same_inputs_runs_no_tool(runner: CountingRunner) -> None:
    renderer = CachedRenderer(runner=runner)
    first = renderer.render(URL, OLD, DEV, REPO, CONTEXT)
    second = renderer.render("https://GIT.example.com/demo/", OLD, DEV, REPO, CONTEXT)
    assert runner.calls == ["kustomize"]
    assert first == second


def test_different_options_context_or_commit_render_again(runner: CountingRunner) -> None:
    renderer = CachedRenderer(runner=runner)
    renderer.render(URL, OLD, DEV, REPO, CONTEXT)
    renderer.render(URL, NEW, DEV, REPO, CONTEXT)
    renderer.render(URL, OLD, DEV, REPO, RenderContext("guestbook", "elsewhere"))
    prefixed = Source(repo_url=URL, path="envs/dev", kustomize=KustomizeOptions(name_prefix="x-"))
    renderer.render(URL, OLD, prefixed, REPO, CONTEXT)
    assert runner.count == 4


def test_callers_get_private_copies(runner: CountingRunner) -> None:
    renderer = CachedRenderer(runner=runner)
    first = renderer.render(URL, OLD, DEV, REPO, CONTEXT)
    first[0]["metadata"]["labels"] = {"mutated": "yes"}
    again = renderer.render(URL, OLD, DEV, REPO, CONTEXT)
    assert "mutated" not in str(again)


def test_least_recently_used_entries_are_evicted(runner: CountingRunner) -> None:
    renderer = CachedRenderer(max_entries=1, runner=runner)
    renderer.render(URL, OLD, DEV, REPO, CONTEXT)
    renderer.render(URL, OLD, PRODUCTION, REPO, CONTEXT)
    renderer.render(URL, OLD, DEV, REPO, CONTEXT)
    assert runner.count == 3
    assert len(renderer) == 1


@pytest.mark.parametrize(
    ("source", "changed", "reused"),
    [
        (DEV, {"envs/staging/kustomization.yaml"}, True),
        (DEV, {"README.md", "charts/webapp/values.yaml"}, True),
        (DEV, {"envs/dev/kustomization.yaml"}, False),
        (DEV, {"envs/base/deployment.yaml"}, False),  # a ../ base it loads
        (PRODUCTION, {"components/monitoring/service-monitor.yaml"}, True),
        (CHART, {"envs/base/deployment.yaml"}, True),
        (CHART, {"charts/webapp/charts/cache/values.yaml"}, False),  # vendored subchart
        (CHART, {"charts/values/shared.yaml"}, False),  # value file outside the chart
        (CHART, {"charts"}, False),  # a parent replaced (e.g. by a symlink)
    ],
    ids=lambda value: ",".join(sorted(value)) if isinstance(value, set) else None,
)
def test_unaffected_commit_reuses_the_previous_render(
    runner: CountingRunner, source: Source, changed: set[str], reused: bool
) -> None:
    renderer = CachedRenderer(runner=runner)
    before = renderer.render(URL, OLD, source, REPO, CONTEXT)
    result = renderer.reuse_if_unaffected(URL, OLD, NEW, source, CONTEXT, frozenset(changed))
    assert (result == before) if reused else (result is None)
    if reused:  # now cached under the new commit too: no tool runs
        assert renderer.render(URL, NEW, source, REPO, CONTEXT) == before
    assert runner.count == 1


def test_reuse_needs_a_previous_render(runner: CountingRunner) -> None:
    renderer = CachedRenderer(runner=runner)
    assert renderer.reuse_if_unaffected(URL, OLD, NEW, DEV, CONTEXT, frozenset()) is None
