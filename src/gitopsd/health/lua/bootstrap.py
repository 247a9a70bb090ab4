"""The privileged Lua chunk that builds the health-script sandbox.

Run once per :class:`~gitopsd.health.lua.sandbox.LuaSandbox` with the runtime's full
standard library in reach; it returns the three functions Python calls (``compile``,
``run``, ``reset``). Scripts never see this chunk's locals: the hook, the clocks,
``debug``, the loader and the unguarded C string functions.

What a script gets is Argo CD's dialect: Lua 5.1 names on a Lua 5.2 runtime (``unpack``,
``table.getn``, ``table.maxn``, ``math.log10``, ``math.mod`` are provided), ``goto`` and
labels, ``string``/``table``/``math``, a safe ``os`` (``time``, ``date``, ``clock``,
``difftime``), ``require`` of those four libraries, and ``print`` (its output is
discarded). Not there: ``io``, the rest of ``os``, ``load``/``loadstring``/``dofile``/
``loadfile``, ``package``, ``debug``, ``collectgarbage``, ``coroutine``, ``string.dump``.

Limits: a wall-clock budget checked every ``HOOK_INTERVAL`` VM instructions and by C
functions whose cost grows with their input (``charge``); the sandbox's ``pcall`` and
``xpcall`` re-raise once the budget is spent. Pattern functions are guarded by
:mod:`gitopsd.health.lua.patterns`. ``setmetatable`` refuses ``__gc``, since a finalizer
could run outside any budget.
"""

# How many VM instructions run between two looks at the clock. One instruction can copy a
# string as large as the memory cap allows, so the interval bounds how far past its budget
# a script can get (about 0.2 s measured with 10 MiB strings); a look costs ~0.5 us.
HOOK_INTERVAL = 100

BOOTSTRAP_LUA = r"""
local clock, wall_clock, hook_interval, make_patterns, matcher = ...
local sethook, setupvalue, getupvalue = debug.sethook, debug.setupvalue, debug.getupvalue
local real_pcall, real_xpcall, real_getmetatable, real_setmetatable =
  pcall, xpcall, getmetatable, setmetatable
local error, select, type, tostring, tonumber, rawget, rawlen, next =
  error, select, type, tostring, tonumber, rawget, rawlen, next
local load, collectgarbage, floor = load, collectgarbage, math.floor
local c_string, c_table, c_math, c_os = string, table, math, os
local table_unpack = table.unpack
local TIMEOUT = "execution time limit exceeded"
local CHECK_UNITS = 2 ^ 20   -- bytes or steps of C work between two looks at the clock

local deadline, active, expired, spent, next_check = 0, false, false, 0, CHECK_UNITS

local function expire()
  expired = true
  error(TIMEOUT, 0)
end

local function on_count()
  if active and (expired or clock() > deadline) then expire() end
end

-- Called by C-function wrappers with the work they are about to do.
local function charge(units)
  if not active then return end
  spent = spent + units
  if spent >= next_check then
    next_check = spent + CHECK_UNITS
    if expired or clock() > deadline then expire() end
  end
end

local function rethrow_timeout()
  if expired then error(TIMEOUT, 0) end
end

local function pack(...) return {n = select("#", ...), ...} end

local function after_protected_call(results)
  rethrow_timeout()
  return table_unpack(results, 1, results.n)
end

local function sandbox_pcall(...) return after_protected_call(pack(real_pcall(...))) end
local function sandbox_xpcall(...) return after_protected_call(pack(real_xpcall(...))) end

-- The string metatable leads to the shared string library; keep it out of reach.
local function sandbox_getmetatable(value)
  if type(value) == "string" then return nil end
  return real_getmetatable(value)
end

local function sandbox_setmetatable(value, metatable)
  if type(metatable) == "table" and rawget(metatable, "__gc") ~= nil then
    error("setmetatable: __gc metamethods are not available to health scripts", 2)
  end
  return real_setmetatable(value, metatable)
end

local function discard() end

local function by_length(fn)
  return function(s, ...)
    if type(s) == "string" then charge(#s) end
    return fn(s, ...)
  end
end

local function by_size(fn, cost)
  return function(t, ...)
    if type(t) == "table" then charge(cost(rawlen(t))) end
    return fn(t, ...)
  end
end

local function linear(n) return n end

-- Sorting a large table is one long C call; above this size a merge sort in Lua, which
-- the instruction hook can stop, does it instead (table.sort promises no stability, so
-- either order of equal elements is right).
local SORT_IN_C = 10000

local function less_than(a, b) return a < b end

local function merge_sort(t, n, less)
  local source, target = {}, {}
  for i = 1, n do source[i] = t[i] end
  local width = 1
  while width < n do
    for low = 1, n, 2 * width do
      local middle, high = c_math.min(low + width, n + 1), c_math.min(low + 2 * width, n + 1)
      local left, right = low, middle
      for k = low, high - 1 do
        if right >= high or (left < middle and not less(source[right], source[left])) then
          target[k], left = source[left], left + 1
        else
          target[k], right = source[right], right + 1
        end
      end
    end
    source, target, width = target, source, width * 2
  end
  for i = 1, n do t[i] = source[i] end
end

local function sort(t, less)
  if type(t) == "table" then
    local n = #t
    if n > SORT_IN_C and (less == nil or type(less) == "function") then
      return merge_sort(t, n, less or less_than)
    end
    charge(n * 16)
  end
  return c_table.sort(t, less)
end

local function rep(s, n, sep)
  if (type(s) == "string" or type(s) == "number") and type(n) == "number" and n > 0 then
    local separator = (type(sep) == "string" or type(sep) == "number") and #tostring(sep) or 0
    charge((#tostring(s) + separator) * n)
  end
  return c_string.rep(s, n, sep)
end

local function format(fmt, ...)
  if type(fmt) == "string" then
    local cost = #fmt
    for i = 1, select("#", ...) do
      local value = select(i, ...)
      if type(value) == "string" then cost = cost + #value end
    end
    charge(cost)
  end
  return c_string.format(fmt, ...)
end

local function unpack(t, i, j)
  if type(t) == "table" then
    local first, last = tonumber(i) or 1, tonumber(j) or rawlen(t)
    if last > first then charge(last - first) end
  end
  return table_unpack(t, i, j)
end

local function getn(t) return #t end

local function maxn(t)
  local largest = 0
  for key in next, t do
    if type(key) == "number" and key > largest then largest = key end
  end
  return largest
end

local function copy(library, skip)
  local result = {}
  for key, value in next, library do
    if key ~= skip then result[key] = value end
  end
  return result
end

local patterns = make_patterns(c_string, charge, rethrow_timeout, matcher)

local safe_string = copy(c_string, "dump")
safe_string.find, safe_string.match = patterns.find, patterns.match
safe_string.gmatch, safe_string.gsub = patterns.gmatch, patterns.gsub
safe_string.rep, safe_string.format = rep, format
safe_string.upper, safe_string.lower = by_length(c_string.upper), by_length(c_string.lower)
safe_string.reverse = by_length(c_string.reverse)
-- Method calls on strings ("x"):rep(n) go through the guarded library too.
real_getmetatable("").__index = safe_string

local safe_table = copy(c_table)
safe_table.concat = by_size(c_table.concat, linear)
safe_table.insert = by_size(c_table.insert, linear)
safe_table.remove = by_size(c_table.remove, linear)
safe_table.sort = sort
safe_table.unpack, safe_table.getn, safe_table.maxn = unpack, getn, maxn

local safe_math = copy(c_math)
safe_math.log10 = function(x) return c_math.log(x, 10) end
safe_math.mod = c_math.fmod

local safe_os = {
  clock = c_os.clock,
  difftime = c_os.difftime,
  -- "Now" comes from the injected wall clock, so tests can fix it.
  time = function(t)
    if t == nil then return floor(wall_clock()) end
    return c_os.time(t)
  end,
  date = function(fmt, t)
    if type(fmt) == "string" then charge(#fmt) end
    if t == nil then t = floor(wall_clock()) end
    return c_os.date(fmt, t)
  end,
}

local function new_env(obj)
  local env = {
    obj = obj, _VERSION = _VERSION,
    assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs,
    pcall = sandbox_pcall, xpcall = sandbox_xpcall, select = select, tonumber = tonumber,
    tostring = tostring, type = type, unpack = unpack, rawequal = rawequal, rawget = rawget,
    rawset = rawset, rawlen = rawlen, setmetatable = sandbox_setmetatable,
    getmetatable = sandbox_getmetatable, print = discard,
    string = copy(safe_string), table = copy(safe_table), math = copy(safe_math),
    os = copy(safe_os),
  }
  env._G = env
  local modules = {os = env.os, string = env.string, table = env.table, math = env.math}
  env.require = function(name)
    local module = modules[name]
    if module == nil then
      error("module '" .. tostring(name) .. "' not found: health scripts can require "
        .. "os, string, table and math", 2)
    end
    return module
  end
  return env
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
  local fn, err = load(source, "=" .. chunkname, "t", {})
  if not fn then return false, err end
  if getupvalue(fn, 1) ~= "_ENV" then return false, "unexpected chunk layout" end
  return fn, ""
end

local function run(fn, obj, timeout)
  setupvalue(fn, 1, new_env(obj))
  expired, active, spent, next_check = false, true, 0, CHECK_UNITS
  deadline = clock() + timeout
  sethook(on_count, "", hook_interval)
  local ok, result = real_pcall(fn)
  local classified, kind, status, message = real_pcall(classify, ok, result)
  active = false
  sethook()
  if expired or not classified then kind = "timeout" end
  if kind ~= "ok" and kind ~= "nil" then
    -- Free what a failed run left behind now, so a script that hit the memory cap does
    -- not starve the next one.
    collectgarbage("collect")
  end
  return kind, status, message
end

-- Called by Python, with the hook already off, after an error escaped run(): the hook can
-- fire on any instruction until run() has turned it off. True when the budget was spent.
local function reset()
  active = false
  collectgarbage("collect")
  return expired
end

return compile, run, reset
"""
