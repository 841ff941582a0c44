-- The simulator itself, on LuaSocket: the control plane, faults and the
-- request log around beeper.sim.state, served by beeper.sim.http. Runs in the
-- simulator's own process only (see beeper.sim for the API).
local http = require "beeper.sim.http"
local state = require "beeper.sim.state"
local proc = require "beeper.sim.proc"
local cjson = require("cjson").new()

local M = {}

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

local function json_response(status, value, headers)
  headers = headers or {}
  if value == nil then return { status = status, headers = headers, body = "" } end
  headers["Content-Type"] = "application/json"
  return { status = status, headers = headers, body = state.encode(value) }
end

local Sim = {}
Sim.__index = Sim

function Sim:reset()
  self.config = { token = self.defaults.token, qr_polls = self.defaults.qr_polls, port = self.port }
  self.state = state.new(self.config)
  self.faults = {}
  self.log = {}
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
  if what == "faults" and m == "POST" then
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
    return json_response(200, self.config)
  elseif what == "state" and m == "GET" then
    return json_response(200, self.state:dump())
  elseif what == "shutdown" and m == "POST" then
    self.server:after(0.05, function() self.server:stop() end)
    return json_response(200, { bye = true }, { Connection = "close" })
  end
  return json_response(404, { code = "NOT_FOUND", message = "no such control" })
end

-- One request in, one response (or a misbehaviour) out.
function Sim:handle(req, respond)
  local path = req.target:match("^[^?#]*")
  if path:sub(1, 6) == "/_sim/" then return respond(self:control(req, path)) end
  self.log[#self.log + 1] = { method = req.method, path = req.target, headers = req.headers, body = req.body }
  local fault = self:take_fault(req.method, path)
  local res
  if fault and fault.status then
    local body = fault.body or (fault.json ~= nil and state.encode(fault.json)) or ""
    res = { status = fault.status, headers = fault.headers or {}, body = body }
    if fault.json ~= nil and not (fault.headers and fault.headers["Content-Type"]) then
      res.headers["Content-Type"] = "application/json"
    end
  else
    local status, value, headers = self.state:handle {
      method = req.method, path = path, segments = split_path(path), headers = req.headers, body = req.body }
    res = json_response(status, value, headers)
  end
  if fault then
    if fault.hang then return end -- never answer
    res.misbehave = { close = fault.close, partial = fault.partial, reset = fault.reset,
                      trickle = fault.trickle }
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
  local server = http.new(opts.host or "127.0.0.1", opts.port or 0)
  local self = setmetatable({ server = server, port = server.port,
    defaults = { token = assert(opts.token), qr_polls = assert(opts.qr_polls) } }, Sim)
  self:reset()
  io.stdout:write("BEEPER_SIM_LISTENING http://", opts.host or "127.0.0.1", ":", server.port, "\n")
  io.stdout:flush()
  if opts.parent then watch(server, opts.parent) end
  server:run(function(req, respond) self:handle(req, respond) end, opts.idle_exit)
end

return M
