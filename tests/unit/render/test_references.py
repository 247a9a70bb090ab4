"""What kustomize and Helm are allowed to load: repository files only.

Every spelling kustomize would fetch is refused before it runs (the network is closed
anyway, see test_sandbox.py); references the Application adds (patch files, components)
are checked like the kustomization's own; chart schemas may not reference anything
outside themselves, because Helm would read it from the controller's filesystem."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest

from gitopsd.errors import ManifestError, PathEscape
from gitopsd.render import RenderContext, render_source
from gitopsd.render.chart_schemas import check_chart_schemas
from gitopsd.render.kustomize_refs import is_remote
from gitopsd.spec import KustomizeOptions, Source
from tests.unit.render.conftest import CountingRunner

REPO = Path(__file__).parent / "testdata" / "repo"
CONTEXT = RenderContext(app_name="app", namespace="app")
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"
REMOTE_SPELLINGS = [
    "https://github.com/org/repo//deploy?ref=v1",
    "http://127.0.0.1:8080/cm.yaml",
    "file:///etc/passwd",
    "git::https://example.com/org/repo",
    "gh:org/repo",
    "github.com/org/repo/deploy",
    "GitHub.com/org/repo",
    "www.github.com/org/repo",
    "github.com:org/repo",
    "git@github.com:org/repo.git//deploy",
    "deploy@git.example.com:org/repo.git",
    "git.example.com:org/repo",
    "ssh://git@example.com/org/repo.git",
    "example.com/org/repo.git",
    "example.com/org/repo//base?ref=main",
    "example.com/org/_git/repo",
    "./base.git",
    "base?ref=main",
]
LOCAL = ["cm.yaml", "../base", "sub/dir", "./overlays/dev", "my.app/base", "v1.2/x.yaml"]


@pytest.mark.parametrize("reference", REMOTE_SPELLINGS)
def test_every_remote_spelling_is_recognised(reference: str) -> None:
    assert is_remote(reference)


@pytest.mark.parametrize("reference", LOCAL)
def test_local_references_are_not_remote(reference: str) -> None:
    assert not is_remote(reference)


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return _write(
        tmp_path / "repo",
        {
            "app/kustomization.yaml": "resources: [cm.yaml]\n",
            "app/cm.yaml": CONFIGMAP.format(name="ok"),
            "app/patch.yaml": "- op: add\n  path: /data\n  value: {a: b}\n",
        },
    )


@pytest.mark.parametrize("reference", REMOTE_SPELLINGS)
@pytest.mark.parametrize("field", ["resources", "components", "crds"])
def test_remote_references_never_reach_kustomize(
    repo: Path, runner: CountingRunner, reference: str, field: str
) -> None:
    _write(repo, {"app/kustomization.yaml": f"{field}:\n  - {reference}\n"})
    with pytest.raises(PathEscape, match="remote resource"):
        render_source(Source(repo_url="file:///r", path="app"), repo, CONTEXT, runner=runner)
    assert runner.count == 0


@pytest.mark.parametrize("reference", ["deploy@host:org/repo", "github.com/org/repo"])
def test_remote_components_from_the_application_are_refused(
    repo: Path, runner: CountingRunner, reference: str
) -> None:
    source = Source("file:///r", path="app", kustomize=KustomizeOptions(components=(reference,)))
    with pytest.raises(PathEscape, match="remote resource"):
        render_source(source, repo, CONTEXT, runner=runner)
    assert runner.count == 0


def test_a_missing_reference_is_refused_before_kustomize_could_look_elsewhere(
    repo: Path, runner: CountingRunner
) -> None:
    _write(repo, {"app/kustomization.yaml": "resources: [cm.yaml, gone]\n"})
    with pytest.raises(ManifestError, match=r"app/kustomization.yaml: 'gone' not found"):
        render_source(Source(repo_url="file:///r", path="app"), repo, CONTEXT, runner=runner)
    assert runner.count == 0


@pytest.mark.parametrize("path", ["../../outside.yaml", "/etc/passwd", "https://x/p.yaml"])
def test_patch_files_from_the_application_stay_in_the_repository(
    repo: Path, runner: CountingRunner, path: str
) -> None:
    (repo.parent / "outside.yaml").write_text("- op: add\n  path: /x\n  value: 1\n")
    patch = {"path": path, "target": {"kind": "ConfigMap"}}
    source = Source("file:///r", path="app", kustomize=KustomizeOptions(patches=(patch,)))
    with pytest.raises(PathEscape):
        render_source(source, repo, CONTEXT, runner=runner)
    assert runner.count == 0


def test_components_from_the_application_stay_in_the_repository(
    repo: Path, runner: CountingRunner
) -> None:
    (repo.parent / "component").mkdir()
    options = KustomizeOptions(components=("../../component",))
    with pytest.raises(PathEscape, match="resolves outside the repository"):
        render_source(
            Source("file:///r", path="app", kustomize=options), repo, CONTEXT, runner=runner
        )
    assert runner.count == 0


def test_a_patch_file_inside_the_repository_applies(repo: Path) -> None:
    patch = {"path": "patch.yaml", "target": {"kind": "ConfigMap"}}
    source = Source("file:///r", path="app", kustomize=KustomizeOptions(patches=(patch,)))
    [configmap] = render_source(source, repo, CONTEXT)
    assert configmap["data"] == {"a": "b"}


# --- chart schemas -------------------------------------------------------------------


def _chart(root: Path, schema: object) -> Path:
    chart = root / "chart"
    shutil.copytree(REPO / "charts" / "webapp", chart)
    (chart / "values.schema.json").write_text(json.dumps(schema))
    return chart


@pytest.mark.parametrize(
    "reference",
    ["etc/hostname", "/etc/hostname", "file:///etc/hostname", "http://127.0.0.1:1/s.json", "x#/a"],
)
def test_schema_references_outside_the_document_are_refused(
    tmp_path: Path, runner: CountingRunner, reference: str
) -> None:
    _chart(tmp_path, {"type": "object", "properties": {"a": {"items": [{"$ref": reference}]}}})
    with pytest.raises(PathEscape, match=r"chart/values.schema.json: \$ref .* points outside"):
        render_source(Source("file:///r", path="chart"), tmp_path, CONTEXT, runner=runner)
    assert runner.count == 0


def test_an_unknown_metaschema_is_refused(tmp_path: Path) -> None:
    chart = _chart(tmp_path, {"$schema": "http://127.0.0.1:1/meta", "type": "object"})
    with pytest.raises(PathEscape, match="not a standard JSON Schema draft"):
        check_chart_schemas(chart, tmp_path, "app")


def test_references_within_the_schema_and_standard_drafts_are_fine(tmp_path: Path) -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": {"port": {"type": "integer"}},
        "type": "object",
        "properties": {"port": {"$ref": "#/$defs/port"}, "$ref": {"type": "string"}},
    }
    _chart(tmp_path, schema)
    objects = render_source(Source("file:///r", path="chart"), tmp_path, CONTEXT)
    assert {o["kind"] for o in objects} >= {"Deployment"}


def test_a_packaged_subchart_schema_is_checked_too(tmp_path: Path) -> None:
    chart = _chart(tmp_path, {"type": "object"})
    (chart / "charts").mkdir(exist_ok=True)
    payload = json.dumps({"properties": {"a": {"$ref": "etc/hostname"}}}).encode()
    with tarfile.open(chart / "charts" / "sub-0.1.0.tgz", "w:gz") as tar:
        info = tarfile.TarInfo("sub/values.schema.json")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    with pytest.raises(PathEscape, match=r"sub-0.1.0.tgz:sub/values.schema.json"):
        check_chart_schemas(chart, tmp_path, "app")
