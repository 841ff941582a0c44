-- Builds the public call tree (client.bridges.login_sessions.create, ...)
-- from beeper.endpoints, checking arguments the way a programmer expects:
-- a wrong type or a missing id raises; anything the server does is returned.
local endpoints = require "beeper.endpoints"
local path = require "beeper.path"

local M = {}

local json = require("cjson").new()
local format = string.format

-- Wire fields that are not strings.
local FIELD_TYPE = { fields = "table", acceptTerms = "boolean" }

local OPTION = { timeout = "number", connect_timeout = "number", deadline = "number",
                 max_retries = "number", headers = "table" }

-- Precomputes ids and accepted parameter names once per endpoint.
local function describe(ep)
  local pieces, ids = path.compile(ep[3])
  local d = { name = ep[1], method = ep[2], template = ep[3], pieces = pieces, ids = ids,
              auth = ep.auth ~= false, empty_ok = ep.empty_ok, body = ep.body,
              required = ep.required or {} }
  if ep.body then
    d.accepts = {}
    for lua_name, wire in pairs(ep.body) do
      d.accepts[lua_name], d.accepts[wire] = wire, wire
    end
  end
  return d
end

local function check_fields(d, fields)
  for k, v in pairs(fields) do
    if type(k) ~= "string" or (type(v) ~= "string" and type(v) ~= "number") then
      error(format("beeper: %s: fields must map field ids to strings", d.name), 5)
    end
  end
end

local function encode_body(d, params)
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
    local want = FIELD_TYPE[wire] or "string"
    if type(v) ~= want then
      error(format("beeper: %s: %s must be a %s, got %s", d.name, k, want, type(v)), 4)
    end
    if wire == "fields" then check_fields(d, v) end
    out[wire] = v
  end
  for _, name in ipairs(d.required) do
    if out[d.body[name]] == nil then
      error(format("beeper: %s: missing required parameter '%s'", d.name, name), 4)
    end
  end
  return json.encode(out)
end

local function check_options(d, opts)
  if opts == nil then return nil end
  if type(opts) ~= "table" then
    error(format("beeper: %s: options must be a table, got %s", d.name, type(opts)), 4)
  end
  for k, v in pairs(opts) do
    if OPTION[k] == nil then
      error(format("beeper: %s: unknown option '%s'", d.name, tostring(k)), 4)
    elseif type(v) ~= OPTION[k] then
      error(format("beeper: %s: option %s must be a %s", d.name, k, OPTION[k]), 4)
    end
  end
  return opts
end

-- Parses (ids..., [params], [options], [callback]) into a call description.
local function prepare(d, ...)
  local n = select("#", ...)
  local args = { ... }
  local callback
  if n > 0 and type(args[n]) == "function" then callback = args[n]; args[n] = nil end
  local ids = {}
  for i, name in ipairs(d.ids) do ids[i] = path.check_id(args[i], name, 3) end
  local k = #d.ids + 1
  local body
  if d.body then body = encode_body(d, args[k]); k = k + 1 end
  return {
    name = d.name, method = d.method, auth = d.auth, empty_ok = d.empty_ok,
    path = #ids > 0 and path.expand(d.pieces, ids) or d.template,
    body = body, opts = check_options(d, args[k]),
  }, callback
end

-- get_client() returns the client a call runs on (the default client is
-- only made on its first call).
function M.tree(get_client)
  local root = {}
  for _, ep in ipairs(endpoints) do
    local d = describe(ep)
    local node, last = root, nil
    for part in d.name:gmatch("[^.]+") do
      if last then
        node[last] = node[last] or {}
        node = node[last]
      end
      last = part
    end
    node[last] = function(...)
      local call, callback = prepare(d, ...)
      return get_client():send(call, callback)
    end
  end
  root.app.login = root.app.setup -- the older name of the same calls
  return root
end

return M
