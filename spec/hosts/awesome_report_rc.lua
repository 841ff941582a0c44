-- A test rc.lua for awesome (issue 11 item 6): a callback that raises is
-- reported through awesome's debug::error signal (what a stock rc.lua shows
-- as a naughty notification) and the next request still works.
local common = dofile(os.getenv("BEEPER_ROOT") .. "/spec/hosts/common.lua")
common.setup_paths("5.3")
local gears_timer = require "gears.timer"
local beeper = require "beeper"

local reported = {}
awesome.connect_signal("debug::error", function(message) reported[#reported + 1] = tostring(message) end)

local function finish(result)
  result.reported = table.concat(reported, " | ")
  common.write(result)
  awesome.quit()
end

gears_timer { timeout = 15, autostart = true, single_shot = true,
  callback = function() finish { ok = false, err = "watchdog: no callback in 15 s" } end }

local client = beeper.new {}
client.bridges.list(function()
  client.bridges.get("telegram", function(err, bridge)
    -- The report is deferred: let it arrive before writing the result.
    gears_timer.delayed_call(function()
      finish { ok = err == nil, err = err and tostring(err) or "", bridge = bridge and bridge.id or "",
               loop = client:pump().loop.name }
    end)
  end)
  error("awesome callback boom")
end)
