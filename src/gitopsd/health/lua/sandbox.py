"""Running Argo CD-style ``health.lua`` scripts in a sandbox: one Lua runtime per instance.

Called by :class:`gitopsd.health.assess.HealthAssessor` for kinds covered by a
customization. The runtime is lupa's Lua 5.2 (:mod:`~gitopsd.health.lua.runtime` says
why); what scripts can reach, and the limits that stop them, are built by the Lua chunk in
:mod:`~gitopsd.health.lua.bootstrap`. A script sees ``obj`` (the object as Lua tables:
mappings become tables, lists 1-based arrays, null nil) and a fresh global table on every
run, so one script cannot leave state for the next.

Limits: a wall-clock budget (the sandbox's ``pcall``/``xpcall`` cannot swallow it, and
pattern matching cannot run past it), and a memory cap on the whole runtime.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gitopsd.errors import HealthScriptError
from gitopsd.health.lua.bootstrap import BOOTSTRAP_LUA, HOOK_INTERVAL
from gitopsd.health.lua.matcher import MATCHER_LUA
from gitopsd.health.lua.patterns import PATTERNS_LUA
from gitopsd.health.lua.runtime import new_runtime, runtime_module

_BYTECODE_SIGNATURE = "\x1b"


@dataclass(frozen=True)
class LuaLimits:
    """Resource limits for one script run."""

    timeout_seconds: float = 1.0  # wall-clock budget per run
    max_memory_bytes: int = 64 * 1024 * 1024  # the whole runtime, compiled scripts included


@dataclass(frozen=True)
class ScriptReturn:
    """What a script returned: a table's ``status``/``message`` (strings or absent)."""

    status: str | None
    message: str


class LuaSandbox:
    """One Lua runtime, its compiled-script cache and the per-run sandbox.

    Thread-safe: runs are serialised, since a Lua state is single-threaded.
    """

    def __init__(
        self,
        limits: LuaLimits | None = None,
        *,
        clock: Callable[[], float] = time.thread_time,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        # Both clocks are injectable so tests can drive them: ``clock`` measures the time
        # budget, ``wall_clock`` is what ``os.time()`` and ``os.date()`` call "now". The
        # budget is the running thread's CPU time: a script is charged for the work it does,
        # not for the time a loaded machine spends on other processes.
        self._limits = limits or LuaLimits()
        self._lock = threading.Lock()
        self._lupa = runtime_module()
        self._runtime = new_runtime(self._lupa, self._limits.max_memory_bytes)
        matcher = self._runtime.compile(MATCHER_LUA)(self._runtime.globals().string)
        make_patterns = self._runtime.compile(PATTERNS_LUA)
        bootstrap = self._runtime.execute(
            BOOTSTRAP_LUA, clock, wall_clock, HOOK_INTERVAL, make_patterns, matcher
        )
        self._compile, self._run, self._reset = bootstrap
        # The C function itself: calling it from Python runs no Lua instruction, so no
        # hook can interrupt turning the hook off.
        self._hook_off = self._runtime.globals().debug.sethook
        self._compiled: dict[str, Any] = {}

    def run(self, name: str, source: str, obj: dict[str, Any]) -> ScriptReturn | None:
        """Run ``source`` against ``obj``; None when the script returns nil.

        Raises :class:`HealthScriptError` on a syntax error, a runtime error, a spent time
        or memory budget, or a return value that is neither a table nor nil.
        """
        with self._lock:
            function = self._compiled_function(name, source)
            try:
                outcome = self._run(function, self._to_lua(name, obj), self._limits.timeout_seconds)
            except self._lupa.LuaError as error:
                raise self._recover(name, error) from error
        return self._interpret(name, outcome)

    def _recover(self, name: str, error: Exception) -> HealthScriptError:
        """Make the runtime usable again after an error escaped a run; what to report."""
        self._hook_off()
        if self._reset():
            return self._timeout(name)
        # An allocation that failed outside the script (its environment, its result).
        first_line = next(iter(str(error).splitlines()), "")
        return HealthScriptError(f"{name}: {first_line or 'not enough memory'}")

    def _timeout(self, name: str) -> HealthScriptError:
        return HealthScriptError(
            f"{name}: execution time limit of {self._limits.timeout_seconds:g}s exceeded"
        )

    def _compiled_function(self, name: str, source: str) -> Any:
        cached = self._compiled.get(source)
        if cached is None:
            cached = self._compile_source(name, source)
            self._compiled[source] = cached
        if isinstance(cached, str):
            raise HealthScriptError(cached)
        return cached

    def _compile_source(self, name: str, source: str) -> Any:
        """The compiled chunk, or the error message (cached too, to fail fast next time)."""
        if source.startswith(_BYTECODE_SIGNATURE):
            return f"{name}: precompiled Lua bytecode is not accepted"
        function, error = self._compile(source, "health.lua")
        if function is False:
            return f"{name}: syntax error: {error}"
        return function

    def _to_lua(self, name: str, obj: dict[str, Any]) -> Any:
        try:
            return self._runtime.table_from(obj, recursive=True)
        except (self._lupa.LuaError, OverflowError, TypeError, ValueError) as error:
            reason = str(error) or "not enough memory"
            raise HealthScriptError(f"{name}: cannot pass the object to Lua: {reason}") from error

    def _interpret(self, name: str, outcome: Any) -> ScriptReturn | None:
        values = outcome if isinstance(outcome, tuple) else (outcome,)
        kind, status, message = (*values, None, None, None)[:3]
        if kind == "nil":
            return None
        if kind == "ok":
            return ScriptReturn(status=status, message=message or "")
        if kind == "timeout":
            raise self._timeout(name)
        if kind == "type":
            raise HealthScriptError(
                f"{name}: expected a table or nil to be returned, got {message}"
            )
        raise HealthScriptError(f"{name}: {message}")
