"""Config management plugins: declared in gitopsd-cm, off by default, run in the render
sandbox with Argo CD's environment (``gitopsd.render.plugins``)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitopsd.errors import ConfigError, RenderError, RenderTimeout, ToolError
from gitopsd.render import RenderContext, RenderLimits, render_source
from gitopsd.render.plugin_socket import _untar
from gitopsd.render.plugins import plugin_env, registry_from_configmap
from gitopsd.render.rendering import RenderExtensions
from gitopsd.spec import parse_source

CONTEXT = RenderContext(app_name="web", namespace="web-ns")
# The second declaration starts here; a sidecar configured with the text before serves only
# envsubst.
SLEEPER = (
    "- apiVersion: argoproj.io/v1alpha1\n"
    "  kind: ConfigManagementPlugin\n"
    "  metadata: {name: sleeper}"
)
DECLARED = """
- apiVersion: argoproj.io/v1alpha1
  kind: ConfigManagementPlugin
  metadata: {name: envsubst}
  spec:
    version: v1
    init: {command: [sh, -c], args: ["touch generated.marker"]}
    generate:
      command: [sh, -c]
      args:
        - |
          test -f generated.marker || exit 3
          printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: %s-%s\\ndata:\\n' \\
            "$ARGOCD_APP_NAME" "$ARGOCD_ENV_FLAVOUR"
          printf '  home: "%s"\\n  token: "%s"\\n  param: "%s"\\n  ns: "%s"\\n' \\
            "$HOME" "${KUBERNETES_SERVICE_HOST:-none}" "$PARAM_SIZE" "$GITOPSD_APP_NAMESPACE"
    discover: {fileName: "*.tmpl"}
- apiVersion: argoproj.io/v1alpha1
  kind: ConfigManagementPlugin
  metadata: {name: sleeper}
  spec:
    generate: {command: [sleep, "30"]}
"""


def _source(plugin: dict[str, Any]) -> Any:
    return parse_source({"repoURL": "https://git.example.com/x.git", "path": "app",
                         "plugin": plugin})  # fmt: skip


def _repo(tmp_path: Path) -> Path:
    (tmp_path / "repo" / "app").mkdir(parents=True, exist_ok=True)
    (tmp_path / "repo" / "app" / "cm.tmpl").write_text("x")
    return tmp_path / "repo"


def _extensions(enabled: str = "true") -> RenderExtensions:
    registry = registry_from_configmap(
        {"plugins.enabled": enabled, "configManagementPlugins": DECLARED}
    )
    return RenderExtensions(plugins=registry)


def test_an_enabled_plugin_renders_with_argo_cd_environment_and_nothing_of_ours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")  # the controller's, never passed
    source = _source({"name": "envsubst-v1", "env": [{"name": "FLAVOUR", "value": "blue"}],
                      "parameters": [{"name": "size", "string": "large"}]})  # fmt: skip
    objects = render_source(source, _repo(tmp_path), CONTEXT, extensions=_extensions())
    assert [o["metadata"]["name"] for o in objects] == ["web-blue"]
    data = objects[0]["data"]
    assert data["token"] == "none" and data["param"] == "large" and data["ns"] == "web-ns"
    assert data["home"] != os.environ.get("HOME") and "gitopsd-plugin-" in data["home"]
    assert not (tmp_path / "repo" / "app" / "generated.marker").exists()  # a scratch copy


def test_discovery_picks_the_plugin_whose_rule_matches(tmp_path: Path) -> None:
    source = _source({"env": [{"name": "FLAVOUR", "value": "x"}]})
    objects = render_source(source, _repo(tmp_path), CONTEXT, extensions=_extensions())
    assert objects[0]["metadata"]["name"] == "web-x"


def test_plugins_are_off_unless_enabled(tmp_path: Path) -> None:
    source = _source({"name": "envsubst-v1"})
    for extensions in (RenderExtensions(), _extensions(enabled="false")):
        with pytest.raises(RenderError, match=r"plugins are disabled.*plugins\.enabled"):
            render_source(source, _repo(tmp_path), CONTEXT, extensions=extensions)


def test_an_unknown_plugin_and_a_bad_declaration_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"no plugin 'nope' is declared.*envsubst-v1"):
        render_source(_source({"name": "nope"}), _repo(tmp_path), CONTEXT,
                      extensions=_extensions())  # fmt: skip
    with pytest.raises(ConfigError, match="no generate command"):
        registry_from_configmap({"configManagementPlugins": "- metadata: {name: x}\n  spec: {}"})


def test_a_plugin_has_the_render_time_limit(tmp_path: Path) -> None:
    with pytest.raises(RenderTimeout):
        render_source(_source({"name": "sleeper"}), _repo(tmp_path), CONTEXT,
                      RenderLimits(timeout_seconds=1), extensions=_extensions())  # fmt: skip


@pytest.fixture
def sidecar(tmp_path: Path) -> Iterator[Path]:
    """``gitopsd plugin serve`` as a real process, as the chart runs it in a sidecar."""
    config = tmp_path / "plugin.yaml"
    config.write_text(DECLARED.partition(SLEEPER)[0])
    sockets = tmp_path / "sockets"
    process = subprocess.Popen(
        [sys.executable, "-m", "gitopsd.cli.main", "plugin", "serve",
         "--socket-dir", str(sockets), "--config", str(config)],
        env={"PATH": os.environ["PATH"]}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not (sockets / "envsubst-v1.sock").exists():
            assert process.poll() is None and time.monotonic() < deadline, "no socket"
            time.sleep(0.05)
        yield sockets
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert process.stderr is not None
        process.stderr.close()


def test_a_sidecar_renders_over_its_socket(
    tmp_path: Path, sidecar: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
    registry = registry_from_configmap({
        "plugins.enabled": "true", "configManagementPlugins": DECLARED,
        "plugins.socketDir": str(sidecar),
    })  # fmt: skip
    source = _source({"name": "envsubst-v1", "env": [{"name": "FLAVOUR", "value": "side"}],
                      "parameters": [{"name": "size", "string": "s"}]})  # fmt: skip
    objects = render_source(
        source, _repo(tmp_path), CONTEXT, extensions=RenderExtensions(plugins=registry)
    )
    assert objects[0]["metadata"]["name"] == "web-side"
    assert objects[0]["data"]["token"] == "none" and objects[0]["data"]["param"] == "s"
    with pytest.raises(ToolError, match="sleeper: the plugin's sidecar cannot be reached"):
        render_source(_source({"name": "sleeper"}), _repo(tmp_path), CONTEXT,
                      extensions=RenderExtensions(plugins=registry))  # fmt: skip


def test_the_sidecar_refuses_archives_that_leave_the_tree(tmp_path: Path) -> None:
    for name, link in (("../escape.txt", None), ("link", "../../etc/passwd")):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as archive:
            member = tarfile.TarInfo(name)
            if link is not None:
                member.type, member.linkname = tarfile.SYMTYPE, link
            archive.addfile(member, io.BytesIO(b""))
        with pytest.raises(RenderError, match="leaves the repository"):
            _untar(buffer.getvalue(), tmp_path / name.replace("/", "_").replace(".", "d"))


def test_in_a_pod_plugins_run_only_in_sidecars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = tmp_path / "token"
    token.write_text("controller-token")
    monkeypatch.setattr("gitopsd.render.plugins.SERVICE_ACCOUNT_TOKEN", token)
    source = _source({"name": "envsubst-v1"})
    with pytest.raises(RenderError, match=r"ServiceAccount token; set plugins\.socketDir"):
        render_source(source, _repo(tmp_path), CONTEXT, extensions=_extensions())


def test_parameters_reach_the_plugin_as_argo_cd_names_them() -> None:
    source = _source({"name": "x", "parameters": [
        {"name": "size", "string": "large"},
        {"name": "zones", "array": ["a", "b"]},
        {"name": "labels", "map": {"team": "core", "cost-centre": "7"}},
    ]})  # fmt: skip
    env = plugin_env(source, CONTEXT, "a" * 40)
    assert env["PARAM_SIZE"] == "large"
    assert (env["PARAM_ZONES_0"], env["PARAM_ZONES_1"]) == ("a", "b")
    assert (env["PARAM_LABELS_TEAM"], env["PARAM_LABELS_COST_CENTRE"]) == ("core", "7")
    assert env["ARGOCD_APP_REVISION_SHORT"] == "aaaaaaa" == env["GITOPSD_APP_REVISION_SHORT"]
    assert '"name": "zones"' in env["ARGOCD_APP_PARAMETERS"]
