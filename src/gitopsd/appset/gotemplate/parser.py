"""Parsing a Go template into a small tree: text, actions, ``if``, ``range``, ``with``.

Called by :func:`gitopsd.appset.gotemplate.parse`. Unknown functions and unsupported
constructs (``define``, ``template``, ``block``, ``break``, ``continue``, methods with
arguments) are rejected here, at parse time, with a ``SpecError`` naming the construct.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from gitopsd.appset.gotemplate.functions import FUNCTIONS, LAZY_FUNCTIONS
from gitopsd.appset.gotemplate.lexer import Action, Part, Tok, Token, split
from gitopsd.errors import SpecError

# --- operands -------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    value: object


@dataclass(frozen=True)
class Field:
    """``.a.b`` (names empty for ``.`` itself)."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class Variable:
    """``$``, ``$x`` or ``$x.a.b``."""

    name: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class Call:
    """A function applied to arguments (the piped value, if any, is appended)."""

    name: str
    args: tuple[Operand, ...]


@dataclass(frozen=True)
class Chain:
    """``(pipeline).a.b``."""

    operand: Pipeline
    names: tuple[str, ...]


# --- pipelines and nodes --------------------------------------------------------------


@dataclass(frozen=True)
class Pipeline:
    commands: tuple[Operand, ...]
    declare: tuple[str, ...] = ()  # variables declared with := (or assigned with =)
    assign: bool = False


Operand = Literal | Field | Variable | Call | Chain | Pipeline


@dataclass(frozen=True)
class Output:
    pipeline: Pipeline
    action: str


@dataclass(frozen=True)
class Control:
    """``{{ if }}``, ``{{ range }}`` or ``{{ with }}``: ``body`` runs when the pipeline's
    value is true (``range``: once per element), ``otherwise`` (after ``{{ else }}``) when
    it is not."""

    pipeline: Pipeline
    body: tuple[Node, ...]
    otherwise: tuple[Node, ...]
    action: str


class If(Control):
    """``body`` runs with the same dot."""


class Range(Control):
    """``body`` runs once per element, with the element as dot."""


class With(Control):
    """``body`` runs with the pipeline's value as dot."""


Node = str | Output | Control  # Control: If, Range or With

_UNSUPPORTED_KEYWORDS = {"define", "template", "block", "break", "continue"}
_CONTROL = {"if", "range", "with", "else", "end"}
_CONTROLS: dict[str, type[Control]] = {"if": If, "range": Range, "with": With}


def parse(template: str) -> tuple[Node, ...]:
    parts = iter(split(template))
    nodes, stop = _parse_list(parts, template)
    if stop is not None:
        raise SpecError(f"unexpected {stop} in template {template!r}")
    return nodes


def _keyword(action: Action) -> str:
    first = action.tokens[0] if action.tokens else None
    if first is not None and first.kind == Tok.IDENT:
        if first.text in _UNSUPPORTED_KEYWORDS:
            raise SpecError(f"unsupported template action '{first.text}' in {action}")
        if first.text in _CONTROL:
            return first.text
    return ""


def _parse_list(parts: Iterator[Part], template: str) -> tuple[tuple[Node, ...], Action | None]:
    """Nodes up to (and consuming) an ``else`` or ``end`` action, which is returned."""
    nodes: list[Node] = []
    for part in parts:
        if isinstance(part, str):
            nodes.append(part)
            continue
        keyword = _keyword(part)
        if keyword in ("else", "end"):
            return tuple(nodes), part
        if keyword:
            nodes.append(_parse_control(keyword, part, part.tokens[1:], parts, template))
        else:
            nodes.append(Output(_pipeline(part.tokens, part, allow_declare=True), str(part)))
    return tuple(nodes), None


def _parse_control(
    keyword: str, action: Action, tokens: tuple[Token, ...], parts: Iterator[Part], template: str
) -> Node:
    pipeline = _pipeline(tokens, action, allow_declare=True)
    body, stop = _parse_list(parts, template)
    otherwise: tuple[Node, ...] = ()
    if stop is None:
        raise SpecError(f"missing {{{{ end }}}} for {action} in template {template!r}")
    if _keyword(stop) == "else":
        rest = stop.tokens[1:]
        if rest and rest[0].kind == Tok.IDENT and rest[0].text == "if" and keyword == "if":
            # {{ else if x }} chains share the outer {{ end }}, consumed by the inner if.
            otherwise = (_parse_control("if", stop, rest[1:], parts, template),)
        elif rest:
            raise SpecError(f"unsupported template action in {stop}")
        else:
            otherwise, stop = _parse_list(parts, template)
            if stop is None or _keyword(stop) != "end" or len(stop.tokens) > 1:
                raise SpecError(f"missing {{{{ end }}}} for {action} in template {template!r}")
    elif len(stop.tokens) > 1:
        raise SpecError(f"unexpected arguments in {stop}")
    return _CONTROLS[keyword](pipeline, body, otherwise, str(action))


# --- pipelines ------------------------------------------------------------------------


class _Tokens:
    def __init__(self, tokens: tuple[Token, ...], action: Action) -> None:
        self.tokens = tokens
        self.index = 0
        self.action = action

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise SpecError(f"unexpected end of {self.action}")
        self.index += 1
        return token

    def error(self, token: Token) -> SpecError:
        return SpecError(f"unexpected {token.text!r} in {self.action}")


def _pipeline(tokens: tuple[Token, ...], action: Action, *, allow_declare: bool) -> Pipeline:
    if not tokens:
        raise SpecError(f"missing value in {action}")
    stream = _Tokens(tokens, action)
    declare, assign = _declaration(stream) if allow_declare else ((), False)
    pipeline = _commands(stream, declare, assign)
    extra = stream.peek()
    if extra is not None:
        raise stream.error(extra)
    return pipeline


def _declaration(stream: _Tokens) -> tuple[tuple[str, ...], bool]:
    kinds = [t.kind for t in stream.tokens]
    for shape in ([Tok.VARIABLE, Tok.DECLARE], [Tok.VARIABLE, Tok.ASSIGN]):
        if kinds[:2] == shape and "." not in stream.tokens[0].text:
            stream.index = 2
            return (stream.tokens[0].text,), shape[1] == Tok.ASSIGN
    two = [Tok.VARIABLE, Tok.COMMA, Tok.VARIABLE, Tok.DECLARE]
    if kinds[:4] == two:
        stream.index = 4
        return (stream.tokens[0].text, stream.tokens[2].text), False
    return (), False


def _commands(stream: _Tokens, declare: tuple[str, ...] = (), assign: bool = False) -> Pipeline:
    commands = [_command(stream, piped=False)]
    while (token := stream.peek()) is not None and token.kind == Tok.PIPE:
        stream.take()
        commands.append(_command(stream, piped=True))
    return Pipeline(tuple(commands), declare, assign)


def _command(stream: _Tokens, *, piped: bool) -> Operand:
    first = stream.peek()
    if first is not None and first.kind == Tok.IDENT and first.text not in _CONSTANTS:
        stream.take()
        _check_function(first.text, stream.action)
        return Call(first.text, tuple(_arguments(stream)))
    operand = _operand(stream)
    following = stream.peek()
    if piped or (following is not None and following.kind not in (Tok.PIPE, Tok.RPAREN)):
        what = "a piped value" if piped else "arguments"
        raise SpecError(f"cannot give {what} to a non-function in {stream.action}")
    return operand


def _arguments(stream: _Tokens) -> Iterator[Operand]:
    while (token := stream.peek()) is not None and token.kind not in (Tok.PIPE, Tok.RPAREN):
        yield _operand(stream)


_CONSTANTS = {"true": True, "false": False, "nil": None}


def _operand(stream: _Tokens) -> Operand:
    token = stream.take()
    if token.kind == Tok.STRING:
        return Literal(_unquote(token.text, stream.action))
    if token.kind == Tok.NUMBER:
        return Literal(_number(token.text, stream.action))
    if token.kind == Tok.DOT:
        return Field(())
    if token.kind == Tok.FIELD:
        return Field(tuple(token.text[1:].split(".")))
    if token.kind == Tok.VARIABLE:
        name, *names = token.text.split(".")
        return Variable(name, tuple(names))
    if token.kind == Tok.IDENT:
        if token.text in _CONSTANTS:
            return Literal(_CONSTANTS[token.text])
        _check_function(token.text, stream.action)
        return Call(token.text, ())
    if token.kind == Tok.LPAREN:
        return _parenthesized(stream)
    raise stream.error(token)


def _parenthesized(stream: _Tokens) -> Operand:
    inner = _commands(stream)
    close = stream.take()
    if close.kind != Tok.RPAREN:
        raise stream.error(close)
    following = stream.peek()
    if following is not None and following.kind == Tok.FIELD and following.start == close.end:
        stream.take()
        return Chain(inner, tuple(following.text[1:].split(".")))
    return inner


def _check_function(name: str, action: Action) -> None:
    if name not in FUNCTIONS and name not in LAZY_FUNCTIONS:
        raise SpecError(f"unsupported template function '{name}' in {action}")


def _number(text: str, action: Action) -> int | float:
    try:
        if text.lower().lstrip("+-").startswith("0x"):
            return int(text, 16)
        if any(c in text for c in ".eE"):
            return float(text)
        return int(text)
    except ValueError as error:
        raise SpecError(f"bad number {text!r} in {action}") from error


_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "\\": "\\",
    '"': '"',
    "'": "'",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}


def _unquote(text: str, action: Action) -> str:
    if text.startswith("`"):
        return text[1:-1]
    body, out, index = text[1:-1], [], 0
    while index < len(body):
        char = body[index]
        if char != "\\":
            out.append(char)
            index += 1
            continue
        code = body[index + 1]
        if code in _ESCAPES:
            out.append(_ESCAPES[code])
            index += 2
            continue
        width = {"x": 2, "u": 4, "U": 8}.get(code)
        digits = body[index + 2 : index + 2 + width] if width else ""
        if not width or len(digits) != width:
            raise SpecError(f"unsupported escape '\\{code}' in {action}")
        try:
            out.append(chr(int(digits, 16)))
        except ValueError as error:
            raise SpecError(f"bad escape '\\{code}{digits}' in {action}") from error
        index += 2 + width
    return "".join(out)
