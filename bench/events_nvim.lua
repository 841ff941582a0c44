-- Runs inside `nvim --headless -u NONE -i NONE -n -c 'luafile bench/events_nvim.lua'`
-- from the repository root, for bench/events.lua. Environment: BENCH_URL,
-- BENCH_N, BENCH_MODE, BENCH_OUT (where the result line goes).
--   blocking   N gets one after another, blocking the editor
--   callback   N gets with callbacks (socket events; vim.schedule), each
--              started from the previous one's callback: "n wall cpu"
--   wakeups    one request the server answers after about 3 s, then 3 s
--              idle: "in_flight idle" voluntary context switches of the
--              editor's main thread
--   idle       one request, then N seconds idle: "wakeups cpu_ms"
package.path = "./?.lua;./lua/?.lua;./lua/?/init.lua;" .. package.path
package.cpath = "./build/jit/?.so;" .. package.cpath
local uv = vim.uv or vim.loop
local lib = require "bench.lib"
local beeper = require "beeper"

local base, n, mode = os.getenv("BENCH_URL"), tonumber(os.getenv("BENCH_N")), os.getenv("BENCH_MODE")
local client = beeper.new { base_url = base, access_token = os.getenv("BENCH_TOKEN") or "bench-token",
                            max_retries = 0 }
local sessions = client.bridges.login_sessions

local function finish(line)
  local f = assert(io.open(os.getenv("BENCH_OUT"), "w"))
  f:write(line, "\n")
  f:close()
  vim.cmd("qall!")
end

local function check(r, err)
  if not r then
    finish("error " .. tostring(err))
    error(tostring(err))
  end
  return r
end

local pid = vim.fn.getpid()
local function switches() return lib.switches(pid) end

-- Waits ms on a uv timer, then calls fn on the main loop.
local function after(ms, fn)
  local t = uv.new_timer()
  t:start(ms, 0, function()
    t:close()
    vim.schedule(fn)
  end)
end

local modes = {}

function modes.blocking()
  check(sessions.get(lib.BRIDGE, lib.SESSION))
  local w0, c0 = uv.hrtime(), os.clock()
  for _ = 1, n do check(sessions.get(lib.BRIDGE, lib.SESSION)) end
  finish(string.format("%d %.6f %.6f", n, (uv.hrtime() - w0) / 1e9, os.clock() - c0))
end

function modes.callback()
  lib.chain(n, function(next_one)
    sessions.get(lib.BRIDGE, lib.SESSION, function(err, r)
      check(r, err)
      next_one()
    end)
  end, function(k, wall, cpu) finish(string.format("%d %.6f %.6f", k, wall, cpu)) end,
  function() return uv.hrtime() / 1e9 end, os.clock)
end

function modes.wakeups()
  local s0 = switches()
  client.bridges.list(function(err, l)
    check(l, err)
    local in_flight = switches() - s0
    local s1 = switches()
    after(3000, function() finish(string.format("%d %d", in_flight, switches() - s1)) end)
  end)
end

function modes.idle()
  sessions.get(lib.BRIDGE, lib.SESSION, function(err, r)
    check(r, err)
    local s0, c0 = switches(), os.clock()
    -- The timer that ends the wait is one wake-up of its own.
    after(n * 1000, function()
      finish(string.format("%d %.3f", switches() - s0 - 1, (os.clock() - c0) * 1000))
    end)
  end)
end

vim.schedule(modes[mode])
