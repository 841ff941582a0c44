-- A test rc.lua for awesome (Lua 5.3): the module built for 5.3, the
-- gears.timer adapter, a 10 ms gears.timer that must keep firing.
local common = dofile(os.getenv("BEEPER_ROOT") .. "/spec/hosts/common.lua")
common.setup_paths("5.3")
local beeper = require "beeper"
local socket_now = require("beeper.core").now

local finish = common.awesome_ticker(15)

common.run(beeper, function() return socket_now() * 1000 end, finish)
