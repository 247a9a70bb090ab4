"""Reading an object's sync wave (``sync-wave``, or else Helm's ``helm.sh/hook-weight``).

Called by ``gitopsd.desired.building`` for every object.
"""

from __future__ import annotations

from typing import Any

from gitopsd.errors import DesiredSetError
from gitopsd.model.annotations import SYNC_WAVE, annotation
from gitopsd.model.keys import ResourceKey

HELM_HOOK_WEIGHT = "helm.sh/hook-weight"


def parse_wave(obj: dict[str, Any]) -> int:
    """The object's wave: ``sync-wave`` (either prefix), else ``helm.sh/hook-weight``, else 0.

    Raises DesiredSetError, naming the object, when the value is not an integer.
    """
    value = annotation(obj, SYNC_WAVE)
    if value is None:
        value = ((obj.get("metadata") or {}).get("annotations") or {}).get(HELM_HOOK_WEIGHT)
    if value is None or str(value).strip() == "":
        return 0
    try:
        return int(str(value).strip())
    except ValueError as e:
        raise DesiredSetError(
            f"{ResourceKey.of(obj)}: sync wave {str(value)!r} is not an integer"
        ) from e
