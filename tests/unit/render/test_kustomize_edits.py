"""Argo CD's kustomize override syntax, applied to a kustomization as ``kustomize edit``."""

from __future__ import annotations

from typing import Any

import pytest

from gitopsd.render.kustomize import edit_kustomization, parse_image
from gitopsd.spec import KustomizeOptions


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("nginx:1.25", {"name": "nginx", "newTag": "1.25"}),
        ("registry:5000/team/app:v1", {"name": "registry:5000/team/app", "newTag": "v1"}),
        ("nginx@sha256:abc", {"name": "nginx", "digest": "sha256:abc"}),
        ("nginx=mirror/nginx:1.25", {"name": "nginx", "newName": "mirror/nginx", "newTag": "1.25"}),
        ("nginx=nginx:1.26", {"name": "nginx", "newTag": "1.26"}),
        ("registry:5000/app", {"name": "registry:5000/app"}),
    ],
)
def test_parse_image(text: str, entry: dict[str, str]) -> None:
    assert parse_image(text) == entry


def test_edits_replace_merge_and_append_like_kustomize_edit() -> None:
    document: dict[str, Any] = {
        "namePrefix": "dev-",
        "commonLabels": {"app": "web", "tier": "front"},
        "images": [{"name": "web", "newTag": "1"}, {"name": "db", "newTag": "9"}],
        "replicas": [{"name": "web", "count": 1}],
        "patches": [{"path": "p.yaml"}],
        "components": ["../c1"],
    }
    options = KustomizeOptions(
        images=("web:2", "cache:3"),
        name_prefix="blue-",
        common_labels=(("tier", "back"),),
        replicas=(("web", 4),),
        patches=({"patch": "inline"},),
        components=("../c1", "../c2"),
    )
    edit_kustomization(document, options)
    assert document == {
        "namePrefix": "blue-",
        "commonLabels": {"app": "web", "tier": "back"},
        "images": [
            {"name": "web", "newTag": "2"},
            {"name": "db", "newTag": "9"},
            {"name": "cache", "newTag": "3"},
        ],
        "replicas": [{"name": "web", "count": 4}],
        "patches": [{"path": "p.yaml"}, {"patch": "inline"}],
        "components": ["../c1", "../c2"],
    }
