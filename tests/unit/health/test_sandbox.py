"""The Lua sandbox: what scripts cannot reach, and the limits that stop runaway scripts.

A failing script must turn into ``Unknown`` with a message, never into an exception.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from gitopsd.errors import HealthScriptError
from gitopsd.health import Health, HealthAssessor
from gitopsd.health.lua import LuaLimits, LuaSandbox, ScriptReturn
from gitopsd.model.vocab import HealthStatus

WIDGET: dict[str, Any] = {
    "apiVersion": "example.com/v1",
    "kind": "Widget",
    "metadata": {"name": "blue", "namespace": "web", "labels": {"tier": "front"}},
    "spec": {"sizes": [1, 2, 3], "empty": [], "nothing": None, "on": True, "ratio": 0.5},
    "status": {"conditions": [{"type": "Ready", "status": "True"}]},
}
KEY = "example.com/Widget"


def assess(script: str, *, timeout: float = 1.0, obj: dict[str, Any] | None = None) -> Health:
    health = HealthAssessor({KEY: script}, lua_timeout_seconds=timeout).assess(obj or WIDGET)
    assert health is not None
    return health


@pytest.mark.parametrize(
    ("script", "missing"),
    [
        ("io.open('/etc/passwd')", "attempt to index global 'io' (a nil value)"),
        ("io.popen('id')", "attempt to index global 'io' (a nil value)"),
        ("os.execute('id')", "attempt to call field 'execute' (a nil value)"),
        ("os.getenv('HOME')", "attempt to call field 'getenv' (a nil value)"),
        ("os.exit(1)", "attempt to call field 'exit' (a nil value)"),
        ("os.remove('/tmp/x')", "attempt to call field 'remove' (a nil value)"),
        ("require('os').execute('id')", "attempt to call field 'execute' (a nil value)"),
        (
            "require('io')",
            "module 'io' not found: health scripts can require os, string, table and math",
        ),
        ("load('return 1')", "attempt to call global 'load' (a nil value)"),
        ("loadstring('return 1')", "attempt to call global 'loadstring' (a nil value)"),
        ("dofile('/etc/passwd')", "attempt to call global 'dofile' (a nil value)"),
        ("loadfile('/etc/passwd')", "attempt to call global 'loadfile' (a nil value)"),
        ("package.loaded.os.exit()", "attempt to index global 'package' (a nil value)"),
        ("debug.getinfo(1)", "attempt to index global 'debug' (a nil value)"),
        ("collectgarbage('stop')", "attempt to call global 'collectgarbage' (a nil value)"),
        ("setfenv(1, {})", "attempt to call global 'setfenv' (a nil value)"),
        ("getfenv(0)", "attempt to call global 'getfenv' (a nil value)"),
        ("coroutine.create(print)", "attempt to index global 'coroutine' (a nil value)"),
        ("python.eval('1')", "attempt to index global 'python' (a nil value)"),
        ("string.dump(print)", "attempt to call field 'dump' (a nil value)"),
        ("getmetatable('').__index.rep = nil", "attempt to index a nil value"),
    ],
)
def test_sandbox_hides_dangerous_globals(script: str, missing: str) -> None:
    health = assess(script)
    assert health.status == HealthStatus.UNKNOWN
    assert health.message == f"health.lua for {KEY}: health.lua:1: {missing}"


def test_the_object_reaches_lua_faithfully() -> None:
    script = """
    local sizes = 0
    for i, size in ipairs(obj.spec.sizes) do sizes = sizes + size * i end
    local parts = {
      tostring(sizes), tostring(#obj.spec.sizes), tostring(#obj.spec.empty),
      tostring(obj.spec.nothing == nil), tostring(obj.spec.on), tostring(obj.spec.ratio),
      obj.metadata.labels.tier, type(obj.status.conditions[1]), tostring(obj.missing),
    }
    return {status = "Healthy", message = table.concat(parts, " ")}
    """
    assert assess(script) == Health(HealthStatus.HEALTHY, "14 3 0 true true 0.5 front table nil")


def test_safe_libraries_are_available() -> None:
    script = """
    local name = string.upper(obj.metadata.name) .. ("-"):rep(2) .. string.format("%03d", 7)
    local ok = pcall(error, "caught")
    local list = {3, 1, 2}
    table.sort(list)
    return {
      status = "Healthy",
      message = name .. " " .. tostring(ok) .. " " .. table.concat(list, ",") .. " "
        .. tostring(math.max(1, 5)) .. " " .. tostring(string.find("Ready=True", "=", 1, true)),
    }
    """
    assert assess(script) == Health(HealthStatus.HEALTHY, "BLUE--007 false 1,2,3 5 6")


def test_globals_do_not_leak_between_runs() -> None:
    assessor = HealthAssessor(
        {
            KEY: "counter = (counter or 0) + 1 return {status = 'Healthy', "
            "message = tostring(counter)}"
        }
    )
    messages = [health.message for health in (assessor.assess(WIDGET) for _ in range(3)) if health]
    assert messages == ["1", "1", "1"]


def test_infinite_loop_times_out_within_the_limit() -> None:
    # The budget is CPU time of the running thread (not wall time, which a loaded machine
    # stretches), so the checks measure the same clock.
    started = time.thread_time()
    health = assess("while true do end", timeout=0.2)
    elapsed = time.thread_time() - started
    assert health == Health(
        HealthStatus.UNKNOWN, f"health.lua for {KEY}: execution time limit of 0.2s exceeded"
    )
    assert 0.2 <= elapsed < 0.6


def test_a_script_cannot_swallow_its_own_timeout() -> None:
    script = "while true do pcall(function() while true do end end) end"
    started = time.thread_time()
    health = assess(script, timeout=0.2)
    assert health.status == HealthStatus.UNKNOWN
    assert "execution time limit of 0.2s exceeded" in health.message
    assert time.thread_time() - started < 0.6


def test_a_runaway_tostring_on_an_error_object_times_out() -> None:
    script = "error(setmetatable({}, {__tostring = function() while true do end end}))"
    health = assess(script, timeout=0.2)
    assert health.message == f"health.lua for {KEY}: execution time limit of 0.2s exceeded"


RUNAWAY_SCRIPTS = {
    "huge-table": "local t = {} for i = 1, 1e9 do t[i] = {i} end",
    "doubling-string": "local s = 'x' for i = 1, 64 do s = s .. s end",
    "rep-bomb-in-pcall-loop": "for i = 1, 1e6 do pcall(string.rep, 'x', 2^28) end",
    "rep-method-bomb": "local s = ('x'):rep(2^27):rep(2^4)",
    "big-copies-in-a-loop": "local s = ('x'):rep(8 * 2^20) while true do local u = s:upper() end",
    "slow-find": "string.find(('a'):rep(1e5), '.-.-.-.-x')",
    "slow-match-method": "local s = ('a'):rep(1e5) return {status = s:match('(.-)(.-)(.-)b')}",
    "slow-gsub": "string.gsub(('a'):rep(1e5), '.-.-.-x', 'y')",
    "slow-gmatch": "for w in string.gmatch(('a'):rep(1e5), '.-.-.-x') do end",
    "slow-pattern-in-pcall-loop": "while true do pcall(string.find, ('a'):rep(1e5), 'a-a-a-x') end",
    "slow-plain-find": "string.find(('a'):rep(2^23), ('a'):rep(2^12) .. 'b', 1, true)",
    "sort-loop": "local t = {} for i = 1, 2e5 do t[i] = -i end while true do table.sort(t) end",
    "concat-loop": "local t = {} for i = 1, 1e5 do t[i] = 'abc' end "
    "while true do local s = table.concat(t, ',') end",
}


@pytest.mark.parametrize("script", RUNAWAY_SCRIPTS.values(), ids=RUNAWAY_SCRIPTS.keys())
def test_runaway_scripts_stop_near_their_budget(script: str) -> None:
    started = time.thread_time()
    health = assess(script, timeout=0.3)
    elapsed = time.thread_time() - started
    assert health.status == HealthStatus.UNKNOWN
    assert health.message in (
        f"health.lua for {KEY}: execution time limit of 0.3s exceeded",
        f"health.lua for {KEY}: not enough memory",
    )
    assert elapsed < 0.3 + 0.5


class JumpingClock:
    """Reads 0.0 for the first ``looks`` looks, then 1000.0 until ``settle`` is called."""

    def __init__(self, looks: int) -> None:
        self.looks_left = looks
        self.settled = False

    def __call__(self) -> float:
        self.looks_left -= 1
        return 0.0 if self.settled or self.looks_left >= 0 else 1000.0

    def settle(self) -> None:
        self.settled = True


def test_the_budget_can_run_out_at_any_instruction_without_leaking_internals() -> None:
    # The budget runs out at every point of a short run in turn, including while the run
    # is being wound down, where an error would escape the script's protected call.
    for looks in (1, 2):
        for loop in range(60):
            clock = JumpingClock(looks)
            sandbox = LuaSandbox(LuaLimits(timeout_seconds=1.0), clock=clock)
            script = f"local n = 0 for i = 1, {loop} do n = n + i end return {{status = 'Ok'}}"
            try:
                result = sandbox.run("budget", script, WIDGET)
            except HealthScriptError as error:
                assert str(error) == "budget: execution time limit of 1s exceeded"
            else:
                assert result == ScriptReturn("Ok", "")
            clock.settle()
            assert sandbox.run("after", "return {status = 'Ok'}", WIDGET) == ScriptReturn("Ok", "")


def test_finalizers_are_refused() -> None:
    script = "setmetatable({}, {__gc = function() while true do end end})"
    assert assess(script) == Health(
        HealthStatus.UNKNOWN,
        f"health.lua for {KEY}: health.lua:1: setmetatable: __gc metamethods are not "
        "available to health scripts",
    )


def test_memory_cap_stops_a_hungry_script_and_the_runtime_recovers() -> None:
    assessor = HealthAssessor(
        {
            KEY: "local s = string.rep('x', 256 * 1024 * 1024) return {status = 'Healthy'}",
            "example.com/Gadget": "return {status = 'Healthy', message = 'still works'}",
        },
        lua_max_memory_bytes=32 * 1024 * 1024,
    )
    assert assessor.assess(WIDGET) == Health(
        HealthStatus.UNKNOWN, f"health.lua for {KEY}: not enough memory"
    )
    gadget = {**WIDGET, "kind": "Gadget"}
    assert assessor.assess(gadget) == Health(HealthStatus.HEALTHY, "still works")


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("return 42", "expected a table or nil to be returned, got number"),
        ("error({code = 1})", "(error object is a table value)"),
        ("error('plain failure', 0)", "plain failure"),
        ("return {}", "returned nothing as status, which is not a health status"),
        ("return {status = {}}", "returned nothing as status, which is not a health status"),
        ("\x1bLua", "precompiled Lua bytecode is not accepted"),
    ],
)
def test_bad_scripts_are_unknown(script: str, message: str) -> None:
    assert assess(script) == Health(HealthStatus.UNKNOWN, f"health.lua for {KEY}: {message}")


def test_returned_metatables_are_not_consulted() -> None:
    # Reading status through __index would run script code after the time limit is lifted.
    script = "return setmetatable({}, {__index = function() while true do end end})"
    health = assess(script, timeout=0.2)
    assert health.status == HealthStatus.UNKNOWN


def test_numbers_are_accepted_as_messages() -> None:
    assert assess("return {status = 'Suspended', message = 3}") == Health(
        HealthStatus.SUSPENDED, "3"
    )


def test_concurrent_assessments_share_one_runtime_safely() -> None:
    assessor = HealthAssessor(
        {
            KEY: "local n = 0 for i = 1, 20000 do n = n + 1 end "
            "return {status = 'Healthy', message = obj.metadata.name .. tostring(n)}"
        }
    )
    results: dict[int, Health | None] = {}

    def work(index: int) -> None:
        obj = {**WIDGET, "metadata": {"name": f"w{index}"}}
        results[index] = assessor.assess(obj)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == {index: Health(HealthStatus.HEALTHY, f"w{index}20000") for index in range(8)}


def test_integers_beyond_lua_precision_arrive_as_numbers() -> None:
    obj = {**WIDGET, "spec": {"huge": 2**70}}
    health = assess("return {status = 'Healthy', message = type(obj.spec.huge)}", obj=obj)
    assert health == Health(HealthStatus.HEALTHY, "number")
