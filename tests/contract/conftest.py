"""The contract suite: one set of tests run on ``MemoryCluster`` and on a real API server.

Every test takes ``subject``, parametrized as ``memory`` (a fresh in-memory cluster) and
``real`` (``KubeCluster`` against the session's local control plane, marked ``e2e``). Both
must pass: that is what keeps the in-memory model honest. Each subject has a namespace of
its own. The real garbage collector works asynchronously, so tests wait for its effects
with ``subject.eventually``; the model collects synchronously, so there the condition
must already hold.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import pytest

from gitopsd.cluster import KubeCluster, from_kubeconfig
from gitopsd.memory import MemoryCluster
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.ports import ClusterPort, KubeObject
from tests.e2e.conftest import kubeconfig
from tests.support.kube import Kubectl

__all__ = ["kubeconfig"]

T = TypeVar("T")


class ContractCluster(ClusterPort, Protocol):
    def patch_status(self, key: ResourceKey, status: dict[str, Any]) -> KubeObject: ...

    def replace_status(self, key: ResourceKey, status: dict[str, Any]) -> KubeObject: ...


@dataclass
class Subject:
    cluster: ContractCluster
    namespace: str
    real: bool

    def eventually(self, condition: Callable[[], T], *, what: str, timeout: float = 60) -> T:
        """The real server gets ``timeout`` seconds; the model must hold at once."""
        if not self.real:
            value = condition()
            assert value, f"memory model: expected at once: {what}"
            return value
        result: T = Kubectl.wait_for(condition, timeout=timeout, what=what, interval=0.2)
        return result

    def key(self, kind: str, name: str, group: str = "") -> ResourceKey:
        return ResourceKey(group, kind, self.namespace, name)


def _namespace(name: str) -> KubeObject:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


@pytest.fixture(params=["memory", pytest.param("real", marks=pytest.mark.e2e)])
def subject(request: pytest.FixtureRequest) -> Iterator[Subject]:
    name = f"contract-{uuid.uuid4().hex[:6]}"
    if request.param == "memory":
        memory = MemoryCluster()
        memory.apply(_namespace(name))
        yield Subject(memory, name, real=False)
        return
    real = KubeCluster(from_kubeconfig(request.getfixturevalue("kubeconfig")))
    real.apply(_namespace(name))
    yield Subject(real, name, real=True)
    real.delete(ResourceKey("", "Namespace", "", name), propagation="Background")


WIDGET = GroupKind("contract.gitopsd.io", "Widget")
WIDGET_CRD: KubeObject = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.contract.gitopsd.io"},
    "spec": {
        "group": "contract.gitopsd.io",
        "scope": "Namespaced",
        "names": {"kind": "Widget", "plural": "widgets", "singular": "widget"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "x-kubernetes-preserve-unknown-fields": True,
                    }
                },
            }
        ],
    },
}


@pytest.fixture
def widgets(subject: Subject) -> Subject:
    """The Widget CRD installed and its kind served (cluster-wide, shared by tests)."""
    subject.cluster.apply(WIDGET_CRD)
    subject.eventually(
        lambda: WIDGET in subject.cluster.resources(refresh=True),
        what="the Widget kind to be served",
    )
    return subject
