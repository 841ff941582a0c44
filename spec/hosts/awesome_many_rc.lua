-- A test rc.lua for awesome (issue 12): 100 callback requests on the GLib
-- socket watches while a 10 ms gears.timer keeps ticking; the spec reads
-- awesome's stderr for GLib warnings.
local common = dofile(os.getenv("BEEPER_ROOT") .. "/spec/hosts/common.lua")
common.setup_paths("5.3")
local beeper = require "beeper"
local now = require("beeper.core").now

local N = 100
local finish = common.awesome_ticker(20)

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
