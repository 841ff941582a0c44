-- A test rc.lua for awesome (Lua 5.3): the module built for 5.3, the
-- gears.timer adapter, a 10 ms gears.timer that must keep firing.
local common = dofile(os.getenv("BEEPER_ROOT") .. "/spec/hosts/common.lua")
common.setup_paths("5.3")
local gears_timer = require "gears.timer"
local beeper = require "beeper"
local socket_now = require("beeper.core").now

local ticks = 0
local ticker = gears_timer { timeout = 0.01, autostart = true, callback = function() ticks = ticks + 1 end }

local function finish(result)
  ticker:stop()
  result.ticks = ticks
  common.write(result)
  awesome.quit()
end

gears_timer { timeout = 15, autostart = true, single_shot = true,
  callback = function() finish { ok = false, err = "watchdog: no callback in 15 s" } end }

common.run(beeper, function() return socket_now() * 1000 end, finish)
