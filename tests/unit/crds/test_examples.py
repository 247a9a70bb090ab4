"""The examples in ``examples/``: the Argo CD copies stay in step with gitopsd's, every path
they name exists in the example repository, and every overlay renders (real kustomize) to
its golden file ``testdata/overlay-<app>-<environment>.yaml``."""

from __future__ import annotations

import fnmatch
import itertools
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"
SEED = EXAMPLES / "repo"
TESTDATA = Path(__file__).parent / "testdata"
SEED_URL = "https://git.example.com/platform/gitops-seed.git"
KINDS = {"Application", "AppProject", "ApplicationSet"}
OVERLAYS = sorted(p.relative_to(SEED) for p in SEED.glob("apps/*/overlays/*"))


def _load(path: Path) -> dict[str, Any]:
    docs = list(yaml.safe_load_all(path.read_text()))
    assert len(docs) == 1, f"{path}: one resource per example"
    doc: dict[str, Any] = docs[0]
    return doc


def test_argocd_examples_mirror_the_gitopsd_ones() -> None:
    ours = sorted(p.name for p in EXAMPLES.glob("*.yaml"))
    theirs = sorted(p.name for p in (EXAMPLES / "argocd").glob("*.yaml"))
    assert ours == theirs
    assert ours == [
        "application.yaml",
        "applicationset-matrix.yaml",
        "applicationset.yaml",
        "appproject.yaml",
    ]


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_argocd_example_with_api_version_replaced_equals_ours(name: str) -> None:
    argocd = _load(EXAMPLES / "argocd" / name)
    ours = _load(EXAMPLES / name)
    assert argocd["apiVersion"] == "argoproj.io/v1alpha1"
    assert ours["apiVersion"] == "gitopsd.io/v1alpha1"
    assert ours["kind"] in KINDS
    assert {**argocd, "apiVersion": "gitopsd.io/v1alpha1"} == ours


def test_application_example_points_at_an_overlay_of_the_seed_repository() -> None:
    app = _load(EXAMPLES / "application.yaml")
    source = app["spec"]["source"]
    assert source["repoURL"] == SEED_URL
    assert (SEED / source["path"] / "kustomization.yaml").is_file()
    # The overlay's namespace is where the Application deploys.
    overlay = yaml.safe_load((SEED / source["path"] / "kustomization.yaml").read_text())
    assert overlay["namespace"] == app["spec"]["destination"]["namespace"]


def test_git_directories_generator_matches_every_production_overlay() -> None:
    appset = _load(EXAMPLES / "applicationset.yaml")
    (generator,) = appset["spec"]["generators"]
    assert generator["git"]["repoURL"] == SEED_URL
    (pattern,) = (d["path"] for d in generator["git"]["directories"])
    matched = sorted(
        str(p.relative_to(SEED))
        for p in SEED.rglob("*")
        if p.is_dir() and fnmatch.fnmatch(str(p.relative_to(SEED)), pattern)
    )
    assert matched == ["apps/guestbook/overlays/production", "apps/podinfo/overlays/production"]


def test_matrix_generator_names_an_existing_overlay_for_every_combination() -> None:
    appset = _load(EXAMPLES / "applicationset-matrix.yaml")
    (generator,) = appset["spec"]["generators"]
    services, environments = (g["list"]["elements"] for g in generator["matrix"]["generators"])
    combinations = sorted(
        f"apps/{s['service']}/overlays/{e['env']}"
        for s, e in itertools.product(services, environments)
    )
    assert combinations == [str(p) for p in OVERLAYS]
    assert len(combinations) == 6


def _render(overlay: Path) -> list[dict[str, Any]]:
    done = subprocess.run(
        ["kustomize", "build", str(SEED / overlay)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: f"{p.parts[1]}-{p.parts[3]}")
def test_overlay_renders_to_its_golden_file(overlay: Path) -> None:
    app, environment = overlay.parts[1], overlay.parts[3]
    rendered = _render(overlay)
    golden = TESTDATA / f"overlay-{app}-{environment}.yaml"
    assert rendered == list(yaml.safe_load_all(golden.read_text()))
    # What every environment must differ in, stated once more so a bad golden cannot hide it.
    for obj in rendered:
        assert obj["metadata"]["namespace"] == f"{app}-{environment}"
        assert obj["metadata"]["name"].startswith(f"{environment}-{app}")
