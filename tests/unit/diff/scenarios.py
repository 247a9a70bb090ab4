"""Loading of the golden diff scenarios in ``testdata/<scenario>/``.

Each directory holds ``desired.yaml`` (plays the dry-run prediction, or the manifest when
``options.yaml`` says ``dryRunSkipped: true``), ``live.yaml``, optional ``options.yaml``
(``ignoreDifferences`` in the Application's shape, ``dryRunSkipped``), ``expected.yaml``
(the diff as data) and an optional ``diff.txt`` (the exact text diff).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gitopsd.diff import DiffOptions, DriftManager, ObjectDiff, diff_object
from gitopsd.model.keys import ResourceKey
from gitopsd.spec import parse_ignore_differences

TESTDATA = Path(__file__).parent / "testdata"


@dataclass(frozen=True)
class Scenario:
    name: str
    desired: dict[str, Any] | None
    live: dict[str, Any] | None
    options: DiffOptions

    @property
    def key(self) -> ResourceKey:
        obj = self.desired if self.desired is not None else self.live
        assert obj is not None, f"{self.name}: neither desired.yaml nor live.yaml"
        return ResourceKey.of(obj)

    def run(self) -> ObjectDiff:
        return diff_object(self.key, self.desired, self.live, self.options)

    @property
    def expected(self) -> dict[str, Any]:
        return _load(TESTDATA / self.name / "expected.yaml") or {}

    @property
    def expected_text(self) -> str | None:
        path = TESTDATA / self.name / "diff.txt"
        return path.read_text() if path.exists() else None


def scenario_names() -> list[str]:
    return sorted(p.name for p in TESTDATA.iterdir() if p.is_dir())


def load(name: str) -> Scenario:
    directory = TESTDATA / name
    raw_options = _load(directory / "options.yaml") or {}
    options = DiffOptions(
        ignore=parse_ignore_differences(raw_options.get("ignoreDifferences")),
        dry_run_skipped=bool(raw_options.get("dryRunSkipped", False)),
    )
    return Scenario(
        name, _load(directory / "desired.yaml"), _load(directory / "live.yaml"), options
    )


def as_data(diff: ObjectDiff) -> dict[str, Any]:
    """The diff in the shape of ``expected.yaml``."""
    return {
        "modified": diff.modified,
        "missing_live": diff.missing_live,
        "extraneous": diff.extraneous,
        "changed_paths": list(diff.changed_paths),
        "managers": [_manager(m) for m in diff.managers],
    }


def _manager(manager: DriftManager) -> dict[str, Any]:
    return {
        "manager": manager.manager,
        "operation": manager.operation,
        "subresource": manager.subresource,
        "time": manager.time,
        "paths": list(manager.paths),
        "says": str(manager),
    }


def secret_values(*objects: dict[str, Any] | None) -> set[str]:
    """Every Secret value in ``objects``, as written and base64-decoded."""
    values: set[str] = set()
    for obj in objects:
        if obj is None or obj.get("kind") != "Secret":
            continue
        for field in ("data", "stringData"):
            for value in (obj.get(field) or {}).values():
                values.add(str(value))
                values.add(_decoded(str(value)))
    return {v for v in values if v}


def _decoded(value: str) -> str:
    try:
        return base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ""


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text()) if path.exists() else None
