"""A Secret's write-only ``stringData``, folded into ``data`` as the API server does on
every write, so the model never stores or returns ``stringData``."""

from __future__ import annotations

import base64
from typing import Any


def fold_string_data(obj: dict[str, Any]) -> None:
    if obj.get("kind") != "Secret" or obj.get("apiVersion") != "v1":
        return
    string_data = obj.pop("stringData", None)
    if not isinstance(string_data, dict) or not string_data:
        return
    data = obj.setdefault("data", {})
    for name, value in string_data.items():
        data[name] = base64.b64encode(str(value).encode()).decode()
