-- Shared by the host programs (Neovim, awesome): start a slow request, count
-- host timer ticks meanwhile, write what happened to BEEPER_HOST_OUT.
local M = {}

function M.setup_paths(version)
  local root = assert(os.getenv("BEEPER_ROOT"), "BEEPER_ROOT not set")
  package.path = root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;" .. package.path
  package.cpath = root .. "/build/" .. version .. "/?.so;" .. package.cpath
end

function M.write(result)
  local f = assert(io.open(assert(os.getenv("BEEPER_HOST_OUT")), "w"))
  for k, v in pairs(result) do f:write(k, "=", tostring(v), "\n") end
  f:close()
end

-- Starts the request; done(result) is called once with what to report.
-- now() is the host's clock in ms.
function M.run(beeper, now, done)
  local client = beeper.new {}
  local t0 = now()
  return client, client.bridges.login_sessions.create("local-whatsapp", function(err, s)
    done {
      ok = err == nil,
      err = err and tostring(err) or "",
      session = s and s.loginSessionID or "",
      elapsed_ms = math.floor(now() - t0),
      loop = client:pump().loop.name,
    }
  end)
end

-- Voluntary context switches of a process's main thread (default: this
-- process): each one is a wake-up after the thread slept.
function M.switches(pid)
  local path = pid and string.format("/proc/%d/task/%d/status", pid, pid) or "/proc/thread-self/status"
  local f = assert(io.open(path, "r"))
  local text = f:read("*a")
  f:close()
  return tonumber(text:match("\nvoluntary_ctxt_switches:%s*(%d+)"))
end

-- In awesome: a 10 ms gears.timer that must keep ticking while requests
-- run, and a watchdog after `seconds`. Returns finish(result), which writes
-- result (with the tick count) and quits awesome.
function M.awesome_ticker(seconds)
  local gears_timer = require "gears.timer"
  local ticks = 0
  local ticker = gears_timer { timeout = 0.01, autostart = true, callback = function() ticks = ticks + 1 end }
  local function finish(result)
    ticker:stop()
    result.ticks = ticks
    M.write(result)
    awesome.quit()
  end
  gears_timer { timeout = seconds, autostart = true, single_shot = true,
    callback = function() finish { ok = false, err = "watchdog: not done in " .. seconds .. " s" } end }
  return finish
end

-- Reads the key=value file a host program wrote.
function M.read(path)
  local out = {}
  local f = io.open(path, "r")
  if not f then return nil end
  for line in f:lines() do
    local k, v = line:match("^([^=]+)=(.*)$")
    if k then out[k] = v end
  end
  f:close()
  return out
end

return M
