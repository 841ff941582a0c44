-- Builds the public call tree (client.bridges.login_sessions.create, ...)
-- from beeper.endpoints, checking arguments the way a programmer expects:
-- a wrong type or a missing id raises; anything the server does is returned.
local callable = require "beeper.transport.callable"
local endpoints = require "beeper.endpoints"
local pages = require "beeper.api.pages"
local params = require "beeper.api.params"
local path = require "beeper.api.path"

local M = {}

local json = require("cjson").new()
local format = string.format
local TYPES, check_value, query_string = endpoints.TYPES, params.check, params.query

local OPTION = { timeout = "number", connect_timeout = "number", deadline = "number",
                 max_retries = "number", headers = "table", output = "string",
                 retry_unsafe = "boolean" }
-- Smallest value of each numeric option; math.huge means no limit.
local OPTION_MIN = { timeout = 0.001, connect_timeout = 0.001, deadline = 0, max_retries = 0 }

-- Precomputes ids and accepted parameter names once per endpoint.
local function describe(ep)
  local pieces, ids = path.compile(ep[3])
  local names = ep.body or ep.query
  local d = { name = ep[1], method = ep[2], template = ep[3], pieces = pieces, ids = ids, nids = #ids,
              auth = ep.auth ~= false, empty_ok = ep.empty_ok, names = names, query = ep.query ~= nil,
              required = ep.required or {}, raw = ep.raw, upload = ep.upload, once = ep.once,
              paged = ep.paged }
  if names then
    d.accepts, d.want, d.wires = {}, {}, {}
    for lua_name, wire in pairs(names) do
      d.accepts[lua_name], d.accepts[wire] = wire, wire
      d.want[wire] = TYPES[wire] or "string"
      d.wires[#d.wires + 1] = wire
    end
    -- The parameter that makes a non-idempotent call safe to retry.
    if type(ep.once) == "string" then d.safe_with = names[ep.once] end
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

-- Simple types are checked here; lists, integers and nulls by beeper.params.
local PLAIN = { string = true, boolean = true, table = true }

-- Checks the caller's parameters into the endpoint's wire table (reused
-- between calls: taken, so that a nested call makes its own). Returns it;
-- the caller encodes it and gives it back with release_params.
local function collect(d, values)
  if values == nil then values = {} end
  if type(values) ~= "table" then
    error(format("beeper: %s: parameters must be a table, got %s", d.name, type(values)), 4)
  end
  local out, accepts, want = d.out or {}, d.accepts, d.want
  d.out = nil
  for k, v in pairs(values) do
    local wire = accepts[k]
    if not wire then
      error(format("beeper: %s: unknown parameter '%s'", d.name, tostring(k)), 4)
    end
    local w = want[wire]
    if not (PLAIN[w] and type(v) == w) then check_value(d, k, w, v, not d.query) end
    if wire == "fields" then check_fields(d, v) end
    out[wire] = v
  end
  local required = d.required
  for i = 1, #required do
    if out[d.names[required[i]]] == nil then
      error(format("beeper: %s: missing required parameter '%s'", d.name, required[i]), 4)
    end
  end
  return out
end

local function release_params(d, out)
  local wires = out and d.wires
  if not wires then return end
  for i = 1, #wires do out[wires[i]] = nil end
  d.out = out
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
    elseif k == "output" and not d.raw then
      error(format("beeper: %s: option output is only for calls that answer with bytes", d.name), 4)
    end
  end
  return opts
end

-- The tables a call can be reached from (tree nodes, clients, the module):
-- one of them as the first argument means a colon was used where a dot
-- belongs, client.bridges:list(); weak so that clients can be collected.
local nodes = setmetatable({}, { __mode = "k" })
M.nodes = nodes

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
  local body, upload, once = nil, nil, d.once
  if d.names then
    local given
    if k == 1 then given = ... elseif k <= n then given = (select(k, ...)) end
    local values = collect(d, n >= 1 and given or nil)
    if d.query then
      p = p .. query_string(values)
    elseif d.upload then
      upload = {} -- the client builds the multipart body from these
      for wire, v in pairs(values) do upload[wire] = v end
    else
      body = json.encode(values)
    end
    if d.safe_with and values[d.safe_with] ~= nil then once = false end
    release_params(d, values)
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
    call = { name = d.name, method = d.method, auth = d.auth, empty_ok = d.empty_ok, raw = d.raw,
             upload_field = d.upload, spare_of = d }
  end
  call.path, call.body, call.opts, call.upload, call.once = p, body, opts, upload, once and true or nil
  return call, callback
end

-- The call description of a request the fast path (beeper.core.fast_call)
-- already made: what prepare would have returned for it.
function M.call_of(d, p, body, once)
  return { name = d.name, method = d.method, auth = d.auth, empty_ok = d.empty_ok, path = p, body = body,
           once = once or nil }
end

-- What fast_call returns for a call it leaves to the Lua path.
local SKIP = setmetatable({}, { __tostring = function() return "beeper: fast path skipped" end })

-- The data beeper.core.fast_call needs to make this endpoint's common
-- blocking call in C, or nil for the endpoints it does not make (bytes,
-- uploads, more than two ids). The client adds its own part (client.lua).
function M.fast_spec(d)
  if d.raw or d.upload or d.nids > 2 then return nil end
  local spec = { method = d.method, nids = d.nids, pieces = d.pieces, names = d.names ~= nil,
                 body = d.names ~= nil and not d.query, once = d.once and true or false, empty_ok = d.empty_ok,
                 safe_with = d.safe_with, plain = {}, types = {}, required = {},
                 header_key = (d.auth and 2 or 0) + ((d.names and not d.query) and 1 or 0),
                 encode = json.encode, nodes = nodes, encoded = path.encoded, skip = SKIP }
  for name, wire in pairs(d.accepts or {}) do
    local want = d.want[wire]
    -- fields needs check_fields; lists, integers and nulls need beeper.params
    if PLAIN[want] and wire ~= "fields" then spec.plain[name], spec.types[name] = wire, want end
  end
  for i, name in ipairs(d.required) do spec.required[i] = d.names[name] end
  return spec
end

local function colon_misuse(name)
  local where = name:match("^(.*)%.[^.]+$")
  error(format("beeper: %s called with a colon: write client.%s(...), not client%s:%s(...)",
    name, name, where and ("." .. where) or "", name:match("[^.]+$")), 3)
end

-- The tree of one client, or with get_client() the client a call runs on
-- (the default client is only made on its first call).
function M.tree(client, get_client)
  local root = {}
  nodes[root] = true
  for _, ep in ipairs(endpoints) do
    local d = describe(ep)
    local node, last = root, nil
    for part in d.name:gmatch("[^.]+") do
      if last then
        if not node[last] then node[last] = {}; nodes[node[last]] = true end
        node = node[last]
      end
      last = part
    end
    local fn
    if client then -- one call less per request: this is every request's path
      -- The C fast path, made once the client has its core (the first call
      -- loads libcurl): false when this endpoint has none.
      local fast
      fn = function(...)
        if fast then
          local r, err = fast(...)
          if r ~= SKIP then return r, err end
        elseif fast == nil and client._core then
          fast = client:fast_path(d) or false
        end
        if nodes[(...)] then colon_misuse(d.name) end
        local call, callback = prepare(d, ...)
        return client:send(call, callback)
      end
    else
      fn = function(...)
        if nodes[(...)] then colon_misuse(d.name) end
        local call, callback = prepare(d, ...)
        return get_client():send(call, callback)
      end
    end
    node[last] = fn
    if d.paged then pages.registry[fn] = { field = d.paged, nids = d.nids } end
  end
  root.app.login = root.app.setup -- the older name of the same calls
  return root
end

return M
