"""The Lua pattern matcher behind the guarded ``string`` functions gives C's results.

Random patterns and subjects over a small alphabet (so matches, captures, anchors, sets,
balances, frontiers, back-references and malformed patterns all occur) run through Lua
5.2's C functions and through the matcher in :mod:`gitopsd.health.lua.matcher`; results
and error messages must be the same. Then the guarded functions, which choose between the
two, are checked on inputs large enough to take the Lua path.
"""

from __future__ import annotations

import random
from typing import Any

import lupa.lua52
import pytest

from gitopsd.health.lua.matcher import MATCHER_LUA
from gitopsd.health.lua.patterns import PATTERNS_LUA

# Drives both matchers from Lua and describes each outcome as one string: the values, or
# the error message without its "chunk:line:" prefix (C errors carry the caller's line).
DRIVER = r"""
local lib = ...
local function describe(ok, ...)
  if not ok then
    local err = ...
    if type(err) == "table" then err = err[1] end
    return "error: " .. tostring(err):gsub("^[^:]*:%d+: ", "")
  end
  local parts = {}
  for i = 1, select("#", ...) do parts[#parts + 1] = tostring((select(i, ...))) end
  return "ok: " .. table.concat(parts, " | ")
end
local function iterate(fn, s, p)
  local found = {}
  for a, b, c in fn(s, p) do
    found[#found + 1] = tostring(a) .. "," .. tostring(b) .. "," .. tostring(c)
    if #found > 50 then break end
  end
  return table.concat(found, ";")
end
local function replace(t) return t == "a" and "<A>" or (t == "b" and false or nil) end
local cases = {
  find = function(f, s, p, init) return f(s, p, init) end,
  match = function(f, s, p, init) return f(s, p, init) end,
  gmatch = function(f, s, p) return iterate(f, s, p) end,
  gsub_string = function(f, s, p) return f(s, p, "[%0|%1]") end,
  gsub_function = function(f, s, p) return f(s, p, replace, 3) end,
  gsub_table = function(f, s, p) return f(s, p, {a = 1, b = true}) end,
}
local engines = {
  c = {find = string.find, match = string.match, gmatch = string.gmatch, gsub = string.gsub},
  lua = lib.engine,
  guarded = lib,
}
return function(engine, case, s, p, init)
  local verb = case:match("^(%a+)")
  return describe(pcall(cases[case], engines[engine][verb], s, p, init))
end
"""

PATTERN_ALPHABET = [
    "a",
    "b",
    ".",
    "%a",
    "%d",
    "%s",
    "%b()",
    "%f[%w]",
    "(",
    ")",
    "()",
    "[ab]",
    "[^a]",
    "[%d-]",
    "*",
    "+",
    "-",
    "?",
    "^",
    "$",
    "%1",
    "%2",
    "%",
    "[",
    "]",
]
SUBJECT_ALPHABET = "aab()1 -b"
CASES = ["find", "match", "gmatch", "gsub_string", "gsub_function", "gsub_table"]


@pytest.fixture(scope="module")
def compare() -> Any:
    runtime = lupa.lua52.LuaRuntime(unpack_returned_tuples=True)
    c_string = runtime.globals().string
    matcher = runtime.compile(MATCHER_LUA)(c_string)
    lib = runtime.compile(PATTERNS_LUA)(c_string, lambda units: None, lambda: None, matcher)
    return runtime.execute(DRIVER, lib)


def random_pattern(rng: random.Random) -> str:
    return "".join(rng.choice(PATTERN_ALPHABET) for _ in range(rng.randint(1, 6)))


def random_subject(rng: random.Random) -> str:
    return "".join(rng.choice(SUBJECT_ALPHABET) for _ in range(rng.randint(0, 12)))


@pytest.mark.parametrize("case", CASES)
def test_lua_matcher_agrees_with_c_on_random_patterns(compare: Any, case: str) -> None:
    rng = random.Random(f"patterns-{case}")
    disagreements = []
    for _ in range(1500):
        subject, pattern = random_subject(rng), random_pattern(rng)
        init = rng.choice([1, 1, 2, -3, 20])
        expected = compare("c", case, subject, pattern, init)
        actual = compare("lua", case, subject, pattern, init)
        if actual != expected:
            disagreements.append((subject, pattern, init, expected, actual))
    assert disagreements == []


@pytest.mark.parametrize(
    ("case", "subject", "pattern"),
    [
        ("find", "  key = value  ", "^%s*(%w+)%s*=%s*(.-)%s*$"),
        ("match", "THE (quick) fox", "%f[%a]%a+"),
        ("match", "f(a(b)c)d", "%b()"),
        ("gsub_string", "hello world from lua", "(%w+)"),
        ("gmatch", "k1=v1, k2=v2", "(%w+)=(%w+)"),
        ("find", "abcabc", "(a)(b)c%1%2"),
        ("match", "x" * 250, "x?" * 250),
        ("find", "a" * 40, "(a)" * 33),
        ("gsub_string", "abc", ""),
    ],
)
def test_known_cases_agree(compare: Any, case: str, subject: str, pattern: str) -> None:
    assert compare("lua", case, subject, pattern, 1) == compare("c", case, subject, pattern, 1)


@pytest.mark.parametrize(
    ("case", "subject", "pattern"),
    [
        # Bounds too large for C: these take the Lua path and must still agree.
        ("find", "word " * 3000 + "timeout", "w.-d%s+timeout"),
        ("match", "x=" + "1" * 5000 + ";", "(%w+)=(%d+);$"),
        ("gsub_string", "a  b   c " * 1000, "%s+"),
        ("gmatch", "k=v;" * 2000, "(%w)=(%w)"),
        ("find", "a" * 5000 + "b", "a" * 700 + "b"),
    ],
)
def test_guarded_functions_agree_with_c_on_large_inputs(
    compare: Any, case: str, subject: str, pattern: str
) -> None:
    assert compare("guarded", case, subject, pattern, 1) == compare("c", case, subject, pattern, 1)


def test_bad_arguments_keep_c_messages(compare: Any) -> None:
    assert compare("guarded", "find", None, "a", 1) == (
        "error: bad argument #1 to 'find' (string expected, got nil)"
    )
    assert compare("guarded", "find", 12345, "3", 1) == "ok: 3 | 3"
