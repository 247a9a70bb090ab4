"""Normalisation and quantities: what the comparison does not look at."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from gitopsd.diff import NORMALIZED_AWAY, normalize
from gitopsd.diff.quantities import align_quantities, parse_quantity


def test_normalize_drops_server_bookkeeping_and_other_tools_annotations() -> None:
    obj = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "settings",
            "namespace": "web",
            "uid": "5e2d8c1b",
            "resourceVersion": "62001",
            "generation": 2,
            "creationTimestamp": "2026-09-02T14:03:27Z",
            "managedFields": [{"manager": "gitopsd"}],
            "selfLink": "/api/v1/namespaces/web/configmaps/settings",
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": "{}",
                "deployment.kubernetes.io/revision": "4",
                "team": "shop",
            },
            "labels": {},
        },
        "data": {"LOG_LEVEL": "info"},
        "status": {"observed": True},
    }
    original = copy.deepcopy(obj)
    assert normalize(obj) == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": "web", "annotations": {"team": "shop"}},
        "data": {"LOG_LEVEL": "info"},
    }
    assert obj == original, "normalize must not change its argument"


def test_annotations_emptied_by_normalisation_are_dropped() -> None:
    obj = {"metadata": {"annotations": {"deployment.kubernetes.io/revision": "1"}}}
    assert normalize(obj) == {"metadata": {}}


def test_the_normalised_list_is_a_documented_constant() -> None:
    assert "/status" in NORMALIZED_AWAY
    assert "/metadata/managedFields" in NORMALIZED_AWAY


def test_secret_string_data_is_folded_into_data() -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s"},
        "data": {"a": "YQ=="},
        "stringData": {"b": "b"},
    }
    assert normalize(secret)["data"] == {"a": "YQ==", "b": "Yg=="}
    assert "stringData" not in normalize(secret)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1", Decimal(1)),
        ("1000m", Decimal(1)),
        ("250m", Decimal("0.25")),
        (0.25, Decimal("0.25")),
        (2, Decimal(2)),
        ("1Gi", Decimal(2**30)),
        ("1024Mi", Decimal(2**30)),
        ("1.5Gi", Decimal(3 * 2**29)),
        ("1k", Decimal(1000)),
        ("1e3", Decimal(1000)),
        ("1E", Decimal(10**18)),
        ("500u", Decimal("0.0005")),
        ("abc", None),
        ("1Gb", None),
        (True, None),
        (None, None),
    ],
)
def test_parse_quantity(text: object, amount: Decimal | None) -> None:
    assert parse_quantity(text) == amount


def test_align_quantities_spells_equal_amounts_as_live_does() -> None:
    desired = {
        "spec": {
            "containers": [
                {
                    "name": "api",
                    "resources": {
                        "limits": {"cpu": "1000m", "memory": "1024Mi"},
                        "requests": {"cpu": 0.25, "memory": "300Mi"},
                    },
                }
            ]
        }
    }
    live = {
        "spec": {
            "containers": [
                {"name": "sidecar", "resources": {"limits": {"cpu": "1000m"}}},
                {
                    "name": "api",
                    "resources": {
                        "limits": {"cpu": "1", "memory": "1Gi"},
                        "requests": {"cpu": "250m", "memory": "256Mi"},
                    },
                },
            ]
        }
    }
    aligned = align_quantities(desired, live)
    assert aligned["spec"]["containers"][0]["resources"] == {
        "limits": {"cpu": "1", "memory": "1Gi"},
        "requests": {"cpu": "250m", "memory": "300Mi"},
    }


def test_quantities_outside_resources_are_left_alone() -> None:
    desired = {"data": {"limits": {"size": "1000m"}}}
    assert align_quantities(desired, {"data": {"limits": {"size": "1"}}}) == desired
