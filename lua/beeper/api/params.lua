-- Call parameters of the wire types other than plain string/boolean/table
-- (lists of strings, integers, null), and query strings. A wrong type is a
-- programming mistake and raises; nested tables (user, reminder,
-- attachment) go as given.
local M = {}

local format, floor, huge = string.format, math.floor, math.huge
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

-- Checks one value against its wire type (want); in a body, null
-- (beeper.null) clears a nullable field. Raises at the caller's call.
function M.check(d, k, want, v, in_body)
  if CHECK[want](v) or (in_body and v == null) then return end
  error(format("beeper: %s: %s must be %s, got %s", d.name, k, WANT[want], type(v)), 5)
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
