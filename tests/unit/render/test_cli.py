"""``gitopsd render``: local directories, repositories and Application manifests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitopsd.cli.main import main
from tests.support.gitserver import BareRepo, bare_repo

REPO = Path(__file__).parent / "testdata" / "repo"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[Any], str]:
    code = main(["render", *argv])
    captured = capsys.readouterr()
    return code, list(yaml.safe_load_all(captured.out)), captured.err


@pytest.fixture
def seed(tmp_path: Path) -> BareRepo:
    repo = bare_repo(tmp_path, "seed")
    files = {
        p.relative_to(REPO).as_posix(): p.read_text()
        for p in sorted((REPO / "envs").rglob("*"))
        if p.is_file()
    }
    repo.commit(files, "seed")
    return repo


def test_local_directory_with_secrets_masked(capsys: pytest.CaptureFixture[str]) -> None:
    code, objects, _ = _run(capsys, str(REPO / "plain" / "nested"), "--repo-root", str(REPO))
    assert code == 0
    assert [o["kind"] for o in objects] == ["Job"]
    code, objects, _ = _run(capsys, str(REPO / "plain" / "nested" / "deeper"))
    assert objects[0]["stringData"] == {"token": "++++++++"}


def test_local_kustomize_overlay_reaches_its_base_through_repo_root(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, objects, _ = _run(capsys, str(REPO / "envs" / "staging"), "--repo-root", str(REPO))
    assert code == 0
    assert sorted(o["metadata"]["name"] for o in objects) == ["staging-guestbook"] * 2


def test_repository_path_at_a_revision(
    seed: BareRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--repo", seed.url, "--revision", "main", "--path", "envs/production"]
    code, objects, _ = _run(capsys, *argv, "--cache-dir", str(tmp_path / "cache"))
    assert code == 0
    assert [o["kind"] for o in objects] == ["Service", "Deployment", "PodDisruptionBudget"]


def test_application_manifest(
    seed: BareRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "app.yaml"
    manifest.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "gitopsd.io/v1alpha1",
                "kind": "Application",
                "metadata": {"name": "guestbook-blue"},
                "spec": {
                    "source": {
                        "repoURL": seed.url,
                        "path": "envs/dev",
                        "kustomize": {"namePrefix": "blue-", "namespace": "blue"},
                    },
                    "destination": {
                        "server": "https://kubernetes.default.svc",
                        "namespace": "blue",
                    },
                },
            }
        )
    )
    code, objects, _ = _run(capsys, "-f", str(manifest), "--cache-dir", str(tmp_path / "cache"))
    assert code == 0
    assert {(o["metadata"]["namespace"], o["metadata"]["name"]) for o in objects} == {
        ("blue", "blue-guestbook")
    }


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--path", "envs/dev"], "give exactly one of DIRECTORY, -f FILE or --repo URL"),
        ([str(REPO / "bad" / "invalid-yaml")], "objects.yaml: document 1"),
        ([str(REPO / "no-such-dir")], "not a directory"),
    ],
)
def test_failures_exit_1_with_the_error(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, objects, err = _run(capsys, *argv)
    assert code == 1
    assert objects == []
    assert message in err


def test_unknown_revision_exits_1(
    seed: BareRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--repo", seed.url, "--revision", "nope", "--cache-dir", str(tmp_path / "c")]
    code, _, err = _run(capsys, *argv)
    assert code == 1
    assert "revision 'nope' not found" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["--repo", "ext::sh -c touch% {marker}"],
        ["--repo", "--upload-pack=touch {marker}", "--revision", "a" * 40],
        ["--repo", "{url}", "--revision", "--upload-pack=touch {marker}"],
    ],
    ids=["ext-transport", "url-option", "revision-option"],
)
def test_render_refuses_hostile_repository_arguments(
    seed: BareRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    marker = tmp_path / "marker"
    filled = [a.format(marker=marker, url=seed.url) for a in argv]
    code, objects, err = _run(capsys, *filled, "--cache-dir", str(tmp_path / "cache"))
    assert code == 1 and objects == []
    assert "spec.source." in err
    assert not marker.exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["--app-name=--post-renderer=/bin/sh"],
        ["--namespace=--set-file=x=/etc/hostname"],
        ["--kube-version=--post-renderer=/bin/sh"],
    ],
)
def test_render_refuses_option_shaped_context_for_helm(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    chart = REPO / "charts" / "webapp"
    code, objects, err = _run(capsys, str(chart), "--repo-root", str(REPO), *argv)
    assert code == 1 and objects == []
    assert "webapp: helm " in err and "is not a" in err
