"""Deletion: finalizers hold an object, propagation decides what happens to its dependents.

The real garbage collector acts asynchronously (``subject.eventually`` waits for it); the
model's collector runs synchronously within the delete.
"""

from __future__ import annotations

from gitopsd.model.keys import ResourceKey
from tests.contract.conftest import Subject
from tests.contract.objects import configmap, owner_ref

HOLD = "contract.gitopsd.io/hold"


def _family(subject: Subject) -> tuple[ResourceKey, ResourceKey]:
    owner = subject.cluster.apply(configmap("owner", subject.namespace, {"role": "owner"}))
    subject.cluster.apply(
        configmap("child", subject.namespace, {"role": "child"}, ownerReferences=[owner_ref(owner)])
    )
    return subject.key("ConfigMap", "owner"), subject.key("ConfigMap", "child")


def test_a_finalizer_holds_the_object_until_it_is_removed(subject: Subject) -> None:
    key = subject.key("ConfigMap", "held")
    subject.cluster.apply(configmap("held", subject.namespace, {"a": "1"}, finalizers=[HOLD]))
    subject.cluster.delete(key, propagation="Background")
    held = subject.cluster.get(key)
    assert held is not None
    assert held["metadata"]["deletionTimestamp"]
    assert held["metadata"]["finalizers"] == [HOLD]
    subject.cluster.merge_patch(key, {"metadata": {"finalizers": None}})
    subject.eventually(lambda: subject.cluster.get(key) is None, what="the released object gone")


def test_background_deletes_the_owner_at_once_and_then_its_dependents(subject: Subject) -> None:
    owner, child = _family(subject)
    subject.cluster.delete(owner, propagation="Background")
    assert subject.cluster.get(owner) is None
    subject.eventually(lambda: subject.cluster.get(child) is None, what="the dependent collected")


def test_foreground_deletes_the_dependents_before_the_owner(subject: Subject) -> None:
    owner, child = _family(subject)
    subject.cluster.delete(owner, propagation="Foreground")
    subject.eventually(
        lambda: subject.cluster.get(child) is None and subject.cluster.get(owner) is None,
        what="dependent and owner gone",
    )


def test_foreground_waits_for_a_dependent_that_is_held(subject: Subject) -> None:
    owner = subject.cluster.apply(configmap("owner", subject.namespace, {"role": "owner"}))
    child_key = subject.key("ConfigMap", "child")
    subject.cluster.apply(
        configmap(
            "child", subject.namespace, {}, ownerReferences=[owner_ref(owner)], finalizers=[HOLD]
        )
    )
    owner_key = subject.key("ConfigMap", "owner")
    subject.cluster.delete(owner_key, propagation="Foreground")

    def child_terminating() -> bool:
        child = subject.cluster.get(child_key)
        return child is not None and bool(child["metadata"].get("deletionTimestamp"))

    subject.eventually(child_terminating, what="the dependent to be terminating")
    waiting = subject.cluster.get(owner_key)
    assert waiting is not None
    assert "foregroundDeletion" in waiting["metadata"]["finalizers"]
    subject.cluster.merge_patch(child_key, {"metadata": {"finalizers": None}})
    subject.eventually(lambda: subject.cluster.get(owner_key) is None, what="the owner gone")


def test_orphan_keeps_the_dependents_without_their_owner_reference(subject: Subject) -> None:
    owner, child = _family(subject)
    subject.cluster.delete(owner, propagation="Orphan")
    subject.eventually(lambda: subject.cluster.get(owner) is None, what="the owner gone")

    def orphaned() -> bool:
        kept = subject.cluster.get(child)
        return kept is not None and not kept["metadata"].get("ownerReferences")

    subject.eventually(orphaned, what="the dependent kept without its owner reference")
