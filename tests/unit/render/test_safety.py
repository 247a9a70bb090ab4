"""Everything a render reads stays inside the repository; only the tools run; limits hold."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from gitopsd.errors import PathEscape, RenderTimeout, RenderTooLarge, ToolError
from gitopsd.render import RenderContext, RenderLimits, RenderTools, render_source
from gitopsd.render.kustomize_refs import scan
from gitopsd.spec import KustomizeOptions, Source

REPO = Path(__file__).parent / "testdata" / "repo"
CONTEXT = RenderContext(app_name="app", namespace="app")
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _render(root: Path, path: str, **kwargs: object) -> list[dict[str, object]]:
    return render_source(Source(repo_url="file:///repo", path=path), root, CONTEXT, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    return _write(tmp_path / "outside", {"secret.yaml": CONFIGMAP.format(name="stolen")})


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return _write(tmp_path / "repo", {"app/cm.yaml": CONFIGMAP.format(name="ok")})


def test_symlinked_file_pointing_outside_is_refused(repo: Path, outside: Path) -> None:
    (repo / "app" / "link.yaml").symlink_to(outside / "secret.yaml")
    with pytest.raises(PathEscape, match=r"app: app: symlink app/link.yaml points outside"):
        _render(repo, "app")


def test_symlinked_app_path_pointing_outside_is_refused(repo: Path, outside: Path) -> None:
    (repo / "escape").symlink_to(outside)
    with pytest.raises(PathEscape, match=r"path 'escape' resolves outside the repository"):
        _render(repo, "escape")


def test_symlinks_inside_the_repository_are_followed(repo: Path) -> None:
    _write(repo, {"shared/extra.yaml": CONFIGMAP.format(name="shared")})
    (repo / "app" / "shared").symlink_to("../shared")
    source = Source(repo_url="file:///repo", path="app", directory=None)
    names = [o["metadata"]["name"] for o in render_source(source, repo, CONTEXT)]
    assert names == ["ok"]  # not recursive: the linked directory is not read
    recursive = _render_recursive(repo)
    assert [o["metadata"]["name"] for o in recursive] == ["ok", "shared"]


def _render_recursive(repo: Path) -> list[dict[str, object]]:
    from gitopsd.spec import DirectoryOptions

    source = Source(repo_url="file:///repo", path="app", directory=DirectoryOptions(recurse=True))
    return render_source(source, repo, CONTEXT)


def test_symlink_escape_inside_a_kustomize_base_is_refused(repo: Path, outside: Path) -> None:
    _write(
        repo,
        {
            "base/kustomization.yaml": "resources: [cm.yaml]\n",
            "overlay/kustomization.yaml": "resources: [../base]\n",
        },
    )
    (repo / "base" / "cm.yaml").symlink_to(outside / "secret.yaml")
    with pytest.raises(PathEscape, match=r"resource 'cm.yaml' \(from base\) resolves outside"):
        _render(repo, "overlay")
    # Even a symlink the kustomization does not name is refused in a directory it loads.
    (repo / "base" / "cm.yaml").unlink()
    _write(repo, {"base/cm.yaml": CONFIGMAP.format(name="cm")})
    (repo / "base" / "unused.yaml").symlink_to(outside / "secret.yaml")
    with pytest.raises(PathEscape, match=r"symlink base/unused\.yaml points outside"):
        _render(repo, "overlay")


def test_kustomize_base_outside_the_repository_is_refused(repo: Path, outside: Path) -> None:
    _write(outside, {"kustomization.yaml": "resources: [secret.yaml]\n"})
    _write(repo, {"overlay/kustomization.yaml": "resources: [../../outside]\n"})
    with pytest.raises(PathEscape, match=r"kustomize resource '../../outside' \(from overlay\)"):
        _render(repo, "overlay")


def test_helm_chart_symlink_escape_is_refused(repo: Path, outside: Path) -> None:
    shutil.copytree(REPO / "charts" / "webapp", repo / "chart")
    (repo / "chart" / "templates" / "stolen.yaml").symlink_to(outside / "secret.yaml")
    with pytest.raises(PathEscape, match=r"symlink chart/templates/stolen\.yaml points outside"):
        _render(repo, "chart")


@pytest.mark.parametrize(
    "reference",
    [
        "https://github.com/org/repo//deploy?ref=v1",
        "github.com/org/repo/deploy",
        "git@github.com:org/repo.git//deploy",
        "ssh://git@example.com/org/repo.git",
        "example.com/org/repo//base?ref=main",
    ],
)
def test_remote_kustomize_bases_are_refused_unless_enabled(repo: Path, reference: str) -> None:
    _write(repo, {"remote/kustomization.yaml": f"resources:\n  - {reference}\n"})
    with pytest.raises(PathEscape, match=r"remote resource"):
        _render(repo, "remote")
    allowed = scan(repo, repo / "remote", "app", allow_remote=True)
    assert allowed == {"remote"}


def test_kustomize_exec_functions_never_run(repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    script = repo / "fn" / "run.sh"
    _write(
        repo,
        {
            "fn/kustomization.yaml": "resources: [cm.yaml]\ntransformers: [fn.yaml]\n",
            "fn/cm.yaml": CONFIGMAP.format(name="cm"),
            "fn/fn.yaml": (
                "apiVersion: example.com/v1\nkind: Touch\nmetadata:\n  name: touch\n"
                "  annotations:\n    config.kubernetes.io/function: |\n"
                "      exec:\n        path: ./run.sh\n"
            ),
            "fn/run.sh": f"#!/bin/sh\ntouch {marker}\ncat\n",
        },
    )
    script.chmod(0o755)
    with pytest.raises(ToolError):
        _render(repo, "fn")
    assert not marker.exists()


def _fake_tool(tmp_path: Path, body: str) -> str:
    tool = tmp_path / "bin" / "slow-kustomize"
    _write(tmp_path / "bin", {tool.name: f"#!/bin/sh\n{body}\n"})
    tool.chmod(0o755)
    return str(tool)


def test_a_tool_past_its_time_limit_is_killed_with_its_children(repo: Path, tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    tool = _fake_tool(tmp_path, f"sleep 60 &\necho $! > {pid_file}\nwait")
    _write(repo, {"k/kustomization.yaml": "resources: []\n"})
    started = time.monotonic()
    with pytest.raises(RenderTimeout, match=r"ran longer than 0\.5s and was killed"):
        _render(
            repo,
            "k",
            limits=RenderLimits(timeout_seconds=0.5),
            tools=RenderTools(kustomize=tool),
        )
    assert time.monotonic() - started < 5
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split()[2] != "Z"


def test_tool_output_over_the_size_limit_is_refused() -> None:
    source = Source(repo_url="file:///repo", path="envs/production", kustomize=KustomizeOptions())
    with pytest.raises(RenderTooLarge, match=r"output exceeds the limit of 300 bytes"):
        render_source(source, REPO, CONTEXT, RenderLimits(max_bytes=300))


def test_directory_over_the_size_limit_is_refused() -> None:
    source = Source(repo_url="file:///repo", path="plain")
    with pytest.raises(RenderTooLarge, match=r"manifests exceed 100 bytes"):
        render_source(source, REPO, CONTEXT, RenderLimits(max_bytes=100))


def test_missing_tool_is_a_tool_error(repo: Path) -> None:
    _write(repo, {"k/kustomization.yaml": "resources: []\n"})
    with pytest.raises(ToolError, match=r"no-such-kustomize not found on PATH"):
        _render(repo, "k", tools=RenderTools(kustomize="no-such-kustomize"))


def test_checkout_is_never_modified_by_overrides(repo: Path) -> None:
    shutil.copytree(REPO / "envs", repo / "envs")
    before = {p: p.read_bytes() for p in (repo / "envs").rglob("*") if p.is_file()}
    source = Source(
        repo_url="file:///repo",
        path="envs/dev",
        kustomize=KustomizeOptions(name_prefix="x-", images=("registry.example.com/guestbook:9",)),
    )
    objects = render_source(source, repo, CONTEXT)
    assert {o["metadata"]["name"] for o in objects} == {"x-guestbook"}
    assert {p: p.read_bytes() for p in (repo / "envs").rglob("*") if p.is_file()} == before
