-- A luv program for bench/events.lua:
--   lua5.4 bench/events_luv.lua BASE_URL N MODE
--   blocking   N login_sessions.get one after another, blocking
--   luv        the same with callbacks on a luv loop (socket events), each
--              started from the previous one's callback
--   idle       one request, then N seconds of nothing with the client and
--              adapter loaded: prints "wakeups cpu_ms" (voluntary context
--              switches of this single-threaded process)
-- Prints "n wall_seconds cpu_seconds" for blocking and luv.
local lib = require "bench.lib"
local beeper = require "beeper"

local base, n, mode = arg[1], tonumber(arg[2]), arg[3]
local uv = mode ~= "blocking" and require "luv"
local client = beeper.new { base_url = base, access_token = "bench-token", max_retries = 0,
                            loop = uv and "luv" or nil }
local sessions = client.bridges.login_sessions

local function check(r, err)
  if not r then error(tostring(err)) end
  return r
end

local switches = lib.switches -- this single-threaded process

if mode == "blocking" then
  lib.measure(n, function() check(sessions.get(lib.BRIDGE, lib.SESSION)) end)
elseif mode == "luv" then
  local line
  lib.chain(n, function(next_one)
    sessions.get(lib.BRIDGE, lib.SESSION, function(err, r)
      check(r, err)
      next_one()
    end)
  end, function(k, wall, cpu) line = string.format("%d %.6f %.6f\n", k, wall, cpu) end)
  uv.run()
  io.write(line)
elseif mode == "idle" then
  sessions.get(lib.BRIDGE, lib.SESSION, function(err, r) check(r, err) end)
  uv.run()
  local s0, c0 = switches(), os.clock()
  local t = uv.new_timer()
  t:start(n * 1000, 0, function() t:close() end)
  uv.run()
  -- The timer that ends the wait is one wake-up of its own.
  io.write(string.format("%d %.3f\n", switches() - s0 - 1, (os.clock() - c0) * 1000))
else
  error("unknown mode " .. tostring(mode))
end
client:close()
