"""The project gate of a pass: discovery is refreshed for unknown kinds, scopes never come
from a guess, objects of still-unknown kinds are never written, takeovers and inventory
entries outside the project are found. Discovery is an in-memory stand-in whose table
changes when a CRD is "installed", as the API server's would."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitopsd.desired import DesiredSet
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.model.vocab import ResultCode
from gitopsd.ports import ApiResource
from gitopsd.project import parse_project
from gitopsd.sync import admission
from gitopsd.sync.apply import apply_object
from gitopsd.sync.compare import DryRunMemo
from tests.unit.desired.discovery import RESOURCES

SERVER = "https://kubernetes.default.svc"
TENANT = parse_project(
    {
        "metadata": {"name": "tenant"},
        "spec": {
            "sourceRepos": ["*"],
            "destinations": [{"server": SERVER, "namespace": "team-a-*"}],
            "permittedChildProjects": [],
        },
    }
)
WIDGET = GroupKind("example.com", "Widget")
WIDGET_RESOURCE = ApiResource("example.com", "v1", "Widget", "widgets", namespaced=False)


class Discovery:
    """What the cluster serves (``served``) and what a cached client last saw (``cached``)."""

    def __init__(self, served: Mapping[GroupKind, ApiResource]) -> None:
        self.served = dict(served)
        self.cached = dict(served)
        self.refreshes = 0
        self.writes: list[str] = []

    def install(self, resource: ApiResource) -> None:
        self.served[resource.group_kind] = resource

    def resources(self, *, refresh: bool = False) -> Mapping[GroupKind, ApiResource]:
        if refresh:
            self.refreshes += 1
            self.cached = dict(self.served)
        return self.cached

    def apply(self, obj: dict[str, Any], **_: Any) -> dict[str, Any]:
        self.writes.append(str(ResourceKey.of(obj)))
        return obj


def _widget(name: str = "w") -> dict[str, Any]:
    return {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name}}


def _build(cluster: Discovery, objects: list[dict[str, Any]]) -> DesiredSet:
    return admission.build_desired(
        cluster,  # type: ignore[arg-type]  # the part of ClusterPort this stage uses
        objects,
        app_namespace="gitopsd",
        app_name="tenant",
        destination_namespace="team-a-web",
        revision="abc",
    )


def test_a_kind_installed_after_start_gets_its_real_scope_and_is_refused() -> None:
    cluster = Discovery(RESOURCES)
    cluster.install(WIDGET_RESOURCE)  # the CRD arrives; the cached table does not know it
    desired = _build(cluster, [_widget()])
    assert cluster.refreshes == 1
    (item,) = desired.resources
    assert (str(item.key), item.namespaced, item.unknown_kind) == ("Widget/w", False, False)
    assert admission.manifest_violations(TENANT, desired, server=SERVER, cluster_name="") == [
        "Widget/w: resource example.com:Widget is not permitted in project tenant"
        " (clusterResourceWhitelist)"
    ]


def test_known_kinds_cost_no_discovery_call() -> None:
    cluster = Discovery(RESOURCES)
    _build(cluster, [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}])
    assert cluster.refreshes == 0


def test_a_kind_still_unknown_is_named_and_never_written() -> None:
    cluster = Discovery(RESOURCES)
    desired = _build(cluster, [_widget()])
    assert cluster.refreshes == 1
    (item,) = desired.resources
    assert item.unknown_kind
    # Its scope is a guess, so no project check decides it...
    assert admission.manifest_violations(TENANT, desired, server=SERVER, cluster_name="") == []
    assert admission.unknown_kinds_message(desired) == (
        "kinds not served by the cluster and not defined by a CustomResourceDefinition in the"
        " manifests; their objects are never applied and fail a sync:"
        " Widget.example.com (Widget/team-a-web/w)"
    )
    # ...and the apply stage never writes it, even if the kind appeared meanwhile.
    cluster.install(WIDGET_RESOURCE)
    result = apply_object(cluster, item, None, {}, DryRunMemo())  # type: ignore[arg-type]
    assert result.code == ResultCode.FAILED
    assert "Widget.example.com is not served" in result.message
    assert cluster.writes == []


def test_namespaces_and_child_projects_of_rendered_objects_are_checked() -> None:
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "pwn", "namespace": "kube-system"},
    }
    hook = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": "migrate",
            "namespace": "team-b-db",
            "annotations": {"argocd.argoproj.io/hook": "PreSync,PostSync"},
        },
    }
    child = {
        "apiVersion": "gitopsd.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "child", "namespace": "team-a-web"},
        "spec": {"project": "default"},
    }
    resources = {**RESOURCES, GroupKind("gitopsd.io", "Application"): _application_resource()}
    cluster = Discovery(resources)
    desired = _build(cluster, [binding, hook, child])
    assert admission.manifest_violations(TENANT, desired, server=SERVER, cluster_name="") == [
        "Job/team-b-db/migrate: namespace team-b-db is not permitted in project tenant"
        " (destinations)",
        "RoleBinding/kube-system/pwn: namespace kube-system is not permitted in project tenant"
        " (destinations)",
        "Application/team-a-web/child: project default is not permitted for child"
        " Applications of project tenant (permittedChildProjects)",
    ]


def _application_resource() -> ApiResource:
    return ApiResource("gitopsd.io", "v1alpha1", "Application", "applications", namespaced=True)


def test_inventory_entries_outside_the_project_are_refused_by_discovered_scope() -> None:
    inventory = [
        ResourceKey("", "Secret", "team-b", "db"),
        ResourceKey("", "ConfigMap", "team-a-web", "ok"),
        ResourceKey("rbac.authorization.k8s.io", "ClusterRole", "", "admin"),
        ResourceKey("example.com", "Widget", "", "gone-kind"),  # not served: left alone
    ]
    refused = admission.refused_inventory(
        TENANT, inventory, RESOURCES, server=SERVER, cluster_name=""
    )
    assert sorted(str(k) for k in refused) == ["ClusterRole/admin", "Secret/team-b/db"]
    message = admission.refused_inventory_message(TENANT, refused)
    assert message.startswith("2 resources of the last sync are outside project tenant")


def test_the_served_scope_wins_over_a_crd_in_the_set() -> None:
    # The set's CRD says Namespaced; the cluster already serves the kind cluster-scoped
    # (installed after the cache was filled). The served scope is the one that counts.
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "names": {"kind": "Widget"}, "scope": "Namespaced"},
    }
    cluster = Discovery(RESOURCES)
    cluster.install(WIDGET_RESOURCE)
    desired = _build(cluster, [crd, _widget()])
    assert cluster.refreshes == 1
    widget = next(i for i in desired.resources if i.key.kind == "Widget")
    assert (str(widget.key), widget.namespaced) == ("Widget/w", False)
