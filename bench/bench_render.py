"""Render benchmark: a 200-app monorepo served by ``git daemon``.

Measures (1) rendering all apps from one commit cold (clone, checkout, kustomize runs) and
warm (render cache), (2) a commit touching one app followed by a re-render of all apps
(only that app should render again), and (3) the cost of ``ls-remote`` polling per
repository. Run: ``.venv/bin/python bench/bench_render.py [--apps 200]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # for tests.support.gitserver

from tests.support.gitserver import BareRepo, bare_repo, git_daemon  # noqa: E402

from gitopsd.render import (  # noqa: E402
    CachedRenderer,
    ManifestGenerator,
    RenderContext,
    SubprocessRunner,
    ToolRun,
)
from gitopsd.source import GitRepositories  # noqa: E402
from gitopsd.spec import ApplicationSpec, parse_application_spec  # noqa: E402

BASE = {
    "bases/web/kustomization.yaml": "resources: [deployment.yaml, service.yaml]\n",
    "bases/web/deployment.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n"
        "  template:\n    spec:\n      containers:\n        - name: web\n"
        "          image: registry.example.com/web:1.0.0\n"
    ),
    "bases/web/service.yaml": (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: 80\n"
    ),
}


class CountingRunner:
    def __init__(self) -> None:
        self._real = SubprocessRunner()
        self._lock = threading.Lock()
        self.count = 0

    def run(self, call: ToolRun) -> bytes:
        with self._lock:
            self.count += 1
        return self._real.run(call)


def app_files(index: int, tag: str = "1.0.0") -> dict[str, str | None]:
    name = f"app-{index:03d}"
    if index % 4 == 3:  # every fourth app is a plain directory
        return {
            f"apps/{name}/configmap.yaml": (
                f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"
                f"data:\n  version: '{tag}'\n"
            )
        }
    return {
        f"apps/{name}/kustomization.yaml": (
            f"namePrefix: {name}-\nnamespace: {name}\nresources: [../../bases/web]\n"
            f"images:\n  - name: registry.example.com/web\n    newTag: '{tag}'\n"
        )
    }


def build_monorepo(root: Path, apps: int) -> BareRepo:
    repo = bare_repo(root, "monorepo")
    files: dict[str, str | None] = dict(BASE)
    for index in range(apps):
        files.update(app_files(index))
    repo.commit(files, f"{apps} apps")
    return repo


def specs(url: str, apps: int) -> list[tuple[ApplicationSpec, RenderContext]]:
    out = []
    for index in range(apps):
        name = f"app-{index:03d}"
        raw = {
            "source": {"repoURL": url, "path": f"apps/{name}", "targetRevision": "main"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": name},
        }
        out.append((parse_application_spec(raw), RenderContext(app_name=name, namespace=name)))
    return out


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def generate_all(
    generator: ManifestGenerator, apps: list[tuple[ApplicationSpec, RenderContext]]
) -> None:
    for spec, context in apps:
        generator.generate(spec, context)


def bench_ls_remote(repos: GitRepositories, url: str, calls: int) -> list[float]:
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        repos.ls_remote(url)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--apps", type=int, default=200)
    parser.add_argument("--polls", type=int, default=50)
    args = parser.parse_args()
    bin_dir = subprocess.run(
        [str(REPO_ROOT / "hack" / "build-testbed.sh"), "--print-bin-dir"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    import os

    os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    with tempfile.TemporaryDirectory(prefix="gitopsd-bench-") as scratch:
        root = Path(scratch)
        repo = build_monorepo(root, args.apps)
        with git_daemon(repo.path.parent) as base:
            url = f"{base}/monorepo.git"
            run(root, repo, url, args.apps, args.polls)
    return 0


def run(root: Path, repo: BareRepo, url: str, apps: int, polls: int) -> None:
    runner = CountingRunner()
    renderer = CachedRenderer(runner=runner)
    repos = GitRepositories(root / "cache")
    generator = ManifestGenerator(repos, renderer)
    workload = specs(url, apps)

    cold = timed(lambda: generate_all(generator, workload))
    cold_runs = runner.count
    warm = timed(lambda: generate_all(generator, workload))
    warm_runs = runner.count - cold_runs

    repo.commit(app_files(0, tag="1.0.1"), "bump app-000")
    before = runner.count
    after_commit = timed(lambda: generate_all(generator, workload))
    rerendered = runner.count - before

    # The same, with one ls-remote answer shared by all apps of the repository.
    shared_repos = GitRepositories(root / "cache", refs_max_age_seconds=60)
    shared = ManifestGenerator(shared_repos, renderer)
    generate_all(shared, workload)
    warm_shared = timed(lambda: generate_all(shared, workload))
    repo.commit(app_files(1, tag="1.0.1"), "bump app-001")
    shared_repos.forget_refs(url)  # as a push webhook would
    before = runner.count
    shared_commit = timed(lambda: generate_all(shared, workload))
    shared_rerendered = runner.count - before

    samples = bench_ls_remote(repos, url, polls)
    print(f"apps: {apps} ({apps - apps // 4} kustomize overlays, {apps // 4} plain directories)")
    print("ls-remote per app (refs_max_age_seconds=0, the default):")
    print(f"  cold render, all apps:       {cold:7.2f} s  ({cold_runs} tool runs)")
    print(f"  warm render, all apps:       {warm:7.2f} s  ({warm_runs} tool runs)")
    print(f"  after a one-app commit:      {after_commit:7.2f} s  ({rerendered} tool runs)")
    print("one ls-remote shared by all apps (refs_max_age_seconds=60):")
    print(f"  warm render, all apps:       {warm_shared:7.2f} s")
    print(f"  after a one-app commit:      {shared_commit:7.2f} s  ({shared_rerendered} tool runs)")
    print(
        f"ls-remote over git daemon:     median {statistics.median(samples):5.1f} ms, "
        f"p90 {sorted(samples)[int(len(samples) * 0.9) - 1]:5.1f} ms over {polls} calls"
    )


if __name__ == "__main__":
    sys.exit(main())
