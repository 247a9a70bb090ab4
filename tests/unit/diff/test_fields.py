"""managedFields: fieldsV1 parsing, finding fields by it, and who owns a changed path."""

from __future__ import annotations

from typing import Any

from gitopsd.diff import drift_managers, fields_v1_paths
from gitopsd.diff.fields import locate, owned_depth, parse_element
from gitopsd.diff.paths import parse_pointer

K_API = 'k:{"name":"api"}'
K_SHIP = 'k:{"name":"log-shipper"}'


def test_fields_v1_paths_lists_leaves_and_self_marked_nodes() -> None:
    tree = {
        "f:metadata": {
            "f:finalizers": {".": {}, 'v:"example.com/cleanup"': {}},
            "f:labels": {".": {}, "f:app": {}},
        },
        "f:spec": {
            "f:replicas": {},
            "f:template": {
                "f:spec": {
                    "f:containers": {K_API: {".": {}, "f:image": {}, "f:name": {}}},
                    "f:tolerations": {"i:0": {}},
                }
            },
        },
    }
    assert fields_v1_paths(tree) == [
        ("f:metadata", "f:finalizers"),
        ("f:metadata", "f:finalizers", 'v:"example.com/cleanup"'),
        ("f:metadata", "f:labels"),
        ("f:metadata", "f:labels", "f:app"),
        ("f:spec", "f:replicas"),
        ("f:spec", "f:template", "f:spec", "f:containers", K_API),
        ("f:spec", "f:template", "f:spec", "f:containers", K_API, "f:image"),
        ("f:spec", "f:template", "f:spec", "f:containers", K_API, "f:name"),
        ("f:spec", "f:template", "f:spec", "f:tolerations", "i:0"),
    ]


def test_fields_v1_paths_of_an_empty_tree_is_empty() -> None:
    assert fields_v1_paths({}) == []


def test_parse_element_understands_every_prefix() -> None:
    assert parse_element("f:replicas") == ("f", "replicas")
    assert parse_element('k:{"containerPort":8080,"protocol":"TCP"}') == (
        "k",
        {"containerPort": 8080, "protocol": "TCP"},
    )
    assert parse_element('v:"example.com/cleanup"') == ("v", "example.com/cleanup")
    assert parse_element("i:2") == ("i", 2)
    assert parse_element("k:{not json") == ("?", "k:{not json")
    assert parse_element(".") == ("?", ".")


def _pod_spec() -> dict[str, Any]:
    return {
        "metadata": {"finalizers": ["example.com/cleanup"]},
        "spec": {
            "containers": [
                {"name": "log-shipper", "image": "shipper:2"},
                {
                    "name": "api",
                    "image": "api:1",
                    "args": ["--port", "8080"],
                    "ports": [
                        {"containerPort": 9090, "protocol": "TCP"},
                        {"containerPort": 8080, "protocol": "TCP"},
                    ],
                },
            ]
        },
    }


def test_locate_finds_list_items_by_key_value_and_position() -> None:
    obj = _pod_spec()
    port = ("f:spec", "f:containers", K_API, "f:ports", 'k:{"containerPort":8080,"protocol":"TCP"}')
    assert locate(obj, port) == ("spec", "containers", 1, "ports", 1)
    assert locate(obj, ("f:metadata", "f:finalizers", 'v:"example.com/cleanup"')) == (
        "metadata",
        "finalizers",
        0,
    )
    assert locate(obj, ("f:spec", "f:containers", "i:0", "f:image")) == (
        "spec",
        "containers",
        0,
        "image",
    )
    assert locate(obj, ("f:spec", "f:containers", 'k:{"name":"gone"}')) is None
    assert locate(obj, ("f:spec", "f:replicas")) is None


def test_owned_depth_maps_list_indices_onto_keyed_entries() -> None:
    tree = {"f:spec": {"f:containers": {K_API: {".": {}, "f:image": {}}}}}
    obj = _pod_spec()
    # index 1 is the container named api, so the tree owns the image there...
    assert owned_depth(tree, obj, parse_pointer("/spec/containers/1/image")) == 4
    # ...but not at index 0, which is the log shipper.
    assert owned_depth(tree, obj, parse_pointer("/spec/containers/0/image")) == 0


def test_owned_depth_stops_at_an_atomic_field() -> None:
    tree = {"f:spec": {"f:containers": {K_API: {"f:args": {}}}}}
    assert owned_depth(tree, _pod_spec(), parse_pointer("/spec/containers/1/args/1")) == 4


def test_owned_depth_counts_a_node_with_owned_fields_below_it_at_the_full_path() -> None:
    tree = {"f:spec": {"f:containers": {K_SHIP: {"f:image": {}}}}}
    assert owned_depth(tree, _pod_spec(), parse_pointer("/spec/containers/0")) == 3
    assert owned_depth(tree, _pod_spec(), parse_pointer("/spec")) == 1


def _live(*entries: tuple[str, str, str, dict[str, Any]]) -> dict[str, Any]:
    managed = [
        {"manager": m, "operation": op, "time": t, "fieldsType": "FieldsV1", "fieldsV1": tree}
        for m, op, t, tree in entries
    ]
    live = _pod_spec()
    live["metadata"]["managedFields"] = managed
    return live


def test_the_deepest_owner_wins_and_gitopsd_is_left_out() -> None:
    live = _live(
        ("gitopsd", "Apply", "T1", {"f:spec": {"f:containers": {K_API: {".": {}, "f:name": {}}}}}),
        ("kubectl-edit", "Update", "T2", {"f:spec": {"f:containers": {K_API: {"f:image": {}}}}}),
        ("ops-bot", "Update", "T0", {"f:spec": {".": {}}}),
    )
    found = drift_managers(live, ["/spec/containers/1/image"])
    assert [(m.manager, m.paths) for m in found] == [
        ("kubectl-edit", ("/spec/containers/1/image",))
    ]


def test_a_removed_field_is_blamed_on_the_owner_of_its_parent() -> None:
    live = _live(
        ("kubectl-create", "Update", "T0", {"f:spec": {"f:containers": {K_API: {".": {}}}}}),
    )
    # args/5 does not exist in live: someone removed it; the container's owner is reported.
    found = drift_managers(live, ["/spec/containers/1/args/5"])
    assert [m.manager for m in found] == ["kubectl-create"]


def test_nobody_is_blamed_when_only_gitopsd_owns_the_parent() -> None:
    live = _live(("gitopsd", "Apply", "T1", {"f:spec": {"f:containers": {K_API: {".": {}}}}}))
    assert drift_managers(live, ["/spec/containers/1/env"]) == ()


def test_paths_of_one_manager_are_gathered_and_sorted() -> None:
    tree = {"f:spec": {"f:containers": {K_API: {"f:image": {}, "f:args": {}}}}}
    live = _live(("kubectl-edit", "Update", "T2", tree))
    (manager,) = drift_managers(live, ["/spec/containers/1/image", "/spec/containers/1/args"])
    assert manager.paths == ("/spec/containers/1/args", "/spec/containers/1/image")
    assert str(manager) == (
        "kubectl-edit (Update) changed spec.containers[1].args, spec.containers[1].image at T2"
    )


def test_ignore_manager_can_be_changed() -> None:
    live = _live(("gitopsd", "Apply", "T1", {"f:spec": {"f:containers": {K_API: {"f:image": {}}}}}))
    found = drift_managers(live, ["/spec/containers/1/image"], ignore_manager="")
    assert [m.manager for m in found] == ["gitopsd"]


def test_an_object_without_managed_fields_has_no_managers() -> None:
    assert drift_managers(_pod_spec(), ["/spec/containers/0/image"]) == ()
