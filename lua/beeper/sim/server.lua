-- The simulator itself, on LuaSocket: the control plane, faults and the
-- request log around beeper.sim.state, served by beeper.sim.http. Runs in the
-- simulator's own process only (see beeper.sim for the API).
local http = require "beeper.sim.http"
local state = require "beeper.sim.state"
local proc = require "beeper.sim.proc"
local ws = require "beeper.sim.ws"
local cjson = require("cjson").new()

local M = {}

M.VERSION = "4.2.880"

local function percent_decode(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

local function split_path(path)
  local seg = {}
  for part in (path .. "/"):gmatch("([^/]*)/") do
    if part ~= "" or #seg > 0 then seg[#seg + 1] = percent_decode(part) end
  end
  if seg[#seg] == "" then seg[#seg] = nil end
  return seg
end

-- raw: a body to send as it is (binary), instead of value as JSON.
local function json_response(status, value, headers, raw)
  headers = headers or {}
  if raw then return { status = status, headers = headers, body = raw } end
  if value == nil then return { status = status, headers = headers, body = "" } end
  headers["Content-Type"] = "application/json"
  return { status = status, headers = headers, body = state.encode(value) }
end

local Sim = {}
Sim.__index = Sim

function Sim:reset()
  self.config = { token = self.defaults.token, qr_polls = self.defaults.qr_polls, port = self.port,
    version = self.defaults.version }
  self.state = state.new(self.config)
  self.server.headers["X-Beeper-Desktop-Version"] = self.config.version
  self.faults = {}
  self.log = {}
  -- REST calls publish live events to the /v1/ws subscribers.
  self.ws = self.ws or ws.new(self.server)
  self.state.desktop.publish = function(ev) self.ws:publish(ev) end
end

-- The first queued fault that matches, used up by one request.
function Sim:take_fault(method, path)
  for i, f in ipairs(self.faults) do
    if (f.method == nil or f.method == method) and (f.path == nil or path:match(f.path)) then
      local times = f.times or 1
      if times > 0 then
        if times == 1 then table.remove(self.faults, i) else f.times = times - 1 end
      end
      return f
    end
  end
end

function Sim:control(req, path)
  local what, m = path:sub(7), req.method
  local ok, body = true, {}
  if req.body ~= "" then ok, body = pcall(cjson.decode, req.body) end
  if not ok or type(body) ~= "table" then return json_response(400, { code = "INVALID_JSON", message = "bad body" }) end
  if what == "faults" and m == "POST" and body.ws and body.ws ~= "bad_accept" then
    -- A live-event fault acts now on the open /v1/ws connections.
    return json_response(200, { applied = self.ws:fault(body) })
  elseif what == "faults" and m == "POST" then
    self.faults[#self.faults + 1] = body
    return json_response(200, { queued = #self.faults })
  elseif what == "faults" and m == "DELETE" then
    self.faults = {}
    return json_response(200, { cleared = true })
  elseif what == "reset" and m == "POST" then
    self:reset()
    return json_response(200, { reset = true })
  elseif what == "requests" and m == "GET" then
    return { status = 200, headers = { ["Content-Type"] = "application/json" },
      body = #self.log == 0 and "[]" or cjson.encode(self.log) }
  elseif what == "requests" and m == "DELETE" then
    self.log = {}
    return json_response(200, { cleared = true })
  elseif what == "config" and m == "POST" then
    for k, v in pairs(body) do self.config[k] = v end
    self.server.headers["X-Beeper-Desktop-Version"] = tostring(self.config.version)
    return json_response(200, self.config)
  elseif what == "state" and m == "GET" then
    return json_response(200, self.state:dump())
  elseif what == "incoming" and m == "POST" then
    local msg, why = self.state.desktop:incoming(body)
    if not msg then return json_response(404, { code = "NOT_FOUND", message = why }) end
    return json_response(200, msg)
  elseif what == "assets" and m == "POST" then
    local asset, why = self.state.desktop:make_asset(body)
    if not asset then return json_response(400, { code = "INVALID", message = why }) end
    return json_response(200, asset)
  elseif what == "shutdown" and m == "POST" then
    self.server:after(0.05, function() self.server:stop() end)
    return json_response(200, { bye = true }, { Connection = "close" })
  end
  return json_response(404, { code = "NOT_FOUND", message = "no such control" })
end

-- The request as the log keeps it: a form or a large body is summarised
-- (the log is JSON, and must stay valid UTF-8 and small).
local LOG_BODY_MAX = 1024 * 1024

local function log_entry(req)
  local entry = { method = req.method, path = req.target, headers = req.headers, body = req.body }
  local ctype = (req.headers["content-type"] or ""):lower()
  if ctype:match("^%s*multipart/") or #req.body > LOG_BODY_MAX then
    entry.body = "<" .. #req.body .. " bytes of " .. (ctype ~= "" and ctype or "body") .. ">"
    entry.body_size = #req.body
  end
  return entry
end

-- One request in, one response (or a misbehaviour) out.
-- The simulator handles the request (its changes kept) unless a fault
-- answers with its own status; handle = true makes it handle that one too.
-- after = "close" (or drop_after_store) drops the connection with no
-- answer, "reset" resets it, "hang" never answers.
function Sim:handle(req, respond)
  local path = req.target:match("^[^?#]*")
  if path:sub(1, 6) == "/_sim/" then return respond(self:control(req, path)) end
  self.log[#self.log + 1] = log_entry(req)
  local fault = self:take_fault(req.method, path)
  if path == "/v1/ws" and req.method == "GET" and not (fault and fault.status) then
    if fault and (fault.hang or fault.after == "hang") then return end -- never answer the upgrade
    local res = self.ws:upgrade(req, self.config.token, fault)
    if res == false then
      return respond(json_response(401, { code = "UNAUTHORIZED", message = "missing or wrong access token" }))
    end
    if res then return respond(res) end
    return respond(json_response(400, { code = "NOT_A_WEBSOCKET", message = "send a WebSocket upgrade" }))
  end
  local after = fault and (fault.after or (fault.drop_after_store and "close"))
  local res
  if not fault or after or fault.handle or not fault.status then
    -- A bug in a handler is a 500 for that request, not a dead simulator.
    local ok, status, value, headers, raw = xpcall(function()
      return self.state:handle { method = req.method, path = path, query = req.target:match("%?([^#]*)"),
        segments = split_path(path), headers = req.headers, body = req.body }
    end, debug.traceback)
    if not ok then
      io.stderr:write("beeper.sim: ", tostring(status), "\n")
      status, value = 500, { code = "SIMULATOR_ERROR", message = tostring(status):match("^[^\n]*") }
    end
    res = json_response(status, value, headers, raw)
  end
  if fault and fault.status then
    local body = fault.body or (fault.json ~= nil and state.encode(fault.json)) or ""
    res = { status = fault.status, headers = fault.headers or {}, body = body }
    if fault.json ~= nil and not (fault.headers and fault.headers["Content-Type"]) then
      res.headers["Content-Type"] = "application/json"
    end
  end
  if fault then
    if fault.hang or after == "hang" then return end -- never answer
    res.misbehave = { close = fault.close or after == "close", partial = fault.partial,
                      reset = fault.reset or after == "reset", trickle = fault.trickle }
    if after == "reset" then res.body = "" end
    if fault.delay then return self.server:after(fault.delay, function() respond(res) end) end
  end
  respond(res)
end

-- Stops the server once the process `pid` has gone, looking every second:
-- a test that dies without stop() must not leave its simulator behind.
local function watch(server, pid)
  if not proc.available() then return end -- no /proc: idle_exit must do
  local _, born = proc.stat(pid)
  local function check()
    if proc.alive(pid, born) then return server:after(1, check) end
    server:stop()
  end
  check()
end

-- Runs the simulator here until POST /_sim/shutdown (or idle_exit seconds
-- without traffic, or until the process opts.parent is gone). Prints
-- "BEEPER_SIM_LISTENING <url>" once listening.
function M.serve(opts)
  local version = opts.version or M.VERSION
  -- Every answer carries the app version, errors and faults included.
  local server = http.new(opts.host or "127.0.0.1", opts.port or 0, { ["X-Beeper-Desktop-Version"] = version })
  local self = setmetatable({ server = server, port = server.port,
    defaults = { token = assert(opts.token), qr_polls = assert(opts.qr_polls), version = version } }, Sim)
  self:reset()
  io.stdout:write("BEEPER_SIM_LISTENING http://", opts.host or "127.0.0.1", ":", server.port, "\n")
  if opts.announce then opts.announce("http://" .. (opts.host or "127.0.0.1") .. ":" .. server.port) end
  io.stdout:flush()
  if opts.parent then watch(server, opts.parent) end
  server:run(function(req, respond) self:handle(req, respond) end, opts.idle_exit)
end

return M
