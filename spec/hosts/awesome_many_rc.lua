-- A test rc.lua for awesome (issue 12): 100 callback requests on the GLib
-- socket watches while a 10 ms gears.timer keeps ticking; the spec reads
-- awesome's stderr for GLib warnings.
local common = dofile(os.getenv("BEEPER_ROOT") .. "/spec/hosts/common.lua")
common.setup_paths("5.3")
local gears_timer = require "gears.timer"
local beeper = require "beeper"
local now = require("beeper.core").now

local N = 100
local ticks = 0
local ticker = gears_timer { timeout = 0.01, autostart = true, callback = function() ticks = ticks + 1 end }

local function finish(result)
  ticker:stop()
  result.ticks = ticks
  common.write(result)
  awesome.quit()
end

gears_timer { timeout = 20, autostart = true, single_shot = true,
  callback = function() finish { ok = false, err = "watchdog: not done in 20 s" } end }

local client = beeper.new {}
local ok, failed, t0 = 0, {}, now()
for _ = 1, N do
  client.bridges.get("telegram", function(err, bridge)
    if bridge and bridge.id == "telegram" then ok = ok + 1 else failed[#failed + 1] = tostring(err) end
    if ok + #failed == N then
      local pump = client:pump()
      local watched = 0
      for _ in pairs(pump.watching or {}) do watched = watched + 1 end
      finish { ok = #failed == 0, err = table.concat(failed, "; "), done = ok,
               elapsed_ms = math.floor((now() - t0) * 1000), loop = pump.loop.name,
               events = pump.watching ~= nil,
               idle_holds = string.format("timer=%s watched=%d", tostring(pump.timer ~= nil), watched) }
    end
  end)
end
