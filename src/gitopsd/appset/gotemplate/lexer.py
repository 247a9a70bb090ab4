"""Splitting a Go template into text and actions, and an action into tokens.

Called by :mod:`gitopsd.appset.gotemplate.parser`. Handles ``{{-``/``-}}`` whitespace
trimming and ``{{/* comments */}}`` here, so the parser only sees text and token lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from gitopsd.errors import SpecError

_SPACE = " \t\r\n"


class Tok(StrEnum):
    STRING = "string"
    NUMBER = "number"
    FIELD = "field"  # .a.b
    DOT = "dot"  # .
    VARIABLE = "variable"  # $ or $x, maybe with .a.b
    IDENT = "ident"  # function names and keywords
    PIPE = "|"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    DECLARE = ":="
    ASSIGN = "="


@dataclass(frozen=True)
class Token:
    kind: Tok
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Action:
    """The inside of one ``{{ ... }}``, as written (for messages) and as tokens."""

    source: str
    tokens: tuple[Token, ...]

    def __str__(self) -> str:
        return "{{ " + self.source.strip() + " }}"


Part = str | Action

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<char>'(?:[^'\\]|\\.)*')
  | (?P<declare>:=)
  | (?P<assign>=)
  | (?P<pipe>\|)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<comma>,)
  | (?P<number>[-+]?(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?))
  | (?P<variable>\$[A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<field>(?:\.[A-Za-z_][A-Za-z0-9_]*)+)
  | (?P<dot>\.)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    """,
    re.VERBOSE,
)

_KINDS = {
    "string": Tok.STRING,
    "raw": Tok.STRING,
    "declare": Tok.DECLARE,
    "assign": Tok.ASSIGN,
    "pipe": Tok.PIPE,
    "lparen": Tok.LPAREN,
    "rparen": Tok.RPAREN,
    "comma": Tok.COMMA,
    "number": Tok.NUMBER,
    "variable": Tok.VARIABLE,
    "field": Tok.FIELD,
    "dot": Tok.DOT,
    "ident": Tok.IDENT,
}


def split(template: str) -> list[Part]:
    """Text and actions in order, with trim markers applied and comments dropped."""
    parts: list[Part] = []
    position = 0
    trim_next = False
    while True:
        start = template.find("{{", position)
        if start < 0:
            parts.append(_trim(template[position:], left=trim_next, right=False))
            return [p for p in parts if p != ""]
        trim_left = template.startswith("{{-", start) and _space_at(template, start + 3)
        inner_start = start + (3 if trim_left else 2)
        end = _action_end(template, inner_start)
        trim_right = template[end - 1] == "-" and end - 2 >= inner_start
        trim_right = trim_right and template[end - 2] in _SPACE
        inner = template[inner_start : end - 1 if trim_right else end]
        parts.append(_trim(template[position:start], left=trim_next, right=trim_left))
        if not _is_comment(inner, template):
            parts.append(Action(inner, tokenize(inner)))
        trim_next = trim_right
        position = end + 2


def _trim(text: str, *, left: bool, right: bool) -> str:
    if left:
        text = text.lstrip(_SPACE)
    if right:
        text = text.rstrip(_SPACE)
    return text


def _space_at(text: str, index: int) -> bool:
    return index < len(text) and text[index] in _SPACE


def _action_end(template: str, index: int) -> int:
    """Index of the ``}}`` closing the action starting at ``index`` (quotes respected)."""
    quote = ""
    while index < len(template):
        char = template[index]
        if quote:
            if char == "\\" and quote != "`":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'`":
            quote = char
        elif template.startswith("/*", index):
            close = template.find("*/", index + 2)
            index = len(template) if close < 0 else close + 1
        elif template.startswith("}}", index):
            return index
        index += 1
    raise SpecError(f"unclosed action in template {template!r}")


def _is_comment(inner: str, template: str) -> bool:
    stripped = inner.strip(_SPACE)
    if not stripped.startswith("/*"):
        return False
    if not stripped.endswith("*/"):
        raise SpecError(f"unclosed comment in template {template!r}")
    return True


def tokenize(source: str) -> tuple[Token, ...]:
    tokens: list[Token] = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise SpecError(
                f"unexpected {source[position]!r} in {{{{ {source.strip()} }}}}: "
                "not a supported template construct"
            )
        kind = match.lastgroup or ""
        if kind == "char":
            raise SpecError(f"character constants are not supported in {{{{ {source.strip()} }}}}")
        if kind != "space":
            tokens.append(Token(_KINDS[kind], match.group(), match.start(), match.end()))
        position = match.end()
    return tuple(tokens)
