"""A sandboxed Lua runtime for Argo CD-style ``health.lua`` scripts.

Called by :class:`gitopsd.health.assess.HealthAssessor` for kinds covered by a
customization. Scripts written for Argo CD target Lua 5.1, so the ``lupa.lua51`` runtime
is used (LuaJIT 2.1, also 5.1-compatible, or lupa's default runtime when it is missing).

The sandbox a script sees holds ``obj`` (the object as Lua tables: mappings become tables,
lists 1-based arrays, null nil), the safe base functions and copies of ``string``,
``table`` and ``math``. There is no ``io``, ``os``, ``require``, ``load``/``loadstring``,
``dofile``, ``loadfile``, ``package``, ``debug``, ``collectgarbage``, ``getfenv``/
``setfenv``, ``coroutine`` nor lupa's ``python`` bridge. Each run gets a fresh global
table, so one script cannot leave state for the next.

Limits: a wall-clock budget enforced by an instruction-count hook installed before the
script runs (the sandbox's ``pcall``/``xpcall`` re-raise once the budget is spent, so a
script cannot swallow its own timeout), and a memory cap on the whole runtime. A single
long-running C call (a pathological ``string.find`` pattern) is not interrupted until it
returns; the memory cap bounds ``string.rep`` and friends.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from gitopsd.errors import HealthScriptError

# Run by the privileged runtime once; returns the two functions Python calls. The script
# never sees this chunk's locals (the hook, the clock, debug.sethook, the real loader).
_BOOTSTRAP = r"""
local clock, hook_interval = ...
local sethook, setupvalue, setfenv = debug.sethook, debug.setupvalue, setfenv
local real_pcall, real_xpcall, real_getmetatable = pcall, xpcall, getmetatable
local error, select, type, tostring, rawget, pairs = error, select, type, tostring, rawget, pairs
local collectgarbage = collectgarbage
local unpack = unpack or table.unpack
local loader = loadstring or load
local TIMEOUT = "execution time limit exceeded"
local deadline, active, expired = 0, false, false

local function on_count()
  if active and (expired or clock() > deadline) then
    expired = true
    error(TIMEOUT, 0)
  end
end

local function pack(...) return { n = select("#", ...), ... } end

local function rethrow_timeout(results)
  if expired then error(TIMEOUT, 0) end
  return unpack(results, 1, results.n)
end

local function sandbox_pcall(...) return rethrow_timeout(pack(real_pcall(...))) end
local function sandbox_xpcall(...) return rethrow_timeout(pack(real_xpcall(...))) end

-- The string metatable leads to the shared string library; keep it out of reach.
local function sandbox_getmetatable(value)
  if type(value) == "string" then return nil end
  return real_getmetatable(value)
end

local function copy(library, skip)
  local result = {}
  for key, value in pairs(library) do
    if key ~= skip then result[key] = value end
  end
  return result
end

local function new_env(obj)
  local env = {
    obj = obj, _VERSION = _VERSION,
    assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs,
    pcall = sandbox_pcall, xpcall = sandbox_xpcall, select = select, tonumber = tonumber,
    tostring = tostring, type = type, unpack = unpack, rawequal = rawequal, rawget = rawget,
    rawset = rawset, setmetatable = setmetatable, getmetatable = sandbox_getmetatable,
    string = copy(string, "dump"), table = copy(table), math = copy(math),
  }
  env._G = env
  return env
end

local function bind(fn, env)
  if setfenv then setfenv(fn, env) else setupvalue(fn, 1, env) end
end

local function describe(err)
  if type(err) == "string" or type(err) == "number" then return tostring(err) end
  local meta = real_getmetatable(err)
  if type(meta) == "table" and rawget(meta, "__tostring") ~= nil then
    local ok, text = real_pcall(tostring, err)
    if ok and type(text) == "string" then return text end
  end
  -- Not tostring(): "table: 0x..." would make the message differ from run to run.
  return "(error object is a " .. type(err) .. " value)"
end

local function scalar(result, key)
  local value = rawget(result, key)
  if type(value) == "string" or type(value) == "number" then return tostring(value) end
  return nil
end

local function classify(ok, result)
  if not ok then return "error", nil, describe(result) end
  if result == nil then return "nil" end
  if type(result) ~= "table" then return "type", nil, type(result) end
  return "ok", scalar(result, "status"), scalar(result, "message")
end

local function compile(source, chunkname)
  local fn, err = loader(source, "=" .. chunkname)
  if fn then return fn, "" end
  return false, err
end

local function run(fn, obj, timeout)
  bind(fn, new_env(obj))
  expired, active = false, true
  deadline = clock() + timeout
  sethook(on_count, "", hook_interval)
  local ok, result = real_pcall(fn)
  local classified, kind, status, message = real_pcall(classify, ok, result)
  active = false
  sethook()
  if expired or not classified then kind = "timeout" end
  if kind ~= "ok" and kind ~= "nil" then
    -- Lua 5.1 has no emergency collection: free what a failed run left behind now, so a
    -- script that hit the memory cap does not starve the next one.
    collectgarbage("collect")
  end
  return kind, status, message
end

local function reset()
  active = false
  sethook()
  collectgarbage("collect")
end

return compile, run, reset
"""

# How many VM instructions run between two looks at the clock: small enough to stop a
# runaway script within a millisecond or so, large enough to keep the check cheap.
_HOOK_INTERVAL = 1000
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
        self, limits: LuaLimits | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        # The clock is injectable so the budget is testable; it is only read to enforce it.
        self._limits = limits or LuaLimits()
        self._lock = threading.Lock()
        self._lupa, self._runtime = _new_runtime(self._limits.max_memory_bytes)
        bootstrap = self._runtime.execute(_BOOTSTRAP, clock, _HOOK_INTERVAL)
        self._compile, self._run, self._reset = bootstrap
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
                self._reset()
                raise HealthScriptError(f"{name}: {error or 'not enough memory'}") from error
        return self._interpret(name, outcome)

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
            raise HealthScriptError(
                f"{name}: execution time limit of {self._limits.timeout_seconds:g}s exceeded"
            )
        if kind == "type":
            raise HealthScriptError(
                f"{name}: expected a table or nil to be returned, got {message}"
            )
        raise HealthScriptError(f"{name}: {message}")


def _runtime_module() -> ModuleType:
    """lupa's Lua 5.1 runtime, else LuaJIT 2.1, else whatever lupa defaults to."""
    for name in ("lupa.lua51", "lupa.luajit21"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return importlib.import_module("lupa")


def _new_runtime(max_memory_bytes: int) -> tuple[ModuleType, Any]:
    module = _runtime_module()
    options: dict[str, Any] = {
        "register_eval": False,
        "register_builtins": False,
        "unpack_returned_tuples": True,
        "attribute_filter": _deny_attribute,
        # Lua 5.1 numbers are doubles; a huge integer arrives as the nearest one.
        "overflow_handler": float,
    }
    try:
        return module, module.LuaRuntime(max_memory=max_memory_bytes, **options)
    except module.LuaError:
        # 64-bit LuaJIT cannot cap memory; a time budget still applies.
        return module, module.LuaRuntime(**options)


def _deny_attribute(obj: object, name: object, is_setting: bool) -> object:
    raise AttributeError("Python objects are not accessible from health scripts")
