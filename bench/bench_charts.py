"""Chart benchmark: charts from a chart repository on 127.0.0.1 through gitopsd's cache.

Measures (1) 100 Applications of the same chart and version: how many archive downloads
and index requests they cost (1 download expected) and how long the 100 renders take, and
(2) a warm render of a chart from the chart cache against the same chart vendored in Git
(checkout cached): each render runs ``helm template`` for a new Application, so both paths
render, and only where the chart comes from differs. Prints one line per number and exits
non-zero when the 100 Applications downloaded the chart more than once.
Run: ``.venv/bin/python bench/bench_charts.py [--apps 100] [--rounds 20]``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # for tests.support

from bench.support import put_testbed_on_path  # noqa: E402
from tests.support.charts import chart_server, index, make_chart, package  # noqa: E402
from tests.support.gitserver import bare_repo  # noqa: E402

from gitopsd.render import CachedRenderer, ManifestGenerator, RenderContext  # noqa: E402
from gitopsd.render.rendering import RenderExtensions  # noqa: E402
from gitopsd.source import ChartRepositories, GitRepositories  # noqa: E402
from gitopsd.spec import ApplicationSpec, parse_application_spec  # noqa: E402

TEMPLATES = 20  # a mid-sized chart: ConfigMaps standing in for its manifests


def _chart(workdir: Path) -> Path:
    extra = {
        f"part-{i:02d}.yaml": (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
            f"  name: {{{{ .Release.Name }}}}-part-{i:02d}\n"
            "data:\n  value: {{ .Values.greeting | quote }}\n"
        )
        for i in range(TEMPLATES)
    }
    return make_chart(workdir / "src", "bench", "1.0.0", extra_templates=extra)


def _spec(source: dict[str, str]) -> ApplicationSpec:
    return parse_application_spec(
        {"source": source, "destination": {"server": "https://kubernetes.default.svc"}}
    )


def many_apps(workdir: Path, url: str, apps: int) -> tuple[int, int, float, float]:
    charts = ChartRepositories(workdir / "cache-many", index_max_age_seconds=5.0)
    generator = ManifestGenerator(
        GitRepositories(workdir / "git-many"),
        CachedRenderer(extensions=RenderExtensions(charts=charts)),
        charts,
    )
    spec = _spec({"repoURL": url, "chart": "bench", "targetRevision": "1.0.0"})
    started = time.perf_counter()
    generator.generate(spec, RenderContext(app_name="app-0", namespace="ns"))
    first = time.perf_counter() - started
    for index_ in range(1, apps):
        context = RenderContext(app_name=f"app-{index_}", namespace="ns")
        generator.generate(spec, context)
    total = time.perf_counter() - started
    return charts.downloads, charts.index_requests, first, total


def warm_renders(workdir: Path, url: str, chart: Path, rounds: int) -> tuple[float, float]:
    repo = bare_repo(workdir, "vendored")
    files: dict[str, str | None] = {
        f"chart/{p.relative_to(chart).as_posix()}": p.read_text()
        for p in chart.rglob("*")
        if p.is_file()
    }
    repo.commit(files, "the same chart, vendored")
    charts = ChartRepositories(workdir / "cache-warm", index_max_age_seconds=3600)
    generator = ManifestGenerator(
        GitRepositories(workdir / "git-warm", refs_max_age_seconds=3600),
        CachedRenderer(extensions=RenderExtensions(charts=charts)),
        charts,
    )
    from_repo = _spec({"repoURL": url, "chart": "bench", "targetRevision": "1.0.0"})
    from_git = _spec({"repoURL": repo.url, "path": "chart", "targetRevision": "main"})
    timings: dict[str, list[float]] = {"chart": [], "git": []}
    for spec in (from_repo, from_git):
        generator.generate(spec, RenderContext(app_name="warm-up", namespace="ns"))
    for round_ in range(rounds):
        for name, spec in (("chart", from_repo), ("git", from_git)):
            context = RenderContext(app_name=f"{name}-{round_}", namespace="ns")
            started = time.perf_counter()
            generator.generate(spec, context)
            timings[name].append(time.perf_counter() - started)
    return statistics.median(timings["chart"]), statistics.median(timings["git"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--apps", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    put_testbed_on_path()
    workdir = Path(tempfile.mkdtemp(prefix="gitopsd-bench-charts-"))
    try:
        chart = _chart(workdir)
        out = workdir / "repo"
        archive = package(chart, out)
        with chart_server(out) as server:
            index(out, server.url)
            downloads, index_requests, first, total = many_apps(workdir, server.url, args.apps)
            print(f"chart: {TEMPLATES + 1} templates, archive {archive.stat().st_size} bytes")
            print(f"{args.apps} apps, same chart and version: {downloads} download(s), "
                  f"{index_requests} index request(s), "
                  f"archive GETs seen by the server: {server.count('.tgz')}")  # fmt: skip
            print(f"first app (download, unpack, render): {first * 1000:.0f} ms")
            print(
                f"all {args.apps} apps: {total:.1f} s ({total / args.apps * 1000:.0f} ms per app)"
            )
            chart_ms, git_ms = warm_renders(workdir, server.url, chart, args.rounds)
            print(f"warm render, chart from the chart cache: {chart_ms * 1000:.0f} ms (median)")
            print(f"warm render, same chart from Git:         {git_ms * 1000:.0f} ms (median)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if downloads == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
