"""A seed-style GitOps repository for e2e stories: the example guestbook, in a real bare
Git repository, and Applications pointing at it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from tests.support.gitserver import BareRepo, bare_repo

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_REPO = REPO / "examples" / "repo"


def seed_repo(tmp_path: Path) -> BareRepo:
    """The example repository (base + dev/staging/production overlays), committed once."""
    repo = bare_repo(tmp_path, "seed")
    files = {
        str(path.relative_to(EXAMPLE_REPO)): path.read_text()
        for path in sorted(EXAMPLE_REPO.rglob("*"))
        if path.is_file()
    }
    repo.commit(files, "seed the guestbook")
    return repo


def application(
    name: str,
    namespace: str,
    repo_url: str,
    *,
    path: str = "apps/guestbook/overlays/dev",
    destination_namespace: str | None = None,
    automated: dict[str, Any] | None = None,
    sync_options: list[str] | None = None,
    finalizer: bool = False,
    revision: str = "main",
    extra_source: dict[str, Any] | None = None,
    kustomize: bool = True,
) -> str:
    """An Application manifest; the kustomize namespace override keeps the overlay's
    objects in the test's own namespace."""
    dest = destination_namespace or namespace
    body: dict[str, Any] = {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "project": "default",
            "source": {
                "repoURL": repo_url,
                "targetRevision": revision,
                "path": path,
                **({"kustomize": {"namespace": dest}} if kustomize else {}),
                **(extra_source or {}),
            },
            "destination": {"server": "https://kubernetes.default.svc", "namespace": dest},
            "syncPolicy": {"syncOptions": sync_options or []},
        },
    }
    if automated is not None:
        body["spec"]["syncPolicy"]["automated"] = automated
    if finalizer:
        body["metadata"]["finalizers"] = ["gitopsd.io/resources-finalizer"]
    return yaml.safe_dump(body)


def copy_example(target: Path) -> Path:
    shutil.copytree(EXAMPLE_REPO, target)
    return target
