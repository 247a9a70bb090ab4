"""Discovery and the errors for kinds that are not served."""

from __future__ import annotations

import pytest

from gitopsd.errors import NotFound
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.ports import NOT_SERVED
from tests.contract.conftest import WIDGET, Subject
from tests.contract.objects import widget


def test_built_in_kinds_with_their_scope_and_version(subject: Subject) -> None:
    served = subject.cluster.resources()
    configmaps = served[GroupKind("", "ConfigMap")]
    assert (configmaps.version, configmaps.plural, configmaps.namespaced) == (
        "v1",
        "configmaps",
        True,
    )
    assert served[GroupKind("", "Namespace")].namespaced is False
    deployments = served[GroupKind("apps", "Deployment")]
    assert (deployments.api_version, deployments.namespaced) == ("apps/v1", True)
    assert served[GroupKind("rbac.authorization.k8s.io", "ClusterRole")].namespaced is False
    assert {"get", "list", "patch", "delete"} <= set(configmaps.verbs)


def test_a_stored_crd_adds_its_kind(widgets: Subject) -> None:
    served = widgets.cluster.resources(refresh=True)[WIDGET]
    assert (served.api_version, served.plural, served.namespaced) == (
        "contract.gitopsd.io/v1",
        "widgets",
        True,
    )


def test_a_kind_that_is_not_served(subject: Subject) -> None:
    key = ResourceKey("absent.gitopsd.io", "Gadget", subject.namespace, "g")
    assert subject.cluster.get(key) is None
    manifest = widget("g", subject.namespace)
    manifest["apiVersion"], manifest["kind"] = "absent.gitopsd.io/v1", "Gadget"
    with pytest.raises(NotFound) as raised:
        subject.cluster.apply(manifest)
    assert raised.value.reason == NOT_SERVED
    with pytest.raises(NotFound):
        subject.cluster.list(GroupKind("absent.gitopsd.io", "Gadget"))
