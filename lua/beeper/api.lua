-- Builds the public call tree (client.bridges.login_sessions.create, ...)
-- from beeper.endpoints, checking arguments the way a programmer expects:
-- a wrong type or a missing id raises; anything the server does is returned.
local callable = require "beeper.callable"
local endpoints = require "beeper.endpoints"
local path = require "beeper.path"

local M = {}

local json = require("cjson").new()
local format = string.format

-- Wire fields that are not strings.
local FIELD_TYPE = { fields = "table", acceptTerms = "boolean" }

local OPTION = { timeout = "number", connect_timeout = "number", deadline = "number",
                 max_retries = "number", headers = "table" }
-- Smallest value of each numeric option; math.huge means no limit.
local OPTION_MIN = { timeout = 0.001, connect_timeout = 0.001, deadline = 0, max_retries = 0 }

-- Precomputes ids and accepted parameter names once per endpoint.
local function describe(ep)
  local pieces, ids = path.compile(ep[3])
  local d = { name = ep[1], method = ep[2], template = ep[3], pieces = pieces, ids = ids, nids = #ids,
              auth = ep.auth ~= false, empty_ok = ep.empty_ok, body = ep.body,
              required = ep.required or {} }
  if ep.body then
    d.accepts, d.want, d.wires = {}, {}, {}
    for lua_name, wire in pairs(ep.body) do
      d.accepts[lua_name], d.accepts[wire] = wire, wire
      d.want[wire] = FIELD_TYPE[wire] or "string"
      d.wires[#d.wires + 1] = wire
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
  -- The table encoded last time, emptied: taken, so that a nested call
  -- (a __pairs that calls the API) makes its own, and given back after.
  local out, accepts, want = d.out or {}, d.accepts, d.want
  d.out = nil
  for k, v in pairs(params) do
    local wire = accepts[k]
    if not wire then
      error(format("beeper: %s: unknown parameter '%s'", d.name, tostring(k)), 4)
    end
    if type(v) ~= want[wire] then
      error(format("beeper: %s: %s must be a %s, got %s", d.name, k, want[wire], type(v)), 4)
    end
    if wire == "fields" then check_fields(d, v) end
    out[wire] = v
  end
  local required = d.required
  for i = 1, #required do
    if out[d.body[required[i]]] == nil then
      error(format("beeper: %s: missing required parameter '%s'", d.name, required[i]), 4)
    end
  end
  local body, wires = json.encode(out), d.wires
  for i = 1, #wires do out[wires[i]] = nil end
  d.out = out
  return body
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
    elseif OPTION_MIN[k] and (v ~= v or v < OPTION_MIN[k]) then -- v ~= v: NaN
      error(format("beeper: %s: option %s must be a number >= %s", d.name, k, OPTION_MIN[k]), 4)
    end
  end
  return opts
end

-- Parses (ids..., [params], [options], [callback]) into a call description.
-- Written without a table of the arguments: this runs on every request.
local check_id, encode, encoded = path.check_id, path.encode, path.encoded

local function prepare(d, ...)
  local n = select("#", ...)
  local callback
  if n > 0 then
    local last
    if n == 1 then last = ... else last = select(n, ...) end
    -- A plain options table is never callable; a spy or callable object is.
    local t = type(last)
    if t == "function" or ((t == "table" or t == "userdata") and getmetatable(last) ~= nil and callable(last)) then
      callback, n = last, n - 1
    end
  end
  local nids, pieces, p = d.nids, d.pieces, d.template
  if nids == 1 then
    local a = n >= 1 and (...) or nil
    p = pieces[1] .. (encoded[a] or encode(check_id(a, d.ids[1], 3))) .. pieces[2]
  elseif nids == 2 then
    local a, b = ...
    if n < 2 then b = nil; if n < 1 then a = nil end end
    -- encoded[id]: an id seen before, so already checked
    p = pieces[1] .. (encoded[a] or encode(check_id(a, d.ids[1], 3))) .. pieces[2]
      .. (encoded[b] or encode(check_id(b, d.ids[2], 3))) .. pieces[3]
  elseif nids > 2 then
    local ids = {}
    for i, name in ipairs(d.ids) do ids[i] = check_id(i <= n and (select(i, ...)) or nil, name, 3) end
    p = path.expand(pieces, ids)
  end
  local k = nids + 1
  local body
  if d.body then
    local params
    if k == 1 then params = ... elseif k <= n then params = (select(k, ...)) end
    body = encode_body(d, n >= 1 and params or nil)
    k = k + 1
  end
  local opts = k <= n and (select(k, ...)) or nil
  if opts ~= nil then opts = check_options(d, opts) end
  -- A blocking call gives its table back when done (Client:send), and the
  -- next call of this endpoint takes it rather than make one; taken, so a
  -- call made meanwhile (from a logger, say) makes its own.
  local call = d.spare
  if call then
    d.spare = nil
  else
    call = { name = d.name, method = d.method, auth = d.auth, empty_ok = d.empty_ok, spare_of = d }
  end
  call.path, call.body, call.opts = p, body, opts
  return call, callback
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
