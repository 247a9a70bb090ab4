"""``gitopsd convert``: output modes, exit codes and stderr, on real files in a temp tree."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from gitopsd.cli.main import main

TESTDATA = Path(__file__).parent / "testdata"
KUSTOMIZATION = "# kept as written: nothing to convert here\nresources:\n  - app.yaml\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """An app-of-apps repository: Argo CD manifests in nested dirs, plus files to leave alone."""
    root = tmp_path / "repo"
    (root / "apps" / "prod").mkdir(parents=True)
    shutil.copy(
        TESTDATA / "application-finalizer-automated-kustomize-images" / "input.yaml",
        root / "apps" / "prod" / "app.yaml",
    )
    shutil.copy(TESTDATA / "appproject-with-roles" / "input.yaml", root / "project.yml")
    (root / "apps" / "prod" / "kustomization.yaml").write_text(KUSTOMIZATION)
    app = yaml.safe_load((TESTDATA / "multi-source-values-ref" / "input.yaml").read_text())
    (root / "apps" / "helm.json").write_text(json.dumps(app, indent=2))
    (root / "README.md").write_text("not a manifest\n")
    (root / ".git").mkdir()
    (root / ".git" / "config.yaml").write_text("apiVersion: argoproj.io/v1alpha1\n")
    return root


def test_file_to_stdout_matches_the_golden_output(capsys: pytest.CaptureFixture[str]) -> None:
    case = TESTDATA / "appproject-with-roles"
    assert main(["convert", str(case / "input.yaml")]) == 0
    out, err = capsys.readouterr()
    assert out == (case / "expected.yaml").read_text()
    assert err.splitlines() == [
        f"warning: {case / 'input.yaml'}{line.removeprefix('input.yaml')}"
        for line in (case / "warnings.txt").read_text().splitlines()
    ]


def test_directory_to_stdout_is_one_stream_in_file_order(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["convert", "--namespace", "platform", str(tree)]) == 0
    docs = list(yaml.safe_load_all(capsys.readouterr().out))
    names = [(d.get("kind"), d.get("metadata", {}).get("name")) for d in docs]
    # apps/helm.json, apps/prod/app.yaml, apps/prod/kustomization.yaml, project.yml
    assert names == [
        ("Application", "prometheus"),
        ("Application", "guestbook"),
        (None, None),
        ("AppProject", "team-a"),
    ]
    assert {d["metadata"]["namespace"] for d in docs if "metadata" in d} == {"platform"}


def test_output_dir_mirrors_the_tree(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["convert", str(tree), "-o", str(out)]) == 0
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == [
        "apps/helm.json",
        "apps/prod/app.yaml",
        "apps/prod/kustomization.yaml",
        "project.yml",
    ]
    expected_app = TESTDATA / "application-finalizer-automated-kustomize-images" / "expected.yaml"
    assert (out / "apps/prod/app.yaml").read_text() == expected_app.read_text()
    assert (out / "apps/prod/kustomization.yaml").read_text() == KUSTOMIZATION
    helm = json.loads((out / "apps/helm.json").read_text())
    assert helm["apiVersion"] == "gitopsd.io/v1alpha1"
    assert helm["metadata"]["finalizers"] == ["resources-finalizer.gitopsd.io"]


def test_in_place_rewrites_only_files_that_change(tree: Path) -> None:
    kustomization = tree / "apps" / "prod" / "kustomization.yaml"
    assert main(["convert", "--in-place", str(tree)]) == 0
    assert kustomization.read_text() == KUSTOMIZATION  # comment kept: file untouched
    project = yaml.safe_load((tree / "project.yml").read_text())
    assert project["apiVersion"] == "gitopsd.io/v1alpha1"
    assert (tree / ".git" / "config.yaml").read_text() == "apiVersion: argoproj.io/v1alpha1\n"


def test_strict_exits_3_and_writes_nothing(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (tree / "project.yml").read_text()
    assert main(["convert", "--strict", "--in-place", str(tree)]) == 3
    assert (tree / "project.yml").read_text() == before
    err = capsys.readouterr().err
    assert "spec.roles[0].jwtTokens: tokens Argo CD issued do not verify" in err
    assert err.splitlines()[-1] == "error: 3 field(s) could not be carried over"


def test_strict_passes_when_everything_carries_over(capsys: pytest.CaptureFixture[str]) -> None:
    path = TESTDATA / "multi-source-values-ref" / "input.yaml"
    assert main(["convert", "--strict", str(path)]) == 0
    assert capsys.readouterr().err == ""


def test_unreadable_input_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: v1\nkind: Secret\nstringData:\n  token: [hunter2\n")
    assert main(["convert", str(broken)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {broken}: invalid YAML at line")
    assert "hunter2" not in err
    assert main(["convert", str(tmp_path / "missing.yaml")]) == 1


def test_stdin_to_stdout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    text = (TESTDATA / "applicationset-git-generator" / "input.yaml").read_text()
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    assert main(["convert", "-"]) == 0
    expected = TESTDATA / "applicationset-git-generator" / "expected.yaml"
    assert capsys.readouterr().out == expected.read_text()


def test_help_says_comments_are_lost(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["convert", "--help"])
    assert "comments are not kept" in capsys.readouterr().out
