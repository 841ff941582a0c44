-- A luv program for bench/events.lua: one request, then N seconds of
-- nothing with the client and its adapter loaded. Prints "wakeups cpu_ms"
-- (voluntary context switches of this single-threaded process).
--   lua5.4 bench/events_luv.lua BASE_URL N idle
-- (Time per request on a luv loop is bench/binding.lua's luv mode.)
local lib = require "bench.lib"
local beeper = require "beeper"

local base, n, mode = arg[1], tonumber(arg[2]), arg[3]
assert(mode == "idle", "usage: events_luv.lua BASE_URL SECONDS idle")
local uv = require "luv"
local client = beeper.new { base_url = base, access_token = "bench-token", max_retries = 0, loop = "luv" }

client.bridges.login_sessions.get(lib.BRIDGE, lib.SESSION, function(err, r)
  if not r then error(tostring(err)) end
end)
uv.run()
local s0, c0 = lib.switches(), os.clock()
local t = uv.new_timer()
t:start(n * 1000, 0, function() t:close() end)
uv.run()
-- The timer that ends the wait is one wake-up of its own.
io.write(string.format("%d %.3f\n", lib.switches() - s0 - 1, (os.clock() - c0) * 1000))
client:close()
