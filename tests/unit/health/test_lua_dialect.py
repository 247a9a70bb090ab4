"""Argo CD's Lua dialect: scripts written for Argo CD run unmodified.

``goto`` and labels, Lua 5.1 library names (``unpack``, ``table.getn``, ``math.log10``, ...),
the safe ``os.time``/``os.date`` and ``require`` of them, ``print``, and the string and
table functions published scripts use. ``os.time()`` reads the sandbox's wall clock, which
these tests fix.
"""

from __future__ import annotations

from typing import Any

import pytest

from gitopsd.health.lua import LuaSandbox, ScriptReturn

# 2024-05-02T03:04:05Z
NOW = 1714619045.75
OBJ: dict[str, Any] = {
    "apiVersion": "example.com/v1",
    "kind": "Widget",
    "metadata": {"name": "blue", "namespace": "web"},
    "status": {
        "conditions": [
            {"type": "Synced", "status": "True", "reason": "ReconcileSuccess"},
            {"type": "Ready", "status": "False", "reason": "Creating", "message": "on its way"},
            {"type": "Available", "status": "True"},
        ],
        "lastTransitionTime": "2024-05-02T02:04:05Z",
    },
}


@pytest.fixture(scope="module")
def sandbox() -> LuaSandbox:
    return LuaSandbox(wall_clock=lambda: NOW)


def message_of(sandbox: LuaSandbox, body: str) -> str:
    """Run ``body``, which must leave its answer in the local ``out``."""
    result = sandbox.run(
        "dialect", f"local out\n{body}\nreturn {{status = 'Healthy', message = tostring(out)}}", OBJ
    )
    assert isinstance(result, ScriptReturn)
    return result.message


def test_goto_continue_skips_to_the_label(sandbox: LuaSandbox) -> None:
    body = """
    local types = {}
    for _, condition in ipairs(obj.status.conditions) do
      if condition.status ~= "True" then
        goto continue
      end
      table.insert(types, condition.type)
      ::continue::
    end
    out = table.concat(types, ",")
    """
    assert message_of(sandbox, body) == "Synced,Available"


def test_goto_in_nested_loops_and_forward_jumps(sandbox: LuaSandbox) -> None:
    body = """
    local found = "none"
    for i = 1, 3 do
      for j = 1, 3 do
        if i * j == 4 then found = i .. "x" .. j; goto done end
      end
    end
    ::done::
    out = found
    """
    assert message_of(sandbox, body) == "2x2"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("out = os.time()", "1714619045"),
        ("out = os.date('!%Y-%m-%dT%H:%M:%SZ')", "2024-05-02T03:04:05Z"),
        ("out = os.date('!%Y-%m-%d', 0)", "1970-01-01"),
        ("out = os.date('!*t').hour", "3"),
        ("out = require('os').time() - os.time()", "0"),
        ("local os = require('os') out = os.difftime(os.time(), 1714619000)", "45"),
        ("out = type(os.clock())", "number"),
        # A timestamp from the object, the way certificate and rollout scripts compare them.
        (
            "local y, mo, d, h, mi, s = obj.status.lastTransitionTime:match("
            "'(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)Z') "
            "local t = os.time({year = y, month = mo, day = d, hour = h, min = mi, sec = s}) "
            "out = type(t) .. ' ' .. tostring(t > 0)",
            "number true",
        ),
    ],
)
def test_safe_os_time_and_date(sandbox: LuaSandbox, body: str, expected: str) -> None:
    assert message_of(sandbox, body) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("out = table.getn(obj.status.conditions)", "3"),
        ("out = #obj.status.conditions", "3"),
        ("out = table.maxn({[1] = 1, [7] = 2, x = 3})", "7"),
        ("out = select('#', unpack({1, 2, 3}))", "3"),
        ("out = select(2, table.unpack({'a', 'b'}))", "b"),
        ("out = math.log10(1000) .. ' ' .. math.pow(2, 10) .. ' ' .. math.mod(7, 3)", "3 1024 1"),
        ("out = math.floor(4 / 2) .. ' ' .. 4 / 2 .. ' ' .. 7 / 2", "2 2 3.5"),
        ("out = string.format('%d%% of %s', 2.5, 'pods')", "2% of pods"),
        ("out = string.format('%5.1f|%-3s|%q', 3.14159, 'a', 'x\"y')", '  3.1|a  |"x\\"y"'),
        (
            "out = ('Ready'):lower() .. ('x'):rep(3, '-') .. ('abc'):upper():reverse()",
            "readyx-x-xCBA",
        ),
        (
            "out = string.sub('Progressing', 1, 4) .. string.len('abc') .. string.byte('A')",
            "Prog365",
        ),
        ("out = string.char(72, 105)", "Hi"),
        ("out = select(2, string.gsub('a-b-c', '-', '+'))", "2"),
        ("out = string.gsub('hello world', '(%w+)', '<%1>')", "<hello> <world>"),
        (
            "out = string.gsub('x=1, y=2', '(%w+)=(%w+)', function(k, v) return v .. '=' .. k end)",
            "1=x, 2=y",
        ),
        (
            "local parts = {} for k, v in string.gmatch('a=1,b=2', '(%w+)=(%w+)') do "
            "parts[#parts + 1] = k .. v end out = table.concat(parts, ';')",
            "a1;b2",
        ),
        ("out = string.find('Ready=True', '=', 1, true)", "6"),
        ("out = string.match('0/3 nodes are available', '^(%d+)/(%d+)')", "0"),
        (
            "local t = {'c', 'a', 'b'} table.sort(t, function(x, y) return x > y end) "
            "table.remove(t, 1) table.insert(t, 1, 'z') out = table.concat(t, '')",
            "zba",
        ),
        (
            "local t = {} for i = 1, 30000 do t[i] = (i * 7919) % 30011 end table.sort(t) "
            "local ok = true for i = 2, #t do ok = ok and t[i - 1] <= t[i] end "
            "local u = {'b', 'c', 'a'} table.sort(u) out = tostring(ok) .. #t .. table.concat(u)",
            "true30000abc",
        ),
        ("out = tostring(tonumber('0x10')) .. tostring(tonumber('  5  '))", "165"),
        ("print('debugging', obj.metadata.name) out = 'printed'", "printed"),
        ("out = _G.obj.metadata.name .. type(_G.string.find)", "bluefunction"),
        ("out = select('#', pcall(error))", "2"),
        ("local ok, err = pcall(error, {code = 7}) out = err.code", "7"),
        ("out = xpcall(function() error('x') end, function(m) return 'handled' end)", "false"),
        (
            "local m = require('string') out = m.upper('ok') .. require('table').concat({1, 2})",
            "OK12",
        ),
        ("out = rawlen({1, 2}) .. tostring(rawequal(obj, obj))", "2true"),
    ],
)
def test_libraries_argo_cd_exposes(sandbox: LuaSandbox, body: str, expected: str) -> None:
    assert message_of(sandbox, body) == expected


def test_a_published_style_script_runs_unmodified(sandbox: LuaSandbox) -> None:
    # The shape of many community scripts: a helper, a goto-continue loop, table.getn.
    script = """
    local function isTrue(c) return c.status == "True" end
    hs = {}
    local status = obj.status
    if status == nil or status.conditions == nil or table.getn(status.conditions) == 0 then
      hs.status = "Progressing"
      hs.message = "Waiting for conditions"
      return hs
    end
    for i, condition in ipairs(obj.status.conditions) do
      if condition.type ~= "Ready" then
        goto continue
      end
      if isTrue(condition) then
        hs.status = "Healthy"
      elseif condition.reason == "Creating" then
        hs.status = "Progressing"
      else
        hs.status = "Degraded"
      end
      hs.message = condition.message or ""
      do return hs end
      ::continue::
    end
    hs.status = "Unknown"
    return hs
    """
    assert sandbox.run("published", script, OBJ) == ScriptReturn("Progressing", "on its way")


def test_library_changes_do_not_reach_the_next_run(sandbox: LuaSandbox) -> None:
    tamper = "string.upper = nil; table.concat = nil; os.time = nil; return nil"
    assert sandbox.run("tamper", tamper, OBJ) is None
    assert message_of(sandbox, "out = string.upper('a') .. table.concat({os.time()})") == (
        "A1714619045"
    )
