"""ManifestGenerator against real Git: spec to objects, commit by commit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitopsd.errors import RevisionNotFound
from gitopsd.render import CachedRenderer, ManifestGenerator, RenderContext
from gitopsd.source import GitRepositories
from gitopsd.spec import ApplicationSpec, parse_application_spec
from tests.support.gitserver import BareRepo, bare_repo
from tests.unit.render.conftest import CountingRunner

TESTDATA = Path(__file__).parent / "testdata"
CONTEXT = RenderContext(app_name="guestbook-dev", namespace="guestbook-dev")


def _tree(*directories: str) -> dict[str, str | None]:
    root = TESTDATA / "repo"
    return {
        p.relative_to(root).as_posix(): p.read_text()
        for directory in directories
        for p in sorted((root / directory).rglob("*"))
        if p.is_file()
    }


def _spec(*sources: dict[str, Any]) -> ApplicationSpec:
    raw: dict[str, Any] = {"destination": {"server": "https://kubernetes.default.svc"}}
    if len(sources) == 1:
        raw["source"] = sources[0]
    else:
        raw["sources"] = list(sources)
    return parse_application_spec(raw)


def _golden(name: str) -> list[dict[str, Any]]:
    expected: list[dict[str, Any]] = yaml.safe_load(
        (TESTDATA / "cases" / f"{name}.yaml").read_text()
    )["expected"]
    return expected


@pytest.fixture
def seed(tmp_path: Path) -> BareRepo:
    repo = bare_repo(tmp_path, "seed")
    repo.commit(_tree("envs", "components"), "multi-environment seed")
    return repo


@pytest.fixture
def generator(tmp_path: Path, runner: CountingRunner) -> ManifestGenerator:
    return ManifestGenerator(GitRepositories(tmp_path / "cache"), CachedRenderer(runner=runner))


def test_generates_the_overlay_with_revision_and_commit(
    seed: BareRepo, generator: ManifestGenerator
) -> None:
    spec = _spec({"repoURL": seed.url, "path": "envs/dev", "targetRevision": "main"})
    generated = generator.generate(spec, CONTEXT)
    assert list(generated.objects) == _golden("kustomize-dev-overlay")
    assert generated.revisions == (seed.head(),)
    assert generated.commits[0].message == "multi-environment seed\n"


def test_commits_elsewhere_reuse_the_render_and_base_changes_do_not(
    seed: BareRepo, generator: ManifestGenerator, runner: CountingRunner
) -> None:
    spec = _spec({"repoURL": seed.url, "path": "envs/dev"})
    first = generator.generate(spec, CONTEXT)
    assert runner.count == 1

    seed.commit({"envs/staging/kustomization.yaml": "resources: [../base]\n"}, "staging only")
    unaffected = generator.generate(spec, CONTEXT)
    assert unaffected.revisions != first.revisions
    assert unaffected.objects == first.objects
    assert runner.count == 1  # reused, no kustomize run

    again = generator.generate(spec, CONTEXT)
    assert again.objects == first.objects
    assert runner.count == 1  # plain cache hit

    service = (TESTDATA / "repo/envs/base/service.yaml").read_text().replace("80", "8080", 1)
    seed.commit({"envs/base/service.yaml": service}, "base port")
    affected = generator.generate(spec, CONTEXT)
    assert runner.count == 2
    ports = [o["spec"]["ports"][0]["port"] for o in affected.objects if o["kind"] == "Service"]
    assert ports == [8080]


def test_revision_override_renders_an_older_commit(
    seed: BareRepo, generator: ManifestGenerator
) -> None:
    old = seed.head()
    seed.commit({"envs/dev/kustomization.yaml": "resources: []\n"}, "empty dev")
    spec = _spec({"repoURL": seed.url, "path": "envs/dev"})
    assert generator.generate(spec, CONTEXT).objects == ()
    rolled_back = generator.generate(spec, CONTEXT, revisions=[old])
    assert rolled_back.revisions == (old,)
    assert list(rolled_back.objects) == _golden("kustomize-dev-overlay")


def test_multi_source_with_a_ref_for_value_files(
    tmp_path: Path, generator: ManifestGenerator
) -> None:
    charts = bare_repo(tmp_path, "charts")
    charts.commit(_tree("charts/webapp"), "chart")
    values = bare_repo(tmp_path, "values")
    values.commit({"prod/values.yaml": "replicaCount: 7\ncache:\n  enabled: false\n"}, "values")
    spec = _spec(
        {
            "repoURL": charts.url,
            "path": "charts/webapp",
            "helm": {"valueFiles": ["$values/prod/values.yaml"], "skipCrds": True},
        },
        {"repoURL": values.url, "targetRevision": "main", "ref": "values"},
    )
    generated = generator.generate(spec, RenderContext(app_name="webapp", namespace="web"))
    kinds = sorted(o["kind"] for o in generated.objects)
    assert kinds == ["Deployment", "Service"]
    deployment = next(o for o in generated.objects if o["kind"] == "Deployment")
    assert deployment["spec"]["replicas"] == 7
    assert generated.revisions == (charts.head(), values.head())
    assert [c.sha for c in generated.commits] == list(generated.revisions)


def test_unknown_revision_is_an_error_not_an_empty_render(
    seed: BareRepo, generator: ManifestGenerator
) -> None:
    spec = _spec({"repoURL": seed.url, "path": "envs/dev", "targetRevision": "release-9"})
    with pytest.raises(RevisionNotFound):
        generator.generate(spec, CONTEXT)
