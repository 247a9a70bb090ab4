"""Lua's string patterns implemented in Lua, so that a match can be stopped.

Loaded by :class:`gitopsd.health.lua.sandbox.LuaSandbox` and handed to the guard in
:mod:`gitopsd.health.lua.patterns`, which runs it instead of the C matcher when a call
could take long: being plain Lua, it stops when the script's time budget is spent.

It follows the semantics of the Lua 5.2 reference manual, section 6.4.1 (single-character
classes and sets, ``* + - ?``, captures and position captures, ``%b``, ``%f`` and
back-references) with the C library's limits (32 captures, 200 nested matcher calls) and
error messages; ``tests/unit/health/test_lua_patterns.py`` compares it with C on random
patterns. Positions are 1-based subject indexes; a match function returns the index just
past the match.
"""

MATCHER_LUA = r"""
local c_string = ...
local byte, sub, c_find = c_string.byte, c_string.sub, c_string.find
local type, tostring, error, setmetatable = type, tostring, error, setmetatable
local unpack, concat = table.unpack, table.concat

local MAX_CAPTURES, MAX_DEPTH = 32, 200
local CAP_UNFINISHED, CAP_POSITION = -1, -2
local LPAREN, RPAREN, PERCENT, DOT, LBRACKET, RBRACKET = 40, 41, 37, 46, 91, 93
local CARET, DOLLAR, STAR, PLUS, MINUS, QMARK = 94, 36, 42, 43, 45, 63
local LETTER_B, LETTER_F, DIGIT_0, DIGIT_9 = 98, 102, 48, 57

-- Character classes in the C locale: CLASSES[letter][byte] -> boolean.
local CLASSES = {}
do
  local function define(letter, test)
    local members, others = {}, {}
    for c = 0, 255 do members[c] = test(c); others[c] = not members[c] end
    CLASSES[byte(letter)] = members
    CLASSES[byte(c_string.upper(letter))] = others
  end
  local function upper(c) return c >= 65 and c <= 90 end
  local function lower(c) return c >= 97 and c <= 122 end
  local function digit(c) return c >= 48 and c <= 57 end
  local function alnum(c) return upper(c) or lower(c) or digit(c) end
  local function graph(c) return c >= 33 and c <= 126 end
  define("a", function(c) return upper(c) or lower(c) end)
  define("c", function(c) return c < 32 or c == 127 end)
  define("d", digit)
  define("g", graph)
  define("l", lower)
  define("p", function(c) return graph(c) and not alnum(c) end)
  define("s", function(c) return c == 32 or (c >= 9 and c <= 13) end)
  define("u", upper)
  define("w", alnum)
  define("x", function(c) return digit(c) or (c >= 97 and c <= 102) or (c >= 65 and c <= 70) end)
  define("z", function(c) return c == 0 end)
end

-- Errors of the matcher itself; the guard re-raises them at the script's line.
local PatternError = {}
local function fail(message) error(setmetatable({message}, PatternError), 0) end

local function class_match(c, letter)
  local class = CLASSES[letter]
  if class then return class[c] end
  return letter == c
end

-- Index just past the single-character class that starts at p.
local function class_end(ms, p)
  local pat, plen = ms.pat, ms.plen
  local c = pat[p]
  p = p + 1
  if c == PERCENT then
    if p > plen then fail("malformed pattern (ends with '%')") end
    return p + 1
  elseif c == LBRACKET then
    if pat[p] == CARET then p = p + 1 end
    repeat
      if p > plen then fail("malformed pattern (missing ']')") end
      c = pat[p]
      p = p + 1
      if c == PERCENT and p <= plen then p = p + 1 end
    until pat[p] == RBRACKET
    return p + 1
  end
  return p
end

-- Does byte c belong to the set [...] that opens at p and closes at close?
local function set_match(ms, c, p, close)
  local pat = ms.pat
  local wanted = true
  if pat[p + 1] == CARET then wanted = false; p = p + 1 end
  p = p + 1
  while p < close do
    local pc = pat[p]
    if pc == PERCENT then
      if class_match(c, pat[p + 1]) then return wanted end
      p = p + 2
    elseif pat[p + 1] == MINUS and p + 2 < close then
      if pc <= c and c <= pat[p + 2] then return wanted end
      p = p + 3
    else
      if pc == c then return wanted end
      p = p + 1
    end
  end
  return not wanted
end

local function single_match(ms, s, p, ep)
  if s > ms.len then return false end
  local c, pc = byte(ms.src, s), ms.pat[p]
  if pc == DOT then return true end
  if pc == PERCENT then return class_match(c, ms.pat[p + 1]) end
  if pc == LBRACKET then return set_match(ms, c, p, ep - 1) end
  return pc == c
end

local do_match

local function max_expand(ms, s, p, ep)
  local count = 0
  while single_match(ms, s + count, p, ep) do count = count + 1 end
  while count >= 0 do
    local e = do_match(ms, s + count, ep + 1)
    if e then return e end
    count = count - 1
  end
  return nil
end

local function min_expand(ms, s, p, ep)
  while true do
    local e = do_match(ms, s, ep + 1)
    if e then return e end
    if not single_match(ms, s, p, ep) then return nil end
    s = s + 1
  end
end

local function start_capture(ms, s, p, what)
  local level = ms.level + 1
  if level > MAX_CAPTURES then fail("too many captures") end
  ms.cap_init[level], ms.cap_len[level], ms.level = s, what, level
  local e = do_match(ms, s, p)
  if not e then ms.level = ms.level - 1 end
  return e
end

local function end_capture(ms, s, p)
  local open = ms.level
  while open >= 1 and ms.cap_len[open] ~= CAP_UNFINISHED do open = open - 1 end
  if open < 1 then fail("invalid pattern capture") end
  ms.cap_len[open] = s - ms.cap_init[open]
  local e = do_match(ms, s, p)
  if not e then ms.cap_len[open] = CAP_UNFINISHED end
  return e
end

local function match_balance(ms, s, p)
  if p + 1 > ms.plen then fail("malformed pattern (missing arguments to '%b')") end
  local open, close = ms.pat[p], ms.pat[p + 1]
  if s > ms.len or byte(ms.src, s) ~= open then return nil end
  local depth = 1
  for i = s + 1, ms.len do
    local c = byte(ms.src, i)
    if c == close then
      depth = depth - 1
      if depth == 0 then return i + 1 end
    elseif c == open then
      depth = depth + 1
    end
  end
  return nil
end

local function match_back_reference(ms, s, digit)
  local index = digit - DIGIT_0
  local length = ms.cap_len[index]
  if index < 1 or index > ms.level or length == CAP_UNFINISHED then
    fail("invalid capture index %" .. index)
  end
  if length < 0 or ms.len - s + 1 < length then return nil end
  local init = ms.cap_init[index]
  if sub(ms.src, init, init + length - 1) == sub(ms.src, s, s + length - 1) then
    return s + length
  end
  return nil
end

-- The body of one matcher call: match pattern position p at subject position s; returns
-- the subject position just past the match, or nil.
local function match_here(ms, s, p)
  local pat, plen = ms.pat, ms.plen
  while true do
    if p > plen then return s end
    local pc, next_pc = pat[p], pat[p + 1]
    if pc == LPAREN then
      if next_pc == RPAREN then return start_capture(ms, s, p + 2, CAP_POSITION) end
      return start_capture(ms, s, p + 1, CAP_UNFINISHED)
    elseif pc == RPAREN then
      return end_capture(ms, s, p + 1)
    elseif pc == DOLLAR and p == plen then
      if s == ms.len + 1 then return s end
      return nil
    elseif pc == PERCENT and next_pc == LETTER_B then
      s = match_balance(ms, s, p + 2)
      if not s then return nil end
      p = p + 4
    elseif pc == PERCENT and next_pc == LETTER_F then
      p = p + 2
      if pat[p] ~= LBRACKET then fail("missing '[' after '%f' in pattern") end
      local ep = class_end(ms, p)
      local previous = s == 1 and 0 or byte(ms.src, s - 1)
      local current = s <= ms.len and byte(ms.src, s) or 0
      if set_match(ms, previous, p, ep - 1) or not set_match(ms, current, p, ep - 1) then
        return nil
      end
      p = ep
    elseif pc == PERCENT and next_pc and next_pc >= DIGIT_0 and next_pc <= DIGIT_9 then
      s = match_back_reference(ms, s, next_pc)
      if not s then return nil end
      p = p + 2
    else
      local ep = class_end(ms, p)
      local suffix = pat[ep]
      if not single_match(ms, s, p, ep) then
        if suffix ~= STAR and suffix ~= QMARK and suffix ~= MINUS then return nil end
        p = ep + 1
      elseif suffix == QMARK then
        local e = do_match(ms, s + 1, ep + 1)
        if e then return e end
        p = ep + 1
      elseif suffix == PLUS then
        return max_expand(ms, s + 1, p, ep)
      elseif suffix == STAR then
        return max_expand(ms, s, p, ep)
      elseif suffix == MINUS then
        return min_expand(ms, s, p, ep)
      else
        s, p = s + 1, ep
      end
    end
  end
end

do_match = function(ms, s, p)
  local depth = ms.depth - 1
  if depth < 0 then fail("pattern too complex") end
  ms.depth = depth
  local e = match_here(ms, s, p)
  ms.depth = depth + 1
  return e
end

local function new_state(s, p)
  local pat = {}
  for i = 1, #p do pat[i] = byte(p, i) end
  return {src = s, len = #s, pat = pat, plen = #p, level = 0, depth = MAX_DEPTH,
          cap_init = {}, cap_len = {}}
end

-- Capture number index (1-based); with no captures, capture 1 is the whole match.
local function capture_value(ms, index, s, e)
  if index > ms.level then
    if index == 1 then return sub(ms.src, s, e - 1) end
    fail("invalid capture index")
  end
  local length, init = ms.cap_len[index], ms.cap_init[index]
  if length == CAP_UNFINISHED then fail("unfinished capture") end
  if length == CAP_POSITION then return init end
  return sub(ms.src, init, init + length - 1)
end

-- The captures of a match as values; the whole match when there are none and s is given.
local function captures(ms, s, e)
  local count = ms.level
  if count == 0 then
    if s then return sub(ms.src, s, e - 1) end
    return
  end
  local values = {}
  for index = 1, count do values[index] = capture_value(ms, index, s, e) end
  return unpack(values, 1, count)
end

local function search(s, p, init, is_find)
  local ms = new_state(s, p)
  local start, anchored = 1, ms.pat[1] == CARET
  if anchored then start = 2 end
  local s1 = init
  repeat
    ms.level = 0
    local e = do_match(ms, s1, start)
    if e then
      if is_find then return s1, e - 1, captures(ms, nil, nil) end
      return captures(ms, s1, e)
    end
    s1 = s1 + 1
  until anchored or s1 > ms.len + 1
  return nil
end

local function engine_gmatch(s, p)
  local ms = new_state(s, p)
  local position = 1
  return function()
    while position <= ms.len + 1 do
      ms.level = 0
      local start = position
      local e = do_match(ms, start, 1)
      if e then
        position = e == start and e + 1 or e
        return captures(ms, start, e)
      end
      position = position + 1
    end
    return nil
  end
end

local function expand_replacement(ms, s, e, replacement)
  if not c_find(replacement, "%", 1, true) then return replacement end
  local pieces, i, length = {}, 1, #replacement
  while i <= length do
    if byte(replacement, i) ~= PERCENT then
      local j = c_find(replacement, "%", i, true) or length + 1
      pieces[#pieces + 1] = sub(replacement, i, j - 1)
      i = j
    else
      local c = byte(replacement, i + 1)
      if c == PERCENT then
        pieces[#pieces + 1] = "%"
      elseif c and c >= DIGIT_0 and c <= DIGIT_9 then
        if c == DIGIT_0 then pieces[#pieces + 1] = sub(ms.src, s, e - 1)
        else pieces[#pieces + 1] = tostring(capture_value(ms, c - DIGIT_0, s, e)) end
      else
        fail("invalid use of '%' in replacement string")
      end
      i = i + 2
    end
  end
  return concat(pieces)
end

local function replacement_for(ms, s, e, replacement, kind)
  if kind == "string" then return expand_replacement(ms, s, e, replacement) end
  local value
  if kind == "function" then value = replacement(captures(ms, s, e))
  else value = replacement[capture_value(ms, 1, s, e)] end
  if not value then return sub(ms.src, s, e - 1) end
  local value_kind = type(value)
  if value_kind ~= "string" and value_kind ~= "number" then
    fail("invalid replacement value (a " .. value_kind .. ")")
  end
  return tostring(value)
end

local function engine_gsub(s, p, replacement, max_n)
  local ms = new_state(s, p)
  local start, anchored = 1, ms.pat[1] == CARET
  if anchored then start = 2 end
  local kind = type(replacement)
  if kind == "number" then replacement, kind = tostring(replacement), "string" end
  local pieces, count, position, pending = {}, 0, 1, 1
  while count < max_n do
    ms.level = 0
    local e = do_match(ms, position, start)
    if e then
      count = count + 1
      pieces[#pieces + 1] = sub(s, pending, position - 1)
      pieces[#pieces + 1] = replacement_for(ms, position, e, replacement, kind)
      pending = e
    end
    if e and e > position then position = e
    elseif position <= ms.len then position = position + 1
    else break end
    if anchored then break end
  end
  pieces[#pieces + 1] = sub(s, pending)
  return concat(pieces), count
end

return {
  search = search, gmatch = engine_gmatch, gsub = engine_gsub, PatternError = PatternError,
}
"""
