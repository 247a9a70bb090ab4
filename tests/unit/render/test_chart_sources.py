"""Chart sources end to end below the cluster: a chart repository on 127.0.0.1, Git on
disk, the real helm and kustomize. The revision is ``VERSION@DIGEST``; dependencies and
kustomize ``helmCharts`` come from gitopsd's chart cache and must be allowed by the
project; helm itself stays offline."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitopsd.errors import (
    PathEscape,
    ProjectViolation,
    RepositoryUnreachable,
    RevisionNotFound,
    SpecError,
)
from gitopsd.render import CachedRenderer, ManifestGenerator, RenderContext
from gitopsd.render.rendering import RenderExtensions
from gitopsd.source import ChartRepositories, GitRepositories, credentials_from_secrets
from gitopsd.spec import ApplicationSpec, parse_application_spec
from tests.support.charts import ChartServer, chart_server, index, make_chart, package
from tests.support.gitserver import bare_repo

CONTEXT = RenderContext(app_name="web", namespace="web")


def _spec(*sources: dict[str, Any]) -> ApplicationSpec:
    raw: dict[str, Any] = {"destination": {"server": "https://kubernetes.default.svc"}}
    if len(sources) == 1:
        raw["source"] = sources[0]
    else:
        raw["sources"] = list(sources)
    return parse_application_spec(raw)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[ChartServer]:
    out = tmp_path / "repo"
    for version in ("1.0.0", "1.1.0"):
        package(make_chart(tmp_path / "src", "hello", version), out)
    package(make_chart(tmp_path / "src", "postgresql", "12.1.0"), out)
    with chart_server(out) as server:
        index(out, server.url)
        yield server


@pytest.fixture
def charts(tmp_path: Path) -> ChartRepositories:
    return ChartRepositories(tmp_path / "cache")


def _generator(tmp_path: Path, charts: ChartRepositories) -> ManifestGenerator:
    renderer = CachedRenderer(extensions=RenderExtensions(charts=charts))
    return ManifestGenerator(GitRepositories(tmp_path / "git"), renderer, charts)


def _data(objects: tuple[dict[str, Any], ...], name: str) -> dict[str, str]:
    found = [o for o in objects if o["metadata"]["name"] == name]
    assert found, [o["metadata"]["name"] for o in objects]
    data: dict[str, str] = found[0]["data"]
    return data


def test_a_chart_source_renders_with_its_version_and_digest_as_revision(
    served: ChartServer, charts: ChartRepositories, tmp_path: Path
) -> None:
    generator = _generator(tmp_path, charts)
    spec = _spec({"repoURL": served.url, "chart": "hello", "targetRevision": "1.*",
                  "helm": {"values": "greeting: bonjour"}})  # fmt: skip
    generated = generator.generate(spec, CONTEXT)
    version, _, digest = generated.revisions[0].partition("@")
    assert version == "1.1.0" and digest.startswith("sha256:")
    assert _data(generated.objects, "web-hello") == {"chartVersion": "1.1.0", "greeting": "bonjour"}
    # A rollback names the earlier revision exactly.
    first = generator.generate(_spec({"repoURL": served.url, "chart": "hello",
                                      "targetRevision": "1.0.0"}), CONTEXT)  # fmt: skip
    back = generator.generate(spec, CONTEXT, revisions=[first.revisions[0]])
    assert back.revisions == first.revisions
    assert _data(back.objects, "web-hello")["chartVersion"] == "1.0.0"
    assert charts.downloads == 2


def test_values_from_git_for_a_chart_from_a_repository(
    served: ChartServer, charts: ChartRepositories, tmp_path: Path
) -> None:
    values = bare_repo(tmp_path, "values")
    values.commit({"envs/prod.yaml": "greeting: from-git\n"}, "prod values")
    spec = _spec(
        {"repoURL": served.url, "chart": "hello", "targetRevision": "1.0.0",
         "helm": {"valueFiles": ["$values/envs/prod.yaml"]}},
        {"repoURL": values.url, "targetRevision": "main", "ref": "values"},
    )  # fmt: skip
    generator = _generator(tmp_path, charts)
    generated = generator.generate(spec, CONTEXT)
    assert _data(generated.objects, "web-hello")["greeting"] == "from-git"
    assert generated.revisions[1] == values.head()
    values.commit({"envs/prod.yaml": "greeting: changed\n"}, "new values")
    again = generator.generate(spec, CONTEXT)
    assert again.revisions[1] == values.head() != generated.revisions[1]
    assert _data(again.objects, "web-hello")["greeting"] == "changed"


def _chart_with_dependency(tmp_path: Path, repository: str, lock: bool = False) -> str:
    repo = bare_repo(tmp_path, "app")
    chart = {
        "apiVersion": "v2", "name": "app", "version": "0.1.0",
        "dependencies": [{"name": "postgresql", "version": "12.x.x", "repository": repository}],
    }  # fmt: skip
    files = {
        "chart/Chart.yaml": yaml.safe_dump(chart),
        "chart/values.yaml": "postgresql:\n  greeting: from-parent\n",
        "chart/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n",
    }
    if lock:
        entry = {"name": "postgresql", "repository": repository, "version": "12.1.0"}
        files["chart/Chart.lock"] = yaml.safe_dump({"dependencies": [entry], "digest": "x"})
    repo.commit(files, "app chart")
    return repo.url


def test_a_dependency_is_fetched_through_the_cache(
    served: ChartServer, charts: ChartRepositories, tmp_path: Path
) -> None:
    url = _chart_with_dependency(tmp_path, served.url, lock=True)
    generated = _generator(tmp_path, charts).generate(_spec({"repoURL": url, "path": "chart"}),
                                                      CONTEXT)  # fmt: skip
    assert _data(generated.objects, "web-postgresql")["greeting"] == "from-parent"
    assert served.count("postgresql-12.1.0.tgz") == 1


def test_a_dependency_outside_source_repos_is_refused_before_any_fetch(
    served: ChartServer, charts: ChartRepositories, tmp_path: Path
) -> None:
    url = _chart_with_dependency(tmp_path, served.url)
    context = RenderContext("web", "web", source_repos=(url,), project="team-a")
    with pytest.raises(ProjectViolation, match=r"not permitted in project team-a.*nothing"):
        _generator(tmp_path, charts).generate(_spec({"repoURL": url, "path": "chart"}), context)
    assert served.requests == []


def test_a_dependency_that_cannot_be_fetched_is_an_error_never_an_empty_render(
    served: ChartServer, charts: ChartRepositories, tmp_path: Path
) -> None:
    url = _chart_with_dependency(tmp_path, served.url + "/gone")
    with pytest.raises(RepositoryUnreachable, match=r"dependency postgresql: .*404"):
        _generator(tmp_path, charts).generate(_spec({"repoURL": url, "path": "chart"}), CONTEXT)


def test_a_wrong_chart_version_is_a_clear_error(
    served: ChartServer, charts: ChartRepositories, tmp_path: Path
) -> None:
    spec = _spec({"repoURL": served.url, "chart": "hello", "targetRevision": "3.0.0"})
    with pytest.raises(RevisionNotFound, match=r"no version matches '3\.0\.0'"):
        _generator(tmp_path, charts).generate(spec, CONTEXT)


def test_kustomize_helm_charts_come_from_the_chart_cache(
    served: ChartServer, charts: ChartRepositories, tmp_path: Path
) -> None:
    repo = bare_repo(tmp_path, "kust")
    kustomization = {
        "helmCharts": [{"name": "hello", "repo": served.url, "version": "1.0.0",
                        "releaseName": "k", "valuesInline": {"greeting": "inline"}}],
        "resources": ["extra.yaml"],
    }  # fmt: skip
    repo.commit(
        {
            "app/kustomization.yaml": yaml.safe_dump(kustomization),
            "app/extra.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n",
        },
        "kustomize with a chart",
    )
    generated = _generator(tmp_path, charts).generate(
        _spec({"repoURL": repo.url, "path": "app"}), CONTEXT
    )
    assert _data(generated.objects, "k-hello") == {"chartVersion": "1.0.0", "greeting": "inline"}
    assert served.count("hello-1.0.0.tgz") == 1
    denied = RenderContext("web", "web", source_repos=(repo.url,), project="p")
    with pytest.raises(ProjectViolation, match="helmCharts hello"):
        _generator(tmp_path / "other", ChartRepositories(tmp_path / "c2")).generate(
            _spec({"repoURL": repo.url, "path": "app"}), denied
        )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"repoURL": "https://c.example.com", "chart": "../etc", "targetRevision": "1.0.0"},
         "spec.source.chart"),
        ({"repoURL": "ftp://c.example.com", "chart": "web", "targetRevision": "1.0.0"},
         "spec.source.repoURL"),
        ({"repoURL": "https://c.example.com", "chart": "web", "targetRevision": "latest"},
         "spec.source.targetRevision"),
        ({"repoURL": "https://c.example.com", "chart": "web",
          "helm": {"fileParameters": [{"name": "a", "path": "/etc/passwd"}]}},
         "spec.source.helm.fileParameters: not supported"),
        ({"repoURL": "https://c.example.com", "chart": "web", "helm": {"passCredentials": True}},
         "spec.source.helm.passCredentials: not supported"),
    ],
)  # fmt: skip
def test_chart_sources_gitopsd_will_not_render_are_invalid_specs(
    source: dict[str, Any], message: str
) -> None:
    with pytest.raises(SpecError, match=re.escape(message)):
        _spec(source)


def test_oci_sources_are_written_with_or_without_a_scheme() -> None:
    for url in ("oci://registry.example.com:5000/charts", "registry.example.com/charts"):
        spec = _spec({"repoURL": url, "chart": "web", "targetRevision": "1.x"})
        assert spec.sources[0].chart == "web"


def test_dependencies_by_repository_secret_name_and_by_file_path(
    served: ChartServer, tmp_path: Path
) -> None:
    store = credentials_from_secrets([{
        "metadata": {"name": "stable", "namespace": "gitopsd",
                     "labels": {"gitopsd.io/secret-type": "repository"}},
        "stringData": {"type": "helm", "name": "stable", "url": served.url},
    }])  # fmt: skip
    charts = ChartRepositories(tmp_path / "cache", credentials=store)
    repo = bare_repo(tmp_path, "named")
    chart = {
        "apiVersion": "v2", "name": "app", "version": "0.1.0",
        "dependencies": [{"name": "postgresql", "version": "12.x", "repository": "@stable"},
                         {"name": "local", "version": "0.1.0", "repository": "file://../local"}],
    }  # fmt: skip
    local = {"apiVersion": "v2", "name": "local", "version": "0.1.0"}
    repo.commit({
        "chart/Chart.yaml": yaml.safe_dump(chart),
        "local/Chart.yaml": yaml.safe_dump(local),
        "local/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local\n",
    }, "named and local dependencies")  # fmt: skip
    generated = _generator(tmp_path, charts).generate(
        _spec({"repoURL": repo.url, "path": "chart"}), CONTEXT
    )
    assert {o["metadata"]["name"] for o in generated.objects} == {"web-postgresql", "local"}
    escaping = bare_repo(tmp_path, "escaping")
    chart["dependencies"] = [{"name": "x", "repository": "file://../../../etc"}]
    escaping.commit({"chart/Chart.yaml": yaml.safe_dump(chart)}, "leave the repository")
    with pytest.raises(PathEscape):
        _generator(tmp_path / "e", charts).generate(
            _spec({"repoURL": escaping.url, "path": "chart"}), CONTEXT
        )
