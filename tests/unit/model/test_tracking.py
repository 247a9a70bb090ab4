"""Tracking ids: written and read in one place, in Argo CD's annotation format."""

from __future__ import annotations

import pytest

from gitopsd.model.keys import ResourceKey
from gitopsd.model.tracking import (
    any_tracking_id_of,
    parse_tracking_id,
    tracking_id,
    tracking_id_of,
)

KEY = ResourceKey("apps", "Deployment", "web", "api")


def test_a_written_tracking_id_reads_back() -> None:
    value = tracking_id("team-a", "shop", KEY)
    assert value == "team-a_shop:apps/Deployment:web/api"
    parsed = parse_tracking_id(value)
    assert (parsed.app_namespace, parsed.app_name, parsed.key) == ("team-a", "shop", KEY)
    assert parsed.application == "team-a/shop"


def test_cluster_scoped_and_core_objects_round_trip() -> None:
    key = ResourceKey("", "Namespace", "", "web")
    assert parse_tracking_id(tracking_id("gitopsd", "shop", key)).key == key


@pytest.mark.parametrize("value", ["", "nonsense", "gitopsd_shop", "gitopsd_shop:apps/Deployment"])
def test_what_is_not_a_tracking_id_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="malformed tracking id"):
        parse_tracking_id(value)


def test_the_annotation_is_read_under_gitopsds_name_or_either_tools() -> None:
    ours = {"metadata": {"annotations": {"gitopsd.io/tracking-id": "a_b:/ConfigMap:n/c"}}}
    argo = {"metadata": {"annotations": {"argocd.argoproj.io/tracking-id": "b:/ConfigMap:n/c"}}}
    assert tracking_id_of(ours) == "a_b:/ConfigMap:n/c"
    assert tracking_id_of(argo) is None
    assert any_tracking_id_of(argo) == "b:/ConfigMap:n/c"
    assert any_tracking_id_of({"metadata": {}}) is None
