--- The test-side handle of a simulator running in a child process. It talks
-- to the /_sim/ control plane with beeper's own C core, never LuaSocket:
-- LuaSocket's socket_connect collides with a symbol the nvim binary exports,
-- and tests inside Neovim must be able to use the simulator too.
-- The child runs in the background with its output in a temporary file, so
-- no pipe ties the exit of this process to the child's (pclose would wait for
-- it); the child watches this process and stops when it is gone, and a handle
-- that is collected or closed with the Lua state kills its child.
local core = require "beeper.core"
local proc = require "beeper.sim.proc"
local cjson = require("cjson").new()

local M = {}

local Handle = {}
Handle.__index = Handle

local HEADERS = { "Content-Type: application/json", "Accept: application/json" }
local START_LIMIT, STOP_LIMIT = 10, 2 -- seconds
-- Without /proc (not Linux) nothing can be checked: signal blindly, never wait.
local HAVE_PROC = proc.available()

local function running(life)
  return HAVE_PROC and proc.alive(life.pid, life.born)
end

local function interpreter()
  local env = os.getenv("BEEPER_SIM_LUA")
  if env and env ~= "" then return env end
  if jit then return "luajit" end
  return "lua" .. _VERSION:match("%d+%.%d+")
end

local quote, read_file = proc.quote, proc.read_file

-- Signals the child unless its pid now belongs to another process.
local function kill(life, signal)
  if running(life) or not HAVE_PROC then
    os.execute("kill -" .. signal .. " " .. life.pid .. " 2>/dev/null")
  end
end

-- Waits up to `seconds` for the child to finish; true when it did.
local function wait_exit(life, seconds)
  local deadline = core.now() + seconds
  while running(life) do
    if core.now() > deadline then return false end
    core.sleep(0.005)
  end
  return true
end

-- Ends the child and waits for it: gracefully when it was asked to shut
-- down, else with signals.
local function finish(life, graceful)
  if life.done then return end
  life.done = true
  if not (graceful and wait_exit(life, STOP_LIMIT)) then
    kill(life, "TERM")
    if not wait_exit(life, STOP_LIMIT) then kill(life, "KILL") end
  end
  os.remove(life.log)
end

-- The finaliser's part: no waiting, and nothing from beeper.core, which
-- lua_close may already have unloaded.
local function abandon(life)
  if life.done then return end
  life.done = true
  kill(life, "TERM")
  os.remove(life.log)
end

-- Something whose finaliser runs when the handle is collected or the state
-- closes: a userdata on 5.1 and LuaJIT, where tables have no __gc.
local function sentinel(fn)
  if newproxy then
    local p = newproxy(true)
    getmetatable(p).__gc = fn
    return p
  end
  return setmetatable({}, { __gc = fn })
end

-- Starts the child in the background and waits for its listening line.
local function spawn(lua, code)
  local log = os.tmpname()
  -- $PPID is this process: the shell's parent. $! is the child's pid.
  local p = assert(io.popen("BEEPER_SIM_PARENT=$PPID " .. lua .. " -e " .. quote(code)
    .. " >" .. quote(log) .. " 2>&1 </dev/null & echo $!", "r"))
  local pid = tonumber(p:read("*l"))
  p:close()
  if not pid then
    os.remove(log)
    error("beeper.sim: could not start " .. lua, 3)
  end
  local _, born = proc.stat(pid)
  local life = { pid = pid, born = born, log = log }
  local deadline = core.now() + START_LIMIT
  while true do
    local out = read_file(log)
    local url = out:match("BEEPER_SIM_LISTENING (%S+)\n")
    if url then return url, life end
    local gone = HAVE_PROC and not running(life)
    if gone or core.now() > deadline then
      finish(life, false)
      error("beeper.sim: the simulator did not start" .. (gone and "" or " in time")
        .. " (" .. out:gsub("%s+$", "") .. ")", 3)
    end
    core.sleep(0.002)
  end
end

function M.start(opts, defaults)
  local token = opts.token or defaults.token
  local code = string.format("package.path=%q package.cpath=%q require('beeper.sim.server').serve{port=%d,token=%q,qr_polls=%d,idle_exit=%d,version=%s,parent=tonumber(os.getenv('BEEPER_SIM_PARENT'))}",
    package.path, package.cpath, opts.port or 0, token, opts.qr_polls or defaults.qr_polls, opts.idle_exit or 900,
    opts.version and string.format("%q", opts.version) or "nil")
  local url, life = spawn(opts.lua or interpreter(), code)
  return setmetatable({ url = url, token = token, pid = life.pid, life = life,
    sentinel = sentinel(function() abandon(life) end) }, Handle)
end

-- One blocking control request; returns the decoded answer.
function Handle:call(method, what, body, timeout_ms)
  if self.life.done then error("beeper.sim: " .. what .. ": the simulator was stopped", 3) end
  self.core = self.core or core.client { max_body = 256 * 1024 * 1024 }
  local id, err = self.core:start(method, self.url .. "/_sim/" .. what, HEADERS,
    body ~= nil and cjson.encode(body) or nil, timeout_ms or 30000, 5000)
  local status, value, decode_err
  if id then status, value, decode_err = self.core:run(id) else value = err end
  if status ~= 200 or decode_err then
    local out = read_file(self.life.log):gsub("%s+$", "")
    error("beeper.sim: " .. what .. " failed: " .. tostring(status or value) .. " "
      .. tostring(decode_err or "") .. (out ~= "" and " (simulator output: " .. out .. ")" or ""), 3)
  end
  return value
end

---@class beeper.SimHandle
---@field url string
---@field token string
---@field pid integer

---@class beeper.SimFault
---@field method string?
---@field path string? a Lua pattern
---@field times integer? requests it applies to (default 1; 0: for ever)
---@field status integer? answer this instead of the simulator
---@field headers table<string, string>?
---@field body string?
---@field json any?
---@field delay number? seconds before answering
---@field handle boolean? with status: let the simulator handle it too
---@field close boolean? drop the connection
---@field partial boolean? half the body, shorter than its Content-Length
---@field reset boolean? half the body, then a TCP reset
---@field trickle number? bytes per second
---@field hang boolean? never answer
---@field after ("close"|"reset"|"hang")? handle the request, then misbehave
---@field drop_after_store boolean? the same as after = "close"

--- Queues a fault for the next matching request(s).
---@param f beeper.SimFault
---@return {queued: integer}
function Handle:fault(f) return self:call("POST", "faults", f) end
--- Removes the queued faults.
---@return table
function Handle:clear_faults() return self:call("DELETE", "faults") end
--- Back to the seed data, no faults, an empty request log.
---@return table
function Handle:reset() return self:call("POST", "reset") end
--- The requests seen since the start or the last reset.
---@return {method: string, path: string, headers: table<string, string>, body: string}[]
function Handle:requests() return self:call("GET", "requests") end
--- Empties the request log.
---@return table
function Handle:clear_requests() return self:call("DELETE", "requests") end
--- Changes the configuration while it runs: token, qr_polls, version, verify...
---@param c table
---@return table config the whole configuration now
function Handle:config(c) return self:call("POST", "config", c) end
--- Its whole state, for assertions.
---@return table
function Handle:state() return self:call("GET", "state") end
--- A message from someone else arrives: {chatID, text, senderID?}.
---@param m {chatID: string, text: string, senderID: string?}
---@return table message
function Handle:incoming(m) return self:call("POST", "incoming", m) end
--- A patterned asset of {size} bytes (byte i = (i % 257) % 256): {url, size}.
---@param a {size: integer}
---@return {url: string, size: integer}
function Handle:asset(a) return self:call("POST", "assets", a) end

--- Stops the child process and waits until it has gone; safe to call twice.
---@return nil
function Handle:stop()
  if self.life.done then return end
  local asked = pcall(self.call, self, "POST", "shutdown", nil, 2000)
  if self.core then self.core:close() end
  finish(self.life, asked)
end

return M
