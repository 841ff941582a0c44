-- CPU used by polling a login session once a second (issue 5 target: at
-- most 0.5 % of a core): lua5.4 bench/poll_cpu.lua BASE_URL [SECONDS]
-- Runs beeper.poll's non-blocking form on a luv loop, as a host would.
local uv = require "luv"
local beeper = require "beeper"
local lib = require "bench.lib"

local base, seconds = arg[1], tonumber(arg[2] or os.getenv("BENCH_POLL_SECONDS") or 60)
local client = beeper.new { base_url = base, access_token = "bench", loop = "luv" }
-- The session never changes on this server: poll runs to its deadline.
local reads = 0
local getter = client.bridges.login_sessions.get
client.bridges.login_sessions.get = function(...) reads = reads + 1; return getter(...) end

local cpu0, wall0 = lib.cpu(), uv.hrtime()
local result
beeper.poll(client, lib.BRIDGE, lib.SESSION, { interval = 1, deadline = seconds,
  callback = function(err) result = err end })
uv.run()
local cpu, wall = lib.cpu() - cpu0, (uv.hrtime() - wall0) / 1e9
print(string.format("\nPolling once a second for %.0f s (%d reads, ended with: %s):", wall, reads,
  result and result.kind or "session"))
print(string.format("  CPU %.1f ms = %.3f %% of a core (target <= 0.5 %%)", cpu * 1000, cpu / wall * 100))
client:close()
