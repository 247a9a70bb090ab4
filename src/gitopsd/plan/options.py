"""Typed sync options for one object: the app-level list merged with the object's annotation.

Called by the plan (prune decisions) and by the sync engine (apply, dry run, replace).
Option names are the constants of ``gitopsd.model.annotations``; values are compared
case-insensitively. A per-object value wins over the app-level one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gitopsd.errors import DesiredSetError
from gitopsd.model import annotations as names
from gitopsd.model.vocab import Consent, PropagationPolicy


@dataclass(frozen=True)
class ObjectSyncOptions:
    """How to sync one object. Defaults are gitopsd's (and Argo CD's) when nothing is set.

    ``server_side_apply`` defaults to True: gitopsd applies server-side; ``false`` is kept
    for the apply stage to honour. ``delete`` governs pruning and Application deletion
    alike; ``Delete=confirm`` is treated as never deleting automatically.
    """

    create_namespace: bool = False
    apply_out_of_sync_only: bool = False
    server_side_apply: bool = True
    replace: bool = False
    force: bool = False
    validate: bool = True
    skip_dry_run_on_missing_resource: bool = False
    fail_on_shared_resource: bool = False
    respect_ignore_differences: bool = False
    prune: Consent = Consent.ALLOWED
    prune_last: bool = False
    prune_propagation_policy: PropagationPolicy = PropagationPolicy.FOREGROUND
    delete: Consent = Consent.ALLOWED


_BOOLEANS = {
    names.OPT_CREATE_NAMESPACE: "create_namespace",
    names.OPT_APPLY_OUT_OF_SYNC_ONLY: "apply_out_of_sync_only",
    names.OPT_SERVER_SIDE_APPLY: "server_side_apply",
    names.OPT_REPLACE: "replace",
    names.OPT_FORCE: "force",
    names.OPT_VALIDATE: "validate",
    names.OPT_SKIP_DRY_RUN_ON_MISSING: "skip_dry_run_on_missing_resource",
    names.OPT_FAIL_ON_SHARED: "fail_on_shared_resource",
    names.OPT_RESPECT_IGNORE_DIFFERENCES: "respect_ignore_differences",
    names.OPT_PRUNE_LAST: "prune_last",
}


def resolve_options(
    app_options: Mapping[str, str], obj_options: Mapping[str, str], *, owner: str = ""
) -> ObjectSyncOptions:
    """Merge app-level and per-object options (the object wins) into typed fields.

    Unknown option names are ignored (Argo CD has more than gitopsd reads). An invalid
    value raises DesiredSetError, its message starting with ``owner`` (an object id).
    """
    merged = {**app_options, **obj_options}
    fields: dict[str, Any] = {}
    for option, field_name in _BOOLEANS.items():
        if option in merged:
            fields[field_name] = _boolean(merged[option], option, owner)
    if names.OPT_PRUNE in merged:
        fields["prune"] = _consent(merged[names.OPT_PRUNE], names.OPT_PRUNE, owner)
    if names.OPT_DELETE in merged:
        fields["delete"] = _consent(merged[names.OPT_DELETE], names.OPT_DELETE, owner)
    if names.OPT_PRUNE_PROPAGATION in merged:
        fields["prune_propagation_policy"] = _propagation(
            merged[names.OPT_PRUNE_PROPAGATION], owner
        )
    return ObjectSyncOptions(**fields)


KNOWN_OPTIONS = frozenset(
    {
        *_BOOLEANS,
        names.OPT_PRUNE,
        names.OPT_DELETE,
        names.OPT_PRUNE_PROPAGATION,
    }
)


def sync_option_problems(items: Sequence[str], field: str) -> list[str]:
    """What is wrong with a ``syncOptions`` list, one message per bad entry naming it
    (``spec.syncPolicy.syncOptions[1]: ...``): options gitopsd does not know (a typo, or
    an Argo CD option gitopsd does not implement) and values it cannot read."""
    problems = []
    for index, item in enumerate(items):
        key, _, value = str(item).partition("=")
        name = key.strip()
        if name not in KNOWN_OPTIONS:
            known = ", ".join(sorted(KNOWN_OPTIONS))
            problems.append(f"{field}[{index}]: unknown sync option {name!r} (known: {known})")
            continue
        try:
            resolve_options({name: value.strip() if value else "true"}, {})
        except DesiredSetError as e:
            problems.append(f"{field}[{index}]: {e}")
    return problems


def _invalid(option: str, value: str, owner: str, allowed: str) -> DesiredSetError:
    prefix = f"{owner}: " if owner else ""
    return DesiredSetError(f"{prefix}sync option {option}={value!r} is not one of {allowed}")


def _boolean(value: str, option: str, owner: str) -> bool:
    lowered = value.strip().lower()
    if lowered not in {"true", "false"}:
        raise _invalid(option, value, owner, "true, false")
    return lowered == "true"


def _consent(value: str, option: str, owner: str) -> Consent:
    try:
        return Consent(value.strip().lower())
    except ValueError as e:
        raise _invalid(option, value, owner, "true, false, confirm") from e


def _propagation(value: str, owner: str) -> PropagationPolicy:
    by_name = {policy.value.lower(): policy for policy in PropagationPolicy}
    policy = by_name.get(value.strip().lower())
    if policy is None:
        raise _invalid(names.OPT_PRUNE_PROPAGATION, value, owner, "foreground, background, orphan")
    return policy
