-- Resident memory over many requests, blocking and non-blocking:
--   lua5.4 bench/memory.lua BASE_URL [N]
-- RSS is read after a warm-up of N/10 requests and then every N/10; the
-- growth after warm-up is what must stay flat (target: within 1 MB).
local beeper = require "beeper"
local lib = require "bench.lib"

local base, n = arg[1], tonumber(arg[2] or os.getenv("BENCH_MEMORY_REQUESTS") or 100000)
local step = n // 10

local function rss_kb()
  for line in io.lines("/proc/self/status") do
    local v = line:match("^VmRSS:%s*(%d+)")
    if v then return tonumber(v) end
  end
end

local function report(name, samples)
  local warm, hi = samples[1], samples[1]
  for _, s in ipairs(samples) do if s > hi then hi = s end end
  print(string.format("%-12s after warm-up %6.1f MB, at the end %6.1f MB, peak %6.1f MB: growth %+.2f MB",
    name, warm / 1024, samples[#samples] / 1024, hi / 1024, (hi - warm) / 1024))
end

local client = beeper.new { base_url = base, access_token = "bench", max_retries = 0, loop = "blocking" }
local get = client.bridges.login_sessions.get

print(string.format("\nRSS over %d requests after %d of warm-up:", n, step))
do
  for _ = 1, step do assert(get(lib.BRIDGE, lib.SESSION)) end
  local samples = { rss_kb() }
  for i = 1, n do
    assert(get(lib.BRIDGE, lib.SESSION))
    if i % step == 0 then samples[#samples + 1] = rss_kb() end
  end
  report("blocking", samples)
end

do
  -- Ten in flight at a time through callbacks on the blocking loop.
  local samples, started, finished, total = {}, 0, 0, step + n
  local function next_one()
    if started == total then return end
    started = started + 1
    get(lib.BRIDGE, lib.SESSION, function(err, r)
      assert(r, tostring(err))
      finished = finished + 1
      if finished == step or (finished > step and (finished - step) % step == 0) then
        samples[#samples + 1] = rss_kb()
      end
      next_one()
    end)
  end
  for _ = 1, 10 do next_one() end
  beeper.run(function() return finished == total end)
  report("non-blocking", samples)
end
client:close()
