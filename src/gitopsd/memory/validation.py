"""The checks the API server makes before it stores a write, as far as the model knows
them: the apiVersion is the served one, names and labels are well-formed, and fields
that may not change after creation (a Deployment's selector, a Job's template, an
immutable ConfigMap's data) do not. Each failure is an ``Invalid`` that names the object,
the field and the rule, as the server's message does. Called by ``MemoryCluster``."""

from __future__ import annotations

import re
from typing import Any

from gitopsd.errors import Invalid
from gitopsd.memory.kinds import IMMUTABLE_FIELDS, KindInfo
from gitopsd.model.keys import ResourceKey

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_MISSING = object()


def invalid(key: ResourceKey, what: str, plural_group: str) -> Invalid:
    return Invalid(
        f'{key.kind}.{plural_group} "{key.name}" is invalid: {what}'
        if plural_group
        else f'{key.kind} "{key.name}" is invalid: {what}',
        status=422,
        reason="Invalid",
    )


def check_object(key: ResourceKey, obj: dict[str, Any], info: KindInfo) -> None:
    """Raise Invalid for a body the server would refuse, before anything is stored."""
    group = info.resource.group
    api_version = str(obj.get("apiVersion", ""))
    if api_version != info.resource.api_version:
        raise Invalid(
            f"{key}: the API version in the data ({api_version}) does not match the expected "
            f"API version ({info.resource.api_version})",
            status=400,
            reason="BadRequest",
        )
    if not key.name:
        raise invalid(key, "metadata.name: Required value: name or generateName is required", group)
    if len(key.name) > 253 or not _SUBDOMAIN.match(key.name):
        raise invalid(
            key,
            f'metadata.name: Invalid value: "{key.name}": a lowercase RFC 1123 subdomain must '
            "consist of lower case alphanumeric characters, '-' or '.', and must start and end "
            "with an alphanumeric character",
            group,
        )
    labels = (obj.get("metadata") or {}).get("labels") or {}
    for name, value in labels.items():
        if not _label_key_ok(str(name)):
            raise invalid(
                key, f'metadata.labels: Invalid value: "{name}": invalid label key', group
            )
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value):
            raise invalid(
                key,
                f'metadata.labels: Invalid value: "{value}": a valid label must be an empty '
                "string or consist of alphanumeric characters, '-', '_' or '.', and must start "
                "and end with an alphanumeric character (at most 63 characters)",
                group,
            )


def _label_key_ok(name: str) -> bool:
    prefix, _, local = name.rpartition("/")
    if prefix and (len(prefix) > 253 or not _SUBDOMAIN.match(prefix)):
        return False
    return 0 < len(local) <= 63 and bool(_LABEL_NAME.match(local))


def check_update(
    key: ResourceKey, old: dict[str, Any], new: dict[str, Any], info: KindInfo
) -> None:
    """Raise Invalid when an update changes a field that is immutable once set."""
    group = info.resource.group
    for path in IMMUTABLE_FIELDS.get(key.group_kind, ()):
        before, after = _at(old, path), _at(new, path)
        if before is not _MISSING and before not in (None, "") and before != after:
            raise invalid(key, f"{'.'.join(path)}: Invalid value: field is immutable", group)
    if key.kind in ("ConfigMap", "Secret") and not key.group and old.get("immutable") is True:
        for field in ("data", "binaryData", "stringData", "immutable"):
            if old.get(field) != new.get(field):
                raise invalid(
                    key, f"{field}: Forbidden: field is immutable when `immutable` is set", group
                )


def _at(obj: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = obj
    for name in path:
        if not isinstance(node, dict) or name not in node:
            return _MISSING
        node = node[name]
    return node
