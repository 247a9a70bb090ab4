"""Resource quantities compared by value: ``1000m`` == ``1``, ``1Gi`` == ``1024Mi``.

The API server rewrites quantities into a canonical form, so a manifest saying ``1000m``
is stored as ``1``. When the comparison is against a dry-run prediction both sides are
already canonical; when the dry run was skipped (the kind is not served yet), the manifest
is compared as written. ``compare.diff_object`` then calls :func:`align_quantities` so
equal amounts written differently are not reported as drift.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from gitopsd.diff.paths import clone

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}
_QUANTITY = re.compile(
    r"^(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))"
    r"(?:[eE](?P<exponent>[+-]?\d+)|(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$"
)
# The mappings whose values are quantities: ``resources.limits`` and ``resources.requests``
# of containers, PersistentVolumeClaims, and anything else shaped the same way.
_QUANTITY_PARENTS = ("limits", "requests")


def parse_quantity(value: Any) -> Decimal | None:
    """The amount a Kubernetes quantity stands for, or None if ``value`` is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    if not isinstance(value, str):
        return None
    match = _QUANTITY.match(value.strip())
    if match is None:
        return None
    try:
        number = Decimal(match["number"])
    except InvalidOperation:
        return None
    if match["exponent"] is not None:
        return number.scaleb(int(match["exponent"]))
    suffix = match["suffix"] or ""
    return number * (_BINARY[suffix] if suffix in _BINARY else _DECIMAL[suffix])


def align_quantities(desired: dict[str, Any], live: dict[str, Any] | None) -> dict[str, Any]:
    """A copy of ``desired`` whose resource quantities equal to live's are spelled as live's."""
    aligned = clone(desired)
    if live is not None:
        _align(aligned, live, parent_key="", grandparent_key="")
    return aligned


def _align(desired: Any, live: Any, *, parent_key: str, grandparent_key: str) -> None:
    if isinstance(desired, dict) and isinstance(live, dict):
        in_quantities = grandparent_key == "resources" and parent_key in _QUANTITY_PARENTS
        for key, value in desired.items():
            if key not in live:
                continue
            if in_quantities and _same_amount(value, live[key]):
                desired[key] = clone(live[key])
            else:
                _align(value, live[key], parent_key=key, grandparent_key=parent_key)
    elif isinstance(desired, list) and isinstance(live, list):
        for item, counterpart in _pairs(desired, live):
            _align(item, counterpart, parent_key=parent_key, grandparent_key=grandparent_key)


def _pairs(desired: list[Any], live: list[Any]) -> list[tuple[Any, Any]]:
    """Pair list items by ``name`` when every item has one (containers), else by position."""
    if _all_named(desired) and _all_named(live):
        by_name = {item["name"]: item for item in live}
        return [(item, by_name[item["name"]]) for item in desired if item["name"] in by_name]
    return list(zip(desired, live, strict=False))


def _all_named(items: list[Any]) -> bool:
    return all(isinstance(item, dict) and "name" in item for item in items)


def _same_amount(desired: Any, live: Any) -> bool:
    left, right = parse_quantity(desired), parse_quantity(live)
    return left is not None and left == right
