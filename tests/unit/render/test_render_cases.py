"""Golden render scenarios: one file per scenario under ``testdata/cases``.

Each case names a source (as in an Application), the app and its namespace, and either
the ``expected`` objects or the ``error`` (type and a message fragment). Sources are
rendered with the real kustomize and helm against ``testdata/repo``. Set
``GITOPSD_UPDATE_GOLDEN=1`` to rewrite the expected objects after a deliberate change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import gitopsd.errors
from gitopsd.render import RenderContext, render_source
from gitopsd.spec import parse_source
from tests.support.golden import updating

TESTDATA = Path(__file__).parent / "testdata"
REPO = TESTDATA / "repo"
CASES = sorted((TESTDATA / "cases").glob("*.yaml"))


def _load(case: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(case.read_text())
    return loaded


def _render(case: dict[str, Any]) -> list[dict[str, Any]]:
    source = parse_source({"repoURL": "https://git.example.com/demo.git", **case["source"]})
    context = RenderContext(
        app_name=case["app"],
        namespace=case["namespace"],
        kube_version=case.get("kubeVersion", "v1.36.3"),
    )
    return render_source(source, REPO, context)


def _update_golden(path: Path, objects: list[dict[str, Any]]) -> None:
    text = path.read_text()
    head = text.split("\nexpected:", 1)[0].rstrip("\n")
    body = yaml.safe_dump({"expected": objects}, sort_keys=False, width=100)
    path.write_text(f"{head}\n{body}")


@pytest.mark.parametrize("path", CASES, ids=[c.stem for c in CASES])
def test_render_scenario(path: Path) -> None:
    case = _load(path)
    if "error" in case:
        error_type = getattr(gitopsd.errors, case["error"]["type"])
        with pytest.raises(error_type) as raised:
            _render(case)
        assert case["error"]["message"] in str(raised.value)
        return
    objects = _render(case)
    if updating():
        _update_golden(path, objects)
        case = _load(path)
    assert objects == case["expected"]
