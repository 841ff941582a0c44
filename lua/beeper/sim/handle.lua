-- The test-side handle of a simulator running in a child process; talks to
-- its /_sim/ control plane with LuaSocket's http client.
local http = require "socket.http"
local ltn12 = require "ltn12"
local cjson = require("cjson").new()

local M = {}

local Handle = {}
Handle.__index = Handle

local function interpreter()
  local env = os.getenv("BEEPER_SIM_LUA")
  if env and env ~= "" then return env end
  if jit then return "luajit" end
  return "lua" .. _VERSION:match("%d+%.%d+")
end

local function quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

function M.start(opts, defaults)
  local token = opts.token or defaults.token
  local code = string.format("package.path=%q package.cpath=%q require('beeper.sim').serve{port=%d,token=%q,qr_polls=%d,idle_exit=%d}",
    package.path, package.cpath, opts.port or 0, token, opts.qr_polls or defaults.qr_polls, opts.idle_exit or 900)
  local pipe = assert(io.popen((opts.lua or interpreter()) .. " -e " .. quote(code), "r"))
  local line = pipe:read("*l")
  local url = line and line:match("^BEEPER_SIM_LISTENING (%S+)")
  if not url then
    pipe:close()
    error("beeper.sim: the simulator did not start (" .. tostring(line) .. ")", 2)
  end
  return setmetatable({ url = url, token = token, pipe = pipe }, Handle)
end

-- One control request; returns the decoded answer.
function Handle:call(method, what, body)
  local out = {}
  local payload = body ~= nil and cjson.encode(body) or ""
  local _, status = http.request {
    url = self.url .. "/_sim/" .. what, method = method,
    source = ltn12.source.string(payload), sink = ltn12.sink.table(out),
    headers = { ["content-length"] = #payload, ["content-type"] = "application/json" },
  }
  if status ~= 200 then error("beeper.sim: " .. what .. " failed: " .. tostring(status), 3) end
  return cjson.decode(table.concat(out))
end

function Handle:fault(f) return self:call("POST", "faults", f) end
function Handle:clear_faults() return self:call("DELETE", "faults") end
function Handle:reset() return self:call("POST", "reset") end
function Handle:requests() return self:call("GET", "requests") end
function Handle:clear_requests() return self:call("DELETE", "requests") end
function Handle:config(c) return self:call("POST", "config", c) end
function Handle:state() return self:call("GET", "state") end

-- Stops the child process; safe to call twice.
function Handle:stop()
  if not self.pipe then return end
  pcall(self.call, self, "POST", "shutdown")
  self.pipe:close()
  self.pipe = nil
end

return M
