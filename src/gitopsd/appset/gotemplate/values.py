"""How Go's text/template sees parameter values: missing values, truth, printing.

Parameters are plain JSON-like Python values (dict, list, str, int, float, bool, None).
A map key that is absent yields :data:`NO_VALUE` (Go's invalid ``reflect.Value``), which
prints as ``<no value>``; an explicit null is ``None``. Used by the executor and functions.
"""

from __future__ import annotations

import math
from typing import Any, Final


class _NoValue:
    """The result of looking up a key a map does not have (Go's "no value")."""

    _instance: _NoValue | None = None

    def __new__(cls) -> _NoValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<no value>"


NO_VALUE: Final = _NoValue()


def is_nil(value: Any) -> bool:
    return value is None or value is NO_VALUE


def truth(value: Any) -> bool:
    """Go's template truth: false, 0, nil and empty strings, lists and maps are false."""
    if is_nil(value):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str | list | dict | tuple):
        return len(value) > 0
    return True


def go_string(value: Any) -> str:
    """``fmt.Sprint`` of a value nested inside another (a nil prints as ``<nil>``)."""
    if is_nil(value):
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, dict):
        items = " ".join(f"{go_string(k)}:{go_string(value[k])}" for k in sorted(value))
        return f"map[{items}]"
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_string(v) for v in value) + "]"
    return str(value)


def output_string(value: Any) -> str:
    """What ``{{ pipeline }}`` prints: a nil at the top level prints as ``<no value>``."""
    return "<no value>" if is_nil(value) else go_string(value)


def _go_float(value: float) -> str:
    # Go's %v for float64 is the shortest representation, with an exponent from 1e21 on;
    # parameters read from JSON/YAML are float64 in Argo CD, so 3.0 prints as "3".
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        return f"{mantissa}e{sign}{exponent.lstrip('+-').zfill(2)}"
    return text
