"""Building the desired set from rendered objects.

Called by the sync engine after rendering, before the diff. Every object is deep-copied,
then: hooks are read (and ``Skip`` / never-run hooks dropped), ``generateName`` hooks get a
deterministic name, the namespace is defaulted, the tracking label and annotation are
stamped, duplicates are refused, and the result is sorted in the sync order of
``gitopsd.desired.order``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from gitopsd.desired.hooks import HookMarks, generated_hook_name, read_hook_marks
from gitopsd.desired.objects import DesiredObject, DesiredSet
from gitopsd.desired.order import sync_order_key
from gitopsd.desired.scope import Placement, place, scopes_from_crds
from gitopsd.desired.tracking import with_tracking
from gitopsd.desired.waves import parse_wave
from gitopsd.errors import DesiredSetError
from gitopsd.model.annotations import COMPARE_OPTIONS, SYNC_OPTIONS, annotation, parse_options
from gitopsd.model.keys import GroupKind, ResourceKey
from gitopsd.model.sync_options import object_sync_options
from gitopsd.model.vocab import HookType, SyncPhase
from gitopsd.ports import ApiResource


def build_desired_set(
    objects: Sequence[dict[str, Any]],
    *,
    app_namespace: str,
    app_name: str,
    destination_namespace: str,
    resources: Mapping[GroupKind, ApiResource],
    revision: str = "",
) -> DesiredSet:
    """The desired set of one Application. ``objects`` are left untouched.

    ``revision`` seeds the names of ``generateName`` hooks: pass the same value on every
    pass of one sync operation (the commit SHA, or the SHA plus the operation's start time
    for one hook run per operation). Raises DesiredSetError naming the first bad object.
    """
    crd_scopes = scopes_from_crds(objects)
    owners: dict[ResourceKey, int] = {}
    built: list[DesiredObject] = []
    for index, raw in enumerate(objects):
        _require_identity(raw)
        marks = read_hook_marks(raw)
        if marks.is_hook and not marks.phases:
            continue
        wave = parse_wave(raw)
        for hook in marks.phases or (None,):
            obj = copy.deepcopy(raw)
            _name_hook(obj, hook, revision, index)
            placement = place(
                obj,
                destination_namespace=destination_namespace,
                resources=resources,
                crd_scopes=crd_scopes,
            )
            _claim(owners, placement.key, index)
            _set_namespace(obj, placement.key.namespace)
            with_tracking(obj, placement.key, app_namespace, app_name)
            built.append(_desired_object(obj, placement, wave, hook, marks))
    built.sort(key=lambda item: sync_order_key(item.phase, item.wave, item.key))
    return DesiredSet(
        resources=tuple(item for item in built if not item.is_hook),
        hooks=tuple(item for item in built if item.is_hook),
    )


def _require_identity(obj: dict[str, Any]) -> None:
    metadata = obj.get("metadata") or {}
    if not obj.get("kind") or not obj.get("apiVersion"):
        raise DesiredSetError(f"{ResourceKey.of(obj)}: object without apiVersion or kind")
    if not metadata.get("name") and not metadata.get("generateName"):
        raise DesiredSetError(f"{ResourceKey.of(obj)}: object without a name")


def _name_hook(obj: dict[str, Any], hook: HookType | None, revision: str, index: int) -> None:
    metadata = obj["metadata"]
    if metadata.get("name"):
        return
    if hook is None:
        raise DesiredSetError(
            f"{ResourceKey.of(obj)}{metadata['generateName']}*: generateName is only "
            "supported on hooks"
        )
    phase = SyncPhase(hook.value)
    metadata["name"] = generated_hook_name(str(metadata["generateName"]), revision, phase, index)
    del metadata["generateName"]


def _claim(owners: dict[ResourceKey, int], key: ResourceKey, index: int) -> None:
    # One source object may appear once per hook phase; two source objects never share a key.
    if owners.setdefault(key, index) != index:
        raise DesiredSetError(f"{key}: defined more than once in the desired manifests")


def _set_namespace(obj: dict[str, Any], namespace: str) -> None:
    if namespace:
        obj["metadata"]["namespace"] = namespace
    else:
        obj["metadata"].pop("namespace", None)


def _desired_object(
    obj: dict[str, Any], placement: Placement, wave: int, hook: HookType | None, marks: HookMarks
) -> DesiredObject:
    return DesiredObject(
        key=placement.key,
        obj=obj,
        wave=wave,
        hook=hook,
        hook_delete_policies=marks.delete_policies if hook is not None else frozenset(),
        sync_options=object_sync_options(annotation(obj, SYNC_OPTIONS), str(placement.key)),
        compare_options=MappingProxyType(parse_options(annotation(obj, COMPARE_OPTIONS))),
        namespaced=placement.namespaced,
        unknown_kind=placement.unknown_kind,
    )
