"""Jsonnet directory sources: Argo CD's extVars, TLAs and libs, imports confined to the
repository, and the evaluator bounded in time (``gitopsd.render.jsonnet``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gitopsd.errors import PathEscape, RenderTimeout, RenderTooLarge, ToolError
from gitopsd.render import RenderContext, RenderLimits, render_source
from gitopsd.spec import parse_source

CONTEXT = RenderContext(app_name="jn", namespace="jn")

MAIN = """
local lib = import 'lib.libsonnet';
local shared = import 'shared.libsonnet';
function(replicas, labels={}) [
  lib.configmap(std.extVar('env'), shared.owner),
  {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'web', labels: labels},
   spec: {replicas: replicas}},
]
"""


def _repo(root: Path, main: str = MAIN) -> Path:
    (root / "app").mkdir(parents=True)
    (root / "vendor").mkdir()
    (root / "app" / "main.jsonnet").write_text(main)
    (root / "app" / "lib.libsonnet").write_text(
        "{configmap(env, owner):: {apiVersion: 'v1', kind: 'ConfigMap',"
        " metadata: {name: 'settings-' + env}, data: {owner: owner}}}"
    )
    (root / "vendor" / "shared.libsonnet").write_text("{owner: 'platform'}")
    (root / "app" / "plain.yaml").write_text(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: plain\n"
    )
    return root


def _source(**jsonnet: Any) -> Any:
    return parse_source({"repoURL": "https://git.example.com/x.git", "path": "app",
                         "directory": {"jsonnet": jsonnet}})  # fmt: skip


def test_jsonnet_renders_with_ext_vars_tlas_and_libs(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo")
    source = _source(
        extVars=[{"name": "env", "value": "prod"}],
        tlas=[{"name": "replicas", "value": "3", "code": True},
              {"name": "labels", "value": "{team: 'a'}", "code": True}],
        libs=["vendor"],
    )  # fmt: skip
    objects = render_source(source, root, CONTEXT)
    by_name = {o["metadata"]["name"]: o for o in objects}
    assert by_name["settings-prod"]["data"] == {"owner": "platform"}
    assert by_name["web"]["spec"] == {"replicas": 3}
    assert by_name["web"]["metadata"]["labels"] == {"team": "a"}
    assert "plain" in by_name  # YAML next to it still counts


def test_imports_outside_the_repository_are_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.libsonnet").write_text("{token: 'do-not-read'}")
    root = _repo(tmp_path / "repo", "(import '../../secret.libsonnet')")
    with pytest.raises(ToolError, match="not found in the repository") as raised:
        render_source(_source(), root, CONTEXT)
    assert "do-not-read" not in str(raised.value)
    (root / "app" / "link.libsonnet").symlink_to(tmp_path / "secret.libsonnet")
    (root / "app" / "main.jsonnet").write_text("(import 'link.libsonnet')")
    with pytest.raises(PathEscape, match=r"link\.libsonnet"):
        render_source(_source(), root, CONTEXT)


def test_a_runaway_evaluation_is_stopped(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo", "local f(n) = f(n + 1) + 0 tailstrict; [f(0)]")
    limits = RenderLimits(timeout_seconds=2)
    with pytest.raises((RenderTimeout, ToolError)):
        render_source(_source(), root, CONTEXT, limits)
    big = _repo(tmp_path / "big", "[std.repeat('x', 1000) for _ in std.range(1, 1000)]")
    with pytest.raises(RenderTooLarge, match="exceeds the limit of 100000 bytes"):
        render_source(_source(), big, CONTEXT, RenderLimits(max_bytes=100_000))


def test_memory_is_capped(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo", "[std.repeat('x', 100000) for _ in std.range(1, 100000)]")
    with pytest.raises(ToolError, match="memory limit of 1024 MiB"):
        render_source(_source(), root, CONTEXT)
