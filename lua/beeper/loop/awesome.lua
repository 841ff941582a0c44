-- awesome-wm: gears.timer on the GLib main loop.
local M = {}

function M.new()
  local gears_timer = require "gears.timer"
  return {
    name = "awesome",
    start_timer = function(ms, fn)
      return gears_timer {
        timeout = ms / 1000, autostart = true, single_shot = true, callback = fn,
      }
    end,
    stop_timer = function(t) if t.started then t:stop() end end,
    defer = function(fn) gears_timer.delayed_call(fn) end,
  }
end

return M
