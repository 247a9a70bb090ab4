"""The template functions gitopsd supports: Go's built-ins and Argo CD's Sprig subset.

Each function receives its evaluated arguments (a piped value comes last, as in Go) and
raises ``TemplateFuncError`` on misuse; the executor adds the action to the message. A name
not in these tables is rejected when the template is parsed. ``and``/``or`` are lazy, as in
Go 1.18+: they stop evaluating at the first deciding argument.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from typing import Any

import yaml

from gitopsd.appset.gotemplate.values import NO_VALUE, go_string, is_nil, truth
from gitopsd.appset.normalize import sanitize_name


class TemplateFuncError(Exception):
    """A function was called with the wrong number or kind of arguments."""


Func = Callable[..., Any]


def _arity(args: tuple[Any, ...], name: str, low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(args) <= high:
        expected = str(low) if low == high else f"{low} to {high}"
        raise TemplateFuncError(f"wrong number of args for {name}: want {expected} got {len(args)}")


def _string(value: Any, name: str) -> str:
    if isinstance(value, str):
        return value
    if is_nil(value):
        raise TemplateFuncError(f"{name}: invalid value; expected string")
    raise TemplateFuncError(f"{name}: wrong type for value; expected string; got {_type(value)}")


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise TemplateFuncError(f"{name}: expected an integer; got {_type(value)}")
    return int(value)


def _type(value: Any) -> str:
    if is_nil(value):
        return "nil"
    return {str: "string", bool: "bool", int: "int", float: "float64", dict: "map", list: "slice"}[
        type(value)
    ]


# --- Go built-ins ---------------------------------------------------------------------


def _eq(*args: Any) -> bool:
    _arity(args, "eq", 2, 99)
    first = args[0]
    return any(_equal(first, other) for other in args[1:])


def _equal(left: Any, right: Any) -> bool:
    if is_nil(left) or is_nil(right):
        return is_nil(left) and is_nil(right)
    numbers = (int, float)
    if isinstance(left, bool) != isinstance(right, bool) or (
        isinstance(left, numbers) != isinstance(right, numbers)
    ):
        raise TemplateFuncError("incompatible types for comparison")
    if isinstance(left, dict | list) or isinstance(right, dict | list):
        raise TemplateFuncError("non-comparable types for eq")
    return bool(left == right)


def _ne(*args: Any) -> bool:
    _arity(args, "ne", 2)
    return not _equal(args[0], args[1])


def _ordered(name: str, check: Callable[[Any, Any], bool]) -> Func:
    def compare(*args: Any) -> bool:
        _arity(args, name, 2)
        left, right = args
        kinds = {type(v) for v in (left, right)}
        if not (kinds <= {int, float} or kinds == {str}):
            raise TemplateFuncError(f"{name}: incompatible types for comparison")
        return check(left, right)

    return compare


def _not(*args: Any) -> bool:
    _arity(args, "not", 1)
    return not truth(args[0])


def _len(*args: Any) -> int:
    _arity(args, "len", 1)
    value = args[0]
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, list | dict):
        return len(value)
    raise TemplateFuncError(f"len of {_type(value)}")


def _index(*args: Any) -> Any:
    _arity(args, "index", 1, 99)
    item = args[0]
    for key in args[1:]:
        if is_nil(item):
            raise TemplateFuncError("index of untyped nil")
        if isinstance(item, list):
            position = _int(key, "index")
            if not 0 <= position < len(item):
                raise TemplateFuncError(f"index out of range: {position}")
            item = item[position]
        elif isinstance(item, dict):
            item = item.get(_string(key, "index"), None)
        else:
            raise TemplateFuncError(f"can't index item of type {_type(item)}")
    return item


def _print(*args: Any) -> str:
    # fmt.Sprint: a space between operands when neither side is a string.
    out = ""
    for index, arg in enumerate(args):
        if index and not isinstance(arg, str) and not isinstance(args[index - 1], str):
            out += " "
        out += go_string(arg)
    return out


_VERB = re.compile(r"%([-+# 0]*)(\d*)(?:\.(\d+))?([svdqtfx%])")


def _printf(*args: Any) -> str:
    _arity(args, "printf", 1, 99)
    fmt = _string(args[0], "printf")
    values = list(args[1:])

    def one(match: re.Match[str]) -> str:
        flags, width, precision, verb = match.groups()
        if verb == "%":
            return "%"
        if not values:
            return f"%!{verb}(MISSING)"
        text = _format_verb(verb, values.pop(0), precision)
        pad = int(width) if width else 0
        return text.ljust(pad) if "-" in flags else text.rjust(pad, "0" if "0" in flags else " ")

    return _VERB.sub(one, fmt)


def _format_verb(verb: str, value: Any, precision: str | None) -> str:
    if verb == "d":
        return str(_int(value, "printf %d"))
    if verb == "q":
        return _go_quote(go_string(value))
    if verb == "f":
        if not isinstance(value, int | float):
            raise TemplateFuncError(f"printf %f of {_type(value)}")
        return f"{value:.{int(precision) if precision else 6}f}"
    if verb == "x":
        return format(_int(value, "printf %x"), "x")
    return go_string(value)


# --- Sprig subset (as Argo CD ships it) -------------------------------------------------


def _unary_string(name: str, op: Callable[[str], Any]) -> Func:
    def call(*args: Any) -> Any:
        _arity(args, name, 1)
        return op(_string(args[0], name))

    return call


def _binary_string(name: str, op: Callable[[str, str], Any]) -> Func:
    def call(*args: Any) -> Any:
        _arity(args, name, 2)
        return op(_string(args[0], name), _string(args[1], name))

    return call


def _replace(*args: Any) -> str:
    _arity(args, "replace", 3)
    old, new, text = (_string(a, "replace") for a in args)
    return text.replace(old, new)


def _trunc(*args: Any) -> str:
    _arity(args, "trunc", 2)
    count, text = _int(args[0], "trunc"), _string(args[1], "trunc")
    if count < 0:
        return text[count:] if len(text) + count > 0 else text
    return text[:count]


def _go_quote(text: str) -> str:
    # Go's %q: a double-quoted string with Go escapes; JSON's escapes agree for common text.
    return json.dumps(text, ensure_ascii=False)


def _strval(value: Any) -> str:
    return value if isinstance(value, str) else go_string(value)


def _quote(*args: Any) -> str:
    return " ".join(_go_quote(_strval(a)) for a in args if not is_nil(a))


def _squote(*args: Any) -> str:
    return " ".join(f"'{_strval(a)}'" for a in args if not is_nil(a))


def _default(*args: Any) -> Any:
    _arity(args, "default", 1, 2)
    if len(args) == 1 or not truth(args[1]):
        return args[0]
    return args[1]


def _empty(*args: Any) -> bool:
    _arity(args, "empty", 1)
    return not truth(args[0])


def _coalesce(*args: Any) -> Any:
    return next((a for a in args if truth(a)), None)


def _ternary(*args: Any) -> Any:
    _arity(args, "ternary", 3)
    if not isinstance(args[2], bool):
        raise TemplateFuncError(f"ternary: expected bool; got {_type(args[2])}")
    return args[0] if args[2] else args[1]


def _join(*args: Any) -> str:
    _arity(args, "join", 2)
    separator, items = _string(args[0], "join"), args[1]
    if isinstance(items, str):
        return items
    if not isinstance(items, list):
        raise TemplateFuncError(f"join: expected a list; got {_type(items)}")
    return separator.join(_strval(i) for i in items if not is_nil(i))


def _to_json(*args: Any) -> str:
    _arity(args, "toJson", 1)
    value = None if args[0] is NO_VALUE else args[0]
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # encoding/json escapes HTML-sensitive characters.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _to_yaml(*args: Any) -> str:
    _arity(args, "toYaml", 1)
    value = None if args[0] is NO_VALUE else args[0]
    text: str = yaml.safe_dump(value, sort_keys=True, default_flow_style=False)
    return text.removesuffix("...\n").rstrip("\n")


def _b64dec(text: str) -> str:
    try:
        return base64.b64decode(text, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as error:
        raise TemplateFuncError(f"b64dec: {error}") from error


def _title(text: str) -> str:
    return re.sub(r"(^|[^\w])(\w)", lambda m: m.group(1) + m.group(2).upper(), text)


def _to_string(*args: Any) -> str:
    _arity(args, "toString", 1)
    return _strval(args[0])


FUNCTIONS: dict[str, Func] = {
    # Go built-ins
    "eq": _eq,
    "ne": _ne,
    "lt": _ordered("lt", lambda a, b: a < b),
    "le": _ordered("le", lambda a, b: a <= b),
    "gt": _ordered("gt", lambda a, b: a > b),
    "ge": _ordered("ge", lambda a, b: a >= b),
    "not": _not,
    "len": _len,
    "index": _index,
    "print": _print,
    "printf": _printf,
    # Sprig and Argo CD
    "lower": _unary_string("lower", str.lower),
    "upper": _unary_string("upper", str.upper),
    "title": _unary_string("title", _title),
    "trim": _unary_string("trim", str.strip),
    "trimPrefix": _binary_string("trimPrefix", lambda p, s: s.removeprefix(p)),
    "trimSuffix": _binary_string("trimSuffix", lambda p, s: s.removesuffix(p)),
    "contains": _binary_string("contains", lambda sub, s: sub in s),
    "hasPrefix": _binary_string("hasPrefix", lambda p, s: s.startswith(p)),
    "hasSuffix": _binary_string("hasSuffix", lambda p, s: s.endswith(p)),
    "splitList": _binary_string("splitList", lambda sep, s: s.split(sep)),
    "replace": _replace,
    "trunc": _trunc,
    "quote": _quote,
    "squote": _squote,
    "default": _default,
    "empty": _empty,
    "coalesce": _coalesce,
    "ternary": _ternary,
    "join": _join,
    "toJson": _to_json,
    "toYaml": _to_yaml,
    "toString": _to_string,
    "normalize": _unary_string("normalize", sanitize_name),
    "b64enc": _unary_string("b64enc", lambda s: base64.b64encode(s.encode()).decode()),
    "b64dec": _unary_string("b64dec", _b64dec),
}

# Functions that receive their arguments unevaluated (as zero-argument callables).
LAZY_FUNCTIONS: frozenset[str] = frozenset({"and", "or"})


def call_lazy(name: str, thunks: list[Callable[[], Any]]) -> Any:
    """``and`` returns the first false argument or the last; ``or`` the first true one."""
    if not thunks:
        raise TemplateFuncError(f"wrong number of args for {name}: want at least 1 got 0")
    value: Any = None
    for thunk in thunks:
        value = thunk()
        if truth(value) == (name == "or"):
            return value
    return value
