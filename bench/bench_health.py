"""Health assessment speed: 1000 objects in one process, and ``gitopsd health`` over 1000
files.

Run alone: ``.venv/bin/python bench/bench_health.py [--objects 1000] [--json FILE]``. No
cluster is needed. The objects are the golden cases under ``tests/unit/health/testdata``
(every kind with a built-in check, healthy and failing shapes), repeated until there are
enough; a second round adds a Lua customization for one kind in ten. Prints numbers, asserts
nothing.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TESTDATA = ROOT / "tests" / "unit" / "health" / "testdata"
CUSTOMIZED_KIND = "example.com/Widget"
SCRIPT = """
hs = {status = "Progressing", message = "Waiting for conditions"}
if obj.status == nil or obj.status.conditions == nil then return hs end
for _, condition in ipairs(obj.status.conditions) do
  if condition.type ~= "Ready" then goto continue end
  if condition.status == "True" then hs.status = "Healthy" else hs.status = "Degraded" end
  hs.message = condition.message or ""
  do return hs end
  ::continue::
end
return hs
"""


def golden_objects() -> list[dict[str, Any]]:
    objects = []
    for path in sorted(TESTDATA.glob("*/*/*.yaml")):
        if path.parts[-3] in ("lua", "cli"):
            continue
        objects.append(yaml.load(path.read_text(), Loader=yaml.CSafeLoader)["object"])
    return objects


def widget(index: int) -> dict[str, Any]:
    ready = "True" if index % 3 else "False"
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": f"w{index}", "namespace": "bench"},
        "status": {"conditions": [{"type": "Ready", "status": ready, "message": f"m{index}"}]},
    }


def sample(count: int, customized_share: int) -> list[dict[str, Any]]:
    base = itertools.cycle(golden_objects())
    return [
        widget(i) if customized_share and i % customized_share == 0 else next(base)
        for i in range(count)
    ]


def time_assessment(
    objects: list[dict[str, Any]], customizations: dict[str, str]
) -> dict[str, float]:
    from gitopsd.health import HealthAssessor

    assessor = HealthAssessor(customizations)
    started = time.perf_counter()
    for obj in objects:  # first round: compiles scripts, starts the Lua runtime
        assessor.assess(obj)
    first = time.perf_counter() - started
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for obj in objects:
            assessor.assess(obj)
        rounds.append(time.perf_counter() - started)
    return {"first_s": first, "median_s": statistics.median(rounds), "best_s": min(rounds)}


def time_cli(objects: list[dict[str, Any]]) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-health-") as workdir:
        directory = Path(workdir) / "manifests"
        directory.mkdir()
        for index, obj in enumerate(objects):
            (directory / f"{index:04d}.yaml").write_text(yaml.safe_dump(obj))
        command = [sys.executable, "-m", "gitopsd.cli.main", "health", "-o", "json"]
        results = {}
        for label, args in (
            ("directory", [str(directory)]),
            ("file_arguments", sorted(str(path) for path in directory.iterdir())),
            ("one_file", [str(directory / "0000.yaml")]),
        ):
            walls, cpus = [], []
            for _ in range(3):
                wall, cpu, output = run_measured([*command, *args])
                walls.append(wall)
                cpus.append(cpu)
            expected = 1 if label == "one_file" else len(objects)
            assert len(json.loads(output)) == expected
            results[f"{label}_wall_median_s"] = statistics.median(walls)
            results[f"{label}_cpu_median_s"] = statistics.median(cpus)
    return results


def run_measured(command: list[str]) -> tuple[float, float, bytes]:
    """Wall time, CPU time (user + system) and output of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def kinds_with_a_check() -> dict[str, int]:
    from gitopsd.health.checks import BUILTIN_CHECKS, FAMILIES

    own = [gk for gk in BUILTIN_CHECKS if gk.group != "extensions"]
    no_opinion = {"argoproj.io/Application"}
    counted = [gk for gk in own if f"{gk.group}/{gk.kind}" not in no_opinion]
    return {
        "kinds": len(counted),
        "groups": len({gk.group for gk in counted}),
        "group_families": len(FAMILIES),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    builtin = sample(args.objects, customized_share=0)
    mixed = sample(args.objects, customized_share=10)
    results = {
        "checks": kinds_with_a_check(),
        "assess_builtin": time_assessment(builtin, {}),
        "assess_with_lua_one_in_ten": time_assessment(mixed, {CUSTOMIZED_KIND: SCRIPT}),
        "cli": time_cli(builtin),
    }
    load = Path("/proc/loadavg").read_text().split()[:3]
    results["machine"] = {"cpus": os.cpu_count() or 0, "load_average": " ".join(load)}
    print(json.dumps(results, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
