"""Lua's string patterns, implemented in Lua, and the guard that decides who runs a match.

Loaded by :mod:`gitopsd.health.lua.bootstrap`, which gives health scripts the guarded
``string.find``, ``match``, ``gmatch`` and ``gsub`` built here. A pattern match in Lua's C
library is one C call that no instruction hook can interrupt, and its backtracking can
take time exponential in the number of quantifiers (``("a"):rep(1e5):find(".-.-.-x")``).
So every call first bounds the work the C matcher could do, from the pattern's shape and
the subject's length; cheap calls go to C, the rest to the matcher in Lua, which stops
when the script's time budget is spent. Both give the same
results and the same errors (``tests/unit/health/test_lua_patterns.py`` compares them).

The Lua matcher is :mod:`gitopsd.health.lua.matcher`; this chunk receives it already
loaded.
"""

PATTERNS_LUA = r"""
local c_string, charge, rethrow_timeout, matcher = ...
local byte, sub, c_find = c_string.byte, c_string.sub, c_string.find
-- Calls through this table name the function as scripts know it in argument errors.
local C = {find = c_string.find, match = c_string.match, gmatch = c_string.gmatch,
           gsub = c_string.gsub}
local type, tostring, tonumber, error = type, tostring, tonumber, error
local select, pcall, getmetatable = select, pcall, getmetatable
local unpack, floor, ceil = table.unpack, math.floor, math.ceil
local search, engine_gmatch, engine_gsub = matcher.search, matcher.gmatch, matcher.gsub
local PatternError = matcher.PatternError

local C_STEPS = 2 ^ 21        -- matcher steps a C call may take: a few milliseconds
local CARET, PERCENT, LBRACKET, RBRACKET, LPAREN, RPAREN = 94, 37, 91, 93, 40, 41
local STAR, PLUS, MINUS, QMARK = 42, 43, 45, 63
local LETTER_B, LETTER_F, DIGIT_1, DIGIT_9 = 98, 102, 49, 57
local SPECIALS = "[%^%$%*%+%?%.%(%[%%%-]"

-- Argument handling shared with C: numbers stand for strings, positions are truncated.
local function integer(value)
  if value >= 0 then return floor(value) end
  return ceil(value)
end

local function start_position(init, length)
  init = integer(init)
  if init < 0 then init = length + init + 1 end
  if init < 1 then init = 1 end
  return init
end

local function as_text(value)
  if type(value) == "number" then return tostring(value) end
  return value
end

local function as_number(value, default)
  if value == nil then return default end
  return tonumber(value)
end

-- The bound on C matcher steps used to choose the matcher.
local SHAPE_CACHE_SIZE = 256
local shapes, cached_shapes = {}, 0

local function set_end(p, i)
  local length = #p
  i = i + 1
  if byte(p, i) == CARET then i = i + 1 end
  repeat
    if i > length then return length + 1 end
    local c = byte(p, i)
    i = i + 1
    if c == PERCENT then i = i + 1 end
  until byte(p, i) == RBRACKET
  return i + 1
end

local function analyse(p)
  local shape = {anchored = byte(p, 1) == CARET, quantified = 0, optional = 0, scans = 0}
  local i, length = shape.anchored and 2 or 1, #p
  while i <= length do
    local c, item_end = byte(p, i), nil
    if c == PERCENT then
      local d = byte(p, i + 1)
      if d == LETTER_B then shape.scans = shape.scans + 1; i = i + 4
      elseif d == LETTER_F then i = set_end(p, i + 2)
      elseif d and d >= DIGIT_1 and d <= DIGIT_9 then shape.scans = shape.scans + 1; i = i + 2
      else item_end = i + 2 end
    elseif c == LBRACKET then item_end = set_end(p, i)
    elseif c == LPAREN or c == RPAREN then i = i + 1
    else item_end = i + 1 end
    if item_end then
      local suffix = byte(p, item_end)
      if suffix == STAR or suffix == PLUS or suffix == MINUS then
        shape.quantified = shape.quantified + 1; i = item_end + 1
      elseif suffix == QMARK then
        shape.optional = shape.optional + 1; i = item_end + 1
      else
        i = item_end
      end
    end
  end
  return shape
end

local function shape_of(p)
  local shape = shapes[p]
  if shape then return shape end
  if cached_shapes >= SHAPE_CACHE_SIZE then shapes, cached_shapes = {}, 0 end
  shape = analyse(p)
  shapes[p], cached_shapes = shape, cached_shapes + 1
  return shape
end

local function bound(shape, n, m, starts)
  return starts * (n + 1) ^ shape.quantified * 2 ^ shape.optional * (m + n * shape.scans)
end

local function has_specials(p) return c_find(p, SPECIALS) ~= nil end

-- Runs a Lua-matcher call; a spent budget wins over any other error.
local function engine_call(fn, ...)
  local results = {n = 0}
  local function keep(ok, ...)
    results = {n = select("#", ...), ...}
    return ok
  end
  if keep(pcall(fn, ...)) then return results end
  rethrow_timeout()
  return nil, results[1]
end

-- Raise err at the line of the script that called the guarded function.
local function raise(err)
  if getmetatable(err) == PatternError then error(err[1], 3) end
  error(err, 0)
end

-- A plain search in windows, each one cheap for C, so the budget is checked in between.
local function plain_find(s, p, init)
  local n, m = #s, #p
  if m == 0 then return init, init - 1 end
  local window = floor(C_STEPS / m) + 1
  local i = init
  while i + m - 1 <= n do
    local last = i + window + m - 2
    if last > n then last = n end
    charge((last - i + 1) * m)
    local found = c_find(sub(s, i, last), p, 1, true)
    if found then return i + found - 1, i + found + m - 2 end
    i = i + window
  end
  return nil
end

local function find_or_match(is_find, s, p, init, plain)
  local text, pattern, position = as_text(s), as_text(p), as_number(init, 1)
  if type(text) ~= "string" or type(pattern) ~= "string" or position == nil then
    if is_find then return C.find(s, p, init, plain) end
    return C.match(s, p, init)
  end
  local n, m = #text, #pattern
  position = start_position(position, n)
  if position > n + 1 then return nil end
  if is_find and (plain or not has_specials(pattern)) then
    if n * m <= C_STEPS then
      charge(n * m)
      return c_find(text, pattern, position, true)
    end
    return plain_find(text, pattern, position)
  end
  local shape = shape_of(pattern)
  local cost = bound(shape, n, m, shape.anchored and 1 or n - position + 2)
  if cost <= C_STEPS then
    charge(cost)
    if is_find then return C.find(text, pattern, position) end
    return C.match(text, pattern, position)
  end
  local results, err = engine_call(search, text, pattern, position, is_find)
  if results then return unpack(results, 1, results.n) end
  raise(err)
end

local function find(s, p, init, plain) return find_or_match(true, s, p, init, plain) end
local function match(s, p, init) return find_or_match(false, s, p, init, false) end

local function gmatch(s, p)
  local text, pattern = as_text(s), as_text(p)
  if type(text) ~= "string" or type(pattern) ~= "string" then return C.gmatch(s, p) end
  local n = #text
  local cost = bound(shape_of(pattern), n, #pattern, n + 1)
  if cost <= C_STEPS then
    charge(cost)
    return C.gmatch(text, pattern)
  end
  local step = engine_gmatch(text, pattern)
  return function()
    local results, err = engine_call(step)
    if results then return unpack(results, 1, results.n) end
    raise(err)
  end
end

local REPLACEMENT_KINDS = {string = true, number = true, table = true, ["function"] = true}

local function gsub(s, p, replacement, max_n)
  local text, pattern = as_text(s), as_text(p)
  local limit = as_number(max_n, nil)
  if type(text) ~= "string" or type(pattern) ~= "string"
      or not REPLACEMENT_KINDS[type(replacement)] or (max_n ~= nil and limit == nil) then
    return C.gsub(s, p, replacement, max_n)
  end
  local n = #text
  local shape = shape_of(pattern)
  local cost = bound(shape, n, #pattern, shape.anchored and 1 or n + 1)
  if cost <= C_STEPS then
    charge(cost + n)
    return C.gsub(text, pattern, replacement, max_n)
  end
  local results, err = engine_call(engine_gsub, text, pattern, replacement,
                                   limit and integer(limit) or n + 1)
  if results then return unpack(results, 1, results.n) end
  raise(err)
end

local function engine_search(s, p, init, is_find)
  local position = start_position(init or 1, #s)
  if position > #s + 1 then return nil end
  if is_find and not has_specials(p) then return plain_find(s, p, position) end
  return search(s, p, position, is_find)
end

return {
  find = find, match = match, gmatch = gmatch, gsub = gsub,
  -- The Lua matcher alone, for tests that compare it with C.
  engine = {
    find = function(s, p, init) return engine_search(s, p, init, true) end,
    match = function(s, p, init) return engine_search(s, p, init, false) end,
    gmatch = engine_gmatch,
    gsub = function(s, p, r, n) return engine_gsub(s, p, r, n or #s + 1) end,
    bound = function(p, n) return bound(shape_of(p), n, #p, n + 1) end,
  },
}
"""
