-- Call parameters: snake_case (or the wire spelling) checked against an
-- endpoint's accepted names and the wire types, then turned into a JSON
-- body or a query string. A wrong name or type is a programming mistake
-- and raises; nested tables (user, reminder, attachment) go as given.
local endpoints = require "beeper.endpoints"

local M = {}

local format, floor, huge = string.format, math.floor, math.huge
local TYPES = endpoints.TYPES
local null = require("cjson").null

local function is_array_of_strings(v)
  if type(v) ~= "table" then return false end
  local n = #v
  for k, item in pairs(v) do
    if type(k) ~= "number" or k < 1 or k > n or k ~= floor(k) then return false end
    if type(item) ~= "string" then return false end
  end
  return true
end

local CHECK = {
  string = function(v) return type(v) == "string" end,
  boolean = function(v) return type(v) == "boolean" end,
  table = function(v) return type(v) == "table" end,
  array = is_array_of_strings,
  integer = function(v) return type(v) == "number" and v == floor(v) and v > -huge and v < huge end,
}
local WANT = { string = "a string", boolean = "a boolean", table = "a table",
               array = "a list of strings", integer = "an integer" }

-- Checks one value; in a body, null (beeper.null) clears a nullable field.
local function check(d, k, wire, v, in_body)
  local want = TYPES[wire] or "string"
  if CHECK[want](v) or (in_body and v == null) then return end
  error(format("beeper: %s: %s must be %s, got %s", d.name, k, WANT[want], type(v)), 5)
end

-- params (the caller's table) -> wire name -> value, checked.
function M.collect(d, params)
  if params == nil then params = {} end
  if type(params) ~= "table" then
    error(format("beeper: %s: parameters must be a table, got %s", d.name, type(params)), 4)
  end
  local out = {}
  for k, v in pairs(params) do
    local wire = d.accepts[k]
    if not wire then
      error(format("beeper: %s: unknown parameter '%s'", d.name, tostring(k)), 4)
    end
    check(d, k, wire, v, d.query == nil)
    out[wire] = v
  end
  for _, name in ipairs(d.required) do
    if out[d.params[name]] == nil then
      error(format("beeper: %s: missing required parameter '%s'", d.name, name), 4)
    end
  end
  return out
end

-- RFC 3986: everything but the unreserved characters is percent-encoded, in
-- names and values alike ("+" too: some servers read it as a space).
local function escape(c) return format("%%%02X", c:byte()) end
local function pct(s) return (s:gsub("[^A-Za-z0-9%-%._~]", escape)) end

local function text(v)
  if type(v) == "number" then
    if v == floor(v) then return format("%d", v) end
    return format("%.17g", v)
  end
  return tostring(v)
end

-- wire name -> value -> "?a=1&b=x&b=y": names sorted so a request is
-- always the same bytes; a list becomes repeated keys (accountIDs=a&accountIDs=b),
-- as the API and the official SDKs send it.
function M.query(values)
  local names = {}
  for k in pairs(values) do names[#names + 1] = k end
  if #names == 0 then return "" end
  table.sort(names)
  local parts = {}
  for _, k in ipairs(names) do
    local v, key = values[k], pct(k)
    if type(v) == "table" then
      for _, item in ipairs(v) do parts[#parts + 1] = key .. "=" .. pct(item) end
    else
      parts[#parts + 1] = key .. "=" .. pct(text(v))
    end
  end
  return "?" .. table.concat(parts, "&")
end

return M
