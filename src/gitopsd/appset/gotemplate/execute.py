"""Running a parsed Go template against parameter data.

Called by :func:`gitopsd.appset.gotemplate.render`. Semantics follow Go's text/template for
the supported subset, including the ``missingkey`` option; every failure is a ``SpecError``
naming the action it happened in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from gitopsd.appset.gotemplate.functions import (
    FUNCTIONS,
    LAZY_FUNCTIONS,
    TemplateFuncError,
    call_lazy,
)
from gitopsd.appset.gotemplate.parser import (
    Call,
    Chain,
    Control,
    Field,
    Literal,
    Node,
    Operand,
    Output,
    Pipeline,
    Range,
    Variable,
    With,
)
from gitopsd.appset.gotemplate.values import NO_VALUE, is_nil, output_string, truth
from gitopsd.errors import SpecError


class MissingKey(StrEnum):
    """``missingkey=`` option: what looking up an absent map key gives."""

    DEFAULT = "default"  # "no value", printed as <no value> (Go's default; also "invalid")
    ZERO = "zero"  # the zero value of interface{}, i.e. nil
    ERROR = "error"  # execution stops with an error


class _Error(Exception):
    """An execution failure, before the action it happened in is known."""


@dataclass
class State:
    root: Any
    missing_key: MissingKey
    variables: list[tuple[str, Any]] = field(default_factory=list)


def execute(nodes: tuple[Node, ...], state: State) -> str:
    out: list[str] = []
    state.variables.append(("$", state.root))
    _run(nodes, state.root, state, out)
    return "".join(out)


def _run(nodes: tuple[Node, ...], dot: Any, state: State, out: list[str]) -> None:
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, Output):
            _output(node, dot, state, out)
        else:
            _control(node, dot, state, out)


def _output(node: Output, dot: Any, state: State, out: list[str]) -> None:
    value = _guarded(node.action, lambda: _pipeline(node.pipeline, dot, state))
    if not node.pipeline.declare:
        out.append(output_string(value))


def _control(node: Control, dot: Any, state: State, out: list[str]) -> None:
    mark = len(state.variables)
    value = _guarded(node.action, lambda: _pipeline(node.pipeline, dot, state, declare=False))
    if isinstance(node, Range):
        _range(node, value, dot, state, out)
    elif truth(value):
        if node.pipeline.declare:
            state.variables.append((node.pipeline.declare[0], value))
        _run(node.body, value if isinstance(node, With) else dot, state, out)
    else:
        _run(node.otherwise, dot, state, out)
    del state.variables[mark:]


def _range(node: Range, value: Any, dot: Any, state: State, out: list[str]) -> None:
    items = _range_items(value, node.action)
    if not items:
        _run(node.otherwise, dot, state, out)
        return
    mark = len(state.variables)
    names = node.pipeline.declare
    for key, element in items:
        del state.variables[mark:]
        if len(names) == 1:
            state.variables.append((names[0], element))
        elif len(names) == 2:
            state.variables.extend([(names[0], key), (names[1], element)])
        _run(node.body, element, state, out)


def _range_items(value: Any, action: str) -> list[tuple[Any, Any]]:
    if is_nil(value):
        return []
    if isinstance(value, list):
        return list(enumerate(value))
    if isinstance(value, dict):
        return [(k, value[k]) for k in sorted(value)]
    if isinstance(value, int) and not isinstance(value, bool):
        return [(i, i) for i in range(value)]
    raise SpecError(f"{action}: range can't iterate over {output_string(value)}")


def _guarded(action: str, run: Callable[[], Any]) -> Any:
    try:
        return run()
    except (TemplateFuncError, _Error) as error:
        raise SpecError(f"executing {action}: {error}") from error


def _pipeline(pipeline: Pipeline, dot: Any, state: State, *, declare: bool = True) -> Any:
    value: Any = NO_VALUE
    for index, command in enumerate(pipeline.commands):
        value = _command(command, dot, state, piped=value if index else None, has_pipe=index > 0)
    if declare and pipeline.declare:
        _bind(pipeline, value, state)
    return value


def _bind(pipeline: Pipeline, value: Any, state: State) -> None:
    name = pipeline.declare[0]
    if not pipeline.assign:
        state.variables.append((name, value))
        return
    for index in range(len(state.variables) - 1, -1, -1):
        if state.variables[index][0] == name:
            state.variables[index] = (name, value)
            return
    raise _Error(f"undefined variable: {name}")


def _command(command: Operand, dot: Any, state: State, *, piped: Any, has_pipe: bool) -> Any:
    if not isinstance(command, Call):
        return _operand(command, dot, state)
    if command.name in LAZY_FUNCTIONS:
        thunks = [_thunk(arg, dot, state) for arg in command.args]
        if has_pipe:
            thunks.append(lambda: piped)
        return call_lazy(command.name, thunks)
    args = [_operand(arg, dot, state) for arg in command.args]
    if has_pipe:
        args.append(piped)
    return FUNCTIONS[command.name](*args)


def _thunk(arg: Operand, dot: Any, state: State) -> Callable[[], Any]:
    return lambda: _operand(arg, dot, state)


def _operand(operand: Operand, dot: Any, state: State) -> Any:
    if isinstance(operand, Literal):
        return operand.value
    if isinstance(operand, Field):
        return _fields(dot, operand.names, state)
    if isinstance(operand, Variable):
        return _fields(_variable(operand.name, state), operand.names, state)
    if isinstance(operand, Call):
        return _command(operand, dot, state, piped=None, has_pipe=False)
    if isinstance(operand, Chain):
        return _fields(_pipeline(operand.operand, dot, state), operand.names, state)
    return _pipeline(operand, dot, state)


def _variable(name: str, state: State) -> Any:
    for declared, value in reversed(state.variables):
        if declared == name:
            return value
    raise _Error(f"undefined variable: {name}")


def _fields(value: Any, names: tuple[str, ...], state: State) -> Any:
    for name in names:
        value = _field(value, name, state)
    return value


def _field(value: Any, name: str, state: State) -> Any:
    if value is NO_VALUE:
        if state.missing_key == MissingKey.ERROR:
            raise _Error(f'nil data; no entry for key "{name}"')
        return NO_VALUE
    if value is None:
        raise _Error(f"nil pointer evaluating interface {{}}.{name}")
    if not isinstance(value, dict):
        raise _Error(f"can't evaluate field {name} in type {type(value).__name__}")
    if name in value:
        return value[name]
    if state.missing_key == MissingKey.ERROR:
        raise _Error(f'map has no entry for key "{name}"')
    return None if state.missing_key == MissingKey.ZERO else NO_VALUE
