-- Non-blocking figures (issue 3): 100 concurrent gets through one client vs
-- 100 sequential ones; a host timer's jitter while 100 requests run; what an
-- idle client costs. lua5.4 bench/concurrency.lua NGINX_URL
local beeper = require "beeper"
local uv = require "luv"
local lib = require "bench.lib"
local stats = require "bench.stats"
local core = require "beeper.core"

local nginx_url = arg[1]
local N = 100

-- Seconds for n gets one after another (blocking calls).
local function sequential(client, bridge, session, n)
  local t0 = core.now()
  for _ = 1, n do assert(client.bridges.login_sessions.get(bridge, session)) end
  return core.now() - t0
end

-- Seconds for n gets started at once on the client's loop.
local function concurrent(client, bridge, session, n, run)
  local left, t0 = n, core.now()
  for _ = 1, n do
    client.bridges.login_sessions.get(bridge, session, function(err, r)
      assert(r, tostring(err))
      left = left - 1
    end)
  end
  run(function() return left == 0 end)
  return core.now() - t0
end

local function blocking_run(done) beeper.run(done) end

-- 1. Against nginx (no latency) and the simulator answering after 50 ms.
print("\n100 gets through one client (blocking loop):")
print(string.format("%-30s %12s %12s %8s", "server", "sequential", "concurrent", "speed-up"))
do
  local client = beeper.new { base_url = nginx_url, access_token = "bench", max_retries = 0, loop = "blocking" }
  concurrent(client, lib.BRIDGE, lib.SESSION, N, blocking_run) -- warm the connections
  local s, c = {}, {}
  for r = 1, 5 do
    s[r] = sequential(client, lib.BRIDGE, lib.SESSION, N)
    c[r] = concurrent(client, lib.BRIDGE, lib.SESSION, N, blocking_run)
  end
  print(string.format("%-30s %10.1fms %10.1fms %7.1fx", "nginx, loopback", stats.median(s) * 1000,
    stats.median(c) * 1000, stats.median(s) / stats.median(c)))
  client:close()
end

local sim = require("beeper.sim").start {}
local sim_client = beeper.new { base_url = sim.url, access_token = sim.token, max_retries = 0,
                                loop = "blocking" }
local session = assert(sim_client.bridges.login_sessions.create("local-whatsapp"))
local sid = session.loginSessionID
do
  sim:fault { path = "^/v1/bridges/.*/login%-sessions/", method = "GET", delay = 0.05, times = 0 }
  local s = sequential(sim_client, "local-whatsapp", sid, N)
  local c = concurrent(sim_client, "local-whatsapp", sid, N, blocking_run)
  print(string.format("%-30s %10.1fms %10.1fms %7.1fx", "simulator, 50 ms per answer", s * 1000, c * 1000, s / c))
end

-- 2. Jitter of a 10 ms host timer (luv) while batches of 100 requests run.
local function timer_lateness(seconds, work)
  local late, last = {}, nil
  local timer = uv.new_timer()
  timer:start(10, 10, function()
    local now = uv.hrtime() / 1e6
    if last then late[#late + 1] = math.max(0, (now - last) - 10) end
    last = now
  end)
  local stop = uv.new_timer()
  stop:start(math.floor(seconds * 1000), 0, function() timer:stop(); timer:close(); stop:close() end)
  if work then work() end
  uv.run()
  table.sort(late)
  return late
end

local function pct(sorted, p) return sorted[math.max(1, math.ceil(#sorted * p))] or 0 end

local luv_client = beeper.new { base_url = sim.url, access_token = sim.token, max_retries = 0, loop = "luv" }
local batches, done = 0, false
local function batch()
  if done then return end
  local left = N
  for _ = 1, N do
    luv_client.bridges.login_sessions.get("local-whatsapp", sid, function(err, r)
      assert(r, tostring(err))
      left = left - 1
      if left == 0 then batches = batches + 1; batch() end
    end)
  end
end
local idle = timer_lateness(2)
local busy = timer_lateness(2, function()
  batch()
  local t = uv.new_timer()
  t:start(2000, 0, function() done = true; t:close() end)
end)
print("\nLateness of a 10 ms luv timer (ms): p50 / p99 / max")
print(string.format("  idle loop:                        %.2f / %.2f / %.2f", pct(idle, 0.5), pct(idle, 0.99), idle[#idle] or 0))
print(string.format("  100 requests in flight (%d batches): %.2f / %.2f / %.2f", batches, pct(busy, 0.5), pct(busy, 0.99), busy[#busy] or 0))

-- 3. An idle client: made, used once, then left alone for 5 s on luv.
local timers_started = 0
local adapter = require("beeper.loop.luv").new(uv)
local start_timer = adapter.start_timer
adapter.start_timer = function(ms, fn) timers_started = timers_started + 1; return start_timer(ms, fn) end
local idle_client = beeper.new { base_url = sim.url, access_token = sim.token, loop = adapter }
idle_client.bridges.list(function(err) assert(not err, tostring(err)) end)
uv.run()
local before_timers, cpu0, sw0 = timers_started, os.clock(), lib.switches()
local t = uv.new_timer()
t:start(5000, 0, function() t:close() end)
uv.run()
print(string.format("\nIdle client for 5 s: %d pump timers started, %.1f ms CPU, %d context switches (the 5 s timer itself: 1)",
  timers_started - before_timers, (os.clock() - cpu0) * 1000, lib.switches() - sw0))

idle_client:close()
luv_client:close()
sim_client:close()
sim:stop()
