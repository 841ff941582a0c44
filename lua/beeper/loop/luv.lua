-- Standalone luv (and the base of the Neovim adapter).
-- No handle is ever closed. A handle closed by uv_close stays pending until
-- the loop runs once more; when the program ends first, luv's loop gc runs
-- that close callback inside lua_close and crashes (luv 1.44). So timers are
-- stopped and reused from a free list shared by all clients of one uv, and
-- luv's loop gc closes them at exit. Their number is the most timers ever
-- running at once, not the number of requests or clients.
-- Everything the adapter calls runs protected: an error escaping a luv
-- callback makes luv exit the process.
local report = require("beeper.loop").report

local M = {}

local shared = {} -- uv module -> { free = stopped timers, queue = deferred calls, kick = timer }

local function state(uv)
  local s = shared[uv]
  if s == nil then
    s = { free = {}, queue = {} }
    shared[uv] = s
  end
  return s
end

local function stderr_report(message)
  io.stderr:write(message, "\n")
end

-- Loads luv outside any coroutine: required first inside one, it would bind
-- itself to that coroutine (SIGSEGV on 5.3/5.4, "cannot resume running
-- coroutine" on 5.1/LuaJIT).
local function load_luv()
  if package.loaded.luv then return package.loaded.luv end
  local co, main = coroutine.running()
  if co ~= nil and not main then
    error("beeper: luv must be loaded outside a coroutine: call beeper.new{ loop = \"luv\" }"
      .. " or require \"luv\" before beeper.async, poll, connect or sign_in", 0)
  end
  return require "luv"
end
M.load = load_luv

function M.new(uv, deliver, host_report)
  uv = uv or load_luv()
  local s = state(uv)
  local adapter = { name = "luv", report = host_report or stderr_report }

  local function call(fn)
    local ok, err = pcall(fn)
    if not ok then report(adapter, "beeper: error in a loop callback: " .. tostring(err)) end
  end

  -- A timer handle is a token: stopping one that already fired, whose uv
  -- timer now serves someone else, must do nothing.
  function adapter.start_timer(ms, fn)
    local t = table.remove(s.free) or uv.new_timer()
    local token = { t = t }
    t:start(ms, 0, function()
      if token.t ~= t then return end
      token.t = nil
      s.free[#s.free + 1] = t
      call(fn)
    end)
    return token
  end

  function adapter.stop_timer(token)
    local t = token.t
    if t then
      token.t = nil
      t:stop()
      s.free[#s.free + 1] = t
    end
  end

  -- Deferred calls: one queue per uv, run by one timer at 0 ms.
  local function run_queue()
    local q = s.queue
    s.queue = {}
    for i = 1, #q do call(q[i]) end
  end
  adapter.defer = deliver or function(fn)
    local q = s.queue
    q[#q + 1] = fn
    if #q == 1 then
      s.kick = s.kick or uv.new_timer()
      s.kick:start(0, 0, run_queue)
    end
  end
  return adapter
end

return M
