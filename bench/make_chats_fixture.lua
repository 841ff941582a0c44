-- Regenerates bench/fixtures/chats-page.json, the chats.list page of the
-- chats benchmark: the first page (50 chats with previews) the simulator
-- answers for all its accounts, re-encoded compactly with each object's keys
-- in the order the OpenAPI schema lists them (as the Desktop app's own
-- encoder emits them), so the bytes are the same on every run.
--   LUA_PATH="./?.lua;lua/?.lua;lua/?/init.lua;;" LUA_CPATH="build/5.4/?.so;;" \
--     lua5.4 bench/make_chats_fixture.lua [SPEC] [OUT]
local cjson = require "cjson"
local http = require "socket.http"
local ltn12 = require "ltn12"
local sim = require "beeper.sim"

local SPEC = arg[1] or "../shared/api/desktop-api-openapi-5.0.0.json"
local OUT = arg[2] or "bench/fixtures/chats-page.json"

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

-- The spec decoded, with the key order of every object it holds (cjson
-- forgets it): order[t] lists t's keys as the text has them.
local function decode_ordered(s)
  local pos, order = 1, {}
  local function ws() pos = s:find("[^ \t\r\n]", pos) or #s + 1 end
  local function str()
    local j = pos + 1
    local stop
    repeat
      stop = assert(s:find('["\\]', j), "unterminated string")
      j = stop + 2
    until s:sub(stop, stop) == '"'
    local text = s:sub(pos, stop)
    pos = stop + 1
    return cjson.decode(text)
  end
  local value
  local function container(close, add)
    pos = pos + 1
    ws()
    if s:sub(pos, pos) == close then pos = pos + 1 return end
    repeat
      add()
      ws()
      local c = s:sub(pos, pos)
      pos = pos + 1
    until c == close
  end
  function value()
    ws()
    local c = s:sub(pos, pos)
    local t = {}
    if c == "{" then
      local keys = {}
      order[t] = keys
      container("}", function()
        ws()
        local k = str()
        ws()
        pos = pos + 1 -- the colon
        t[k] = value()
        keys[#keys + 1] = k
      end)
      return t
    elseif c == "[" then
      container("]", function() t[#t + 1] = value() end)
      return t
    elseif c == '"' then
      return str()
    end
    local stop = s:find("[,}%]%s]", pos) or #s + 1
    local token = s:sub(pos, stop - 1)
    pos = stop
    return cjson.decode(token) -- a number, true, false or null
  end
  return value(), order
end

local spec, spec_order = decode_ordered(read(SPEC))

local function get(server, path)
  local out = {}
  local _, code = http.request { url = server.url .. path, sink = ltn12.sink.table(out),
    headers = { Authorization = "Bearer " .. server.token, Accept = "application/json" } }
  assert(code == 200, path .. " answered " .. tostring(code))
  return cjson.decode(table.concat(out))
end

-- A schema with its $ref followed.
local function deref(s)
  while s and s["$ref"] do
    s = spec.components.schemas[s["$ref"]:match("[^/]+$")]
  end
  return s
end

-- The object shape of a schema: property names in schema order, their
-- schemas; allOf branches concatenated; for anyOf/oneOf the first branch
-- that has properties (or items) is taken.
local function shape(s)
  s = deref(s)
  local r = { order = {}, props = {} }
  if not s then return r end
  r.type, r.items = s.type, s.items
  local function add(name, sub)
    if not r.props[name] then r.order[#r.order + 1] = name end
    r.props[name] = sub
  end
  for _, branch in ipairs(s.allOf or {}) do
    local b = shape(branch)
    for _, name in ipairs(b.order) do add(name, b.props[name]) end
    r.type, r.items = r.type or b.type, r.items or b.items
  end
  for _, branch in ipairs(s.anyOf or s.oneOf or {}) do
    local b = shape(branch)
    if #b.order > 0 or b.items then
      for _, name in ipairs(b.order) do add(name, b.props[name]) end
      r.type, r.items = r.type or b.type, r.items or b.items
      break
    end
  end
  if s.properties then
    for _, name in ipairs(spec_order[s.properties]) do add(name, s.properties[name]) end
  end
  return r
end

local function string_json(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    local named = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
    return named[c] or string.format("\\u%04x", c:byte())
  end) .. '"'
end

local encode
local function object_json(t, sh)
  local keys, seen = {}, {}
  for _, name in ipairs(sh.order) do
    if t[name] ~= nil then keys[#keys + 1], seen[name] = name, true end
  end
  local extra = {}
  for k in pairs(t) do if not seen[k] then extra[#extra + 1] = k end end
  table.sort(extra)
  for _, k in ipairs(extra) do keys[#keys + 1] = k end
  local parts = {}
  for i, k in ipairs(keys) do parts[i] = string_json(k) .. ":" .. encode(t[k], sh.props[k]) end
  return "{" .. table.concat(parts, ",") .. "}"
end

function encode(v, schema)
  if v == cjson.null then return "null" end
  local tv = type(v)
  if tv == "string" then return string_json(v) end
  if tv == "boolean" then return tostring(v) end
  if tv == "number" then
    if v == math.floor(v) and math.abs(v) < 2 ^ 53 then return string.format("%.0f", v) end
    return string.format("%.17g", v)
  end
  local sh = shape(schema)
  if sh.type == "array" or (sh.type == nil and #sh.order == 0 and v[1] ~= nil) then
    local parts = {}
    for i, item in ipairs(v) do parts[i] = encode(item, sh.items) end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  return object_json(v, sh)
end

local function same(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then return a == b end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

local server = sim.start {}
local ids = {}
for i, account in ipairs(get(server, "/v1/accounts")) do ids[i] = "accountIDs=" .. account.accountID end
local page = get(server, "/v1/chats?" .. table.concat(ids, "&"))
server:stop()
assert(#page.items == 50 and page.hasMore, "expected a full 50-chat first page")

local text = encode(page, { ["$ref"] = "#/components/schemas/ListChatsOutput" })
assert(same(cjson.decode(text), page), "the re-encoded page differs from the simulator's")
local f = assert(io.open(OUT, "wb"))
f:write(text)
f:close()
print(string.format("%s: %d chats, %d bytes", OUT, #page.items, #text))
