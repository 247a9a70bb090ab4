"""A render cannot reach the network, whatever spelling a remote takes.

These tests bypass the syntactic filters on purpose: they hand kustomize and helm a
remote reference directly and show the sealed environment and the network namespace
stop it, with a local HTTP server and fake git/ssh programs as witnesses."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitopsd.errors import ToolError
from gitopsd.render.helm import HelmInvocation, helm_template_argv
from gitopsd.render.kustomize import kustomize_build_argv
from gitopsd.render.runner import SubprocessRunner, ToolRun
from gitopsd.render.sandbox import (
    CLOSED_PROXY,
    Isolation,
    isolated_argv,
    network_isolation,
    sealed_environment,
)
from gitopsd.render.tools import find_binary
from tests.support.netcount import RequestLog, counting_http_server, logging_programs

REPO = Path(__file__).parent / "testdata" / "repo"
NAMESPACES = network_isolation() is Isolation.NAMESPACE
needs_namespaces = pytest.mark.skipif(not NAMESPACES, reason="no user/network namespaces here")


@pytest.fixture
def server() -> Iterator[tuple[str, RequestLog]]:
    with counting_http_server() as served:
        yield served


def _kustomize(tmp_path: Path, reference: str, isolation: Isolation, path: str) -> str:
    app = tmp_path / "app"
    app.mkdir(exist_ok=True)
    (app / "kustomization.yaml").write_text(f"resources:\n- {reference}\n")
    scratch = Path(tempfile.mkdtemp(dir=tmp_path))
    env = sealed_environment(scratch / "env")
    env["PATH"] = path
    call = ToolRun(
        argv=kustomize_build_argv(find_binary("kustomize", "t"), app),
        cwd=scratch,
        env=env,
        timeout_seconds=60,
        max_bytes=1 << 20,
        subject="t",
    )
    with pytest.raises(ToolError) as raised:
        SubprocessRunner(isolation).run(call)
    return str(raised.value)


def test_the_sealed_environment_carries_nothing_of_ours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "token-of-the-controller")
    monkeypatch.setenv("KUBECONFIG", "/etc/kubeconfig")
    monkeypatch.setenv("HTTPS_PROXY", "http://corporate-proxy:3128")
    env = sealed_environment(Path(tempfile.mkdtemp()))
    assert "GITHUB_TOKEN" not in env and "KUBECONFIG" not in env
    assert env["HTTPS_PROXY"] == env["HTTP_PROXY"] == env["ALL_PROXY"] == CLOSED_PROXY
    assert env["NO_PROXY"] == ""
    assert env["GIT_CONFIG_KEY_0"] == "protocol.allow" and env["GIT_CONFIG_VALUE_0"] == "never"
    assert env["GIT_CONFIG_COUNT"] == "1"
    assert env["GIT_ALLOW_PROTOCOL"] == "none"
    assert env["GIT_CONFIG_GLOBAL"] == os.devnull and env["GIT_CONFIG_NOSYSTEM"] == "1"


def test_remote_bases_enabled_allow_only_network_transports() -> None:
    env = sealed_environment(Path(tempfile.mkdtemp()), offline=False)
    allowed = {env[f"GIT_CONFIG_KEY_{i}"] for i in range(1, int(env["GIT_CONFIG_COUNT"]))}
    assert allowed == {f"protocol.{p}.allow" for p in ("https", "http", "ssh", "git")}
    assert env["GIT_ALLOW_PROTOCOL"] == "https:http:ssh:git"
    assert "HTTPS_PROXY" not in env


def test_offline_runs_are_wrapped_in_a_network_namespace_when_possible() -> None:
    argv = ["kustomize", "build", "--", "/x"]
    assert isolated_argv(argv, offline=False, isolation=Isolation.AUTO) == argv
    assert isolated_argv(argv, offline=True, isolation=Isolation.ENVIRONMENT) == argv
    wrapped = isolated_argv(argv, offline=True, isolation=Isolation.AUTO)
    if NAMESPACES:
        assert Path(wrapped[0]).name == "unshare"
        assert wrapped[1:] == ["--net", "--map-root-user", "--", *argv]
    else:
        assert wrapped == argv


@pytest.mark.parametrize("isolation", [Isolation.ENVIRONMENT, Isolation.NAMESPACE])
@pytest.mark.parametrize(
    "spelling",
    [
        "{server}/org/repo.git//base?ref=main",  # a URL
        "deploy@127.0.0.1:org/repo.git//base",  # scp-like, over ssh
        "github.com:owner/repo",  # GitHub shorthand, over https
        "file://{repo}",  # a local repository
    ],
)
def test_kustomize_fetches_no_remote_base(
    tmp_path: Path, server: tuple[str, RequestLog], isolation: Isolation, spelling: str
) -> None:
    if isolation is Isolation.NAMESPACE and not NAMESPACES:
        pytest.skip("no user/network namespaces here")
    url, requests = server
    programs = logging_programs(tmp_path / "bin")
    reference = spelling.format(server=url, repo=REPO)
    message = _kustomize(tmp_path, reference, isolation, programs.path_with())
    assert "kustomize failed" in message
    assert requests.seen() == [] or (isolation is Isolation.ENVIRONMENT and "/org/" in spelling)
    assert not [line for line in programs.lines() if line.startswith("ssh")]
    # kustomize may start git, but git refuses every transport before connecting.
    fetches = programs.text().split("git fetch")[1:]
    assert all("transport" in fetch and "not allowed" in fetch for fetch in fetches), fetches


@needs_namespaces
def test_an_http_resource_on_loopback_is_unreachable_in_the_namespace(
    tmp_path: Path, server: tuple[str, RequestLog]
) -> None:
    """Go never proxies loopback addresses, so only the namespace stops this one (the
    syntactic filter refuses every URL before kustomize runs, in both modes)."""
    url, requests = server
    message = _kustomize(tmp_path, f"{url}/cm.yaml", Isolation.NAMESPACE, os.environ["PATH"])
    assert "network is unreachable" in message
    assert requests.seen() == []


@needs_namespaces
def test_helm_fetches_no_schema_reference(tmp_path: Path, server: tuple[str, RequestLog]) -> None:
    url, requests = server
    chart = tmp_path / "chart"
    shutil.copytree(REPO / "charts" / "webapp", chart)
    schema = {"type": "object", "properties": {"image": {"$ref": f"{url}/schema.json"}}}
    (chart / "values.schema.json").write_text(json.dumps(schema))
    scratch = Path(tempfile.mkdtemp(dir=tmp_path))
    call = ToolRun(
        argv=helm_template_argv(find_binary("helm", "t"), HelmInvocation("web", chart), "t"),
        cwd=scratch,
        env=sealed_environment(scratch / "env"),
        timeout_seconds=60,
        max_bytes=1 << 20,
        subject="t",
    )
    with pytest.raises(ToolError):
        SubprocessRunner(Isolation.NAMESPACE).run(call)
    assert requests.seen() == []
