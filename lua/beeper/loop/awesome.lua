-- awesome-wm: gears.timer on the GLib main loop.
local M = {}

function M.new()
  local gears_timer = require "gears.timer"
  -- awesome runs delayed calls (where callbacks arrive) inside its poll
  -- function, after GLib computed how long to sleep: a timer started there
  -- would not fire until some other event woke the loop. Waking the main
  -- context makes GLib look at the new timer.
  local context = require("lgi").GLib.MainContext.default()
  return {
    name = "awesome",
    start_timer = function(ms, fn)
      local t = gears_timer {
        timeout = ms / 1000, autostart = true, single_shot = true, callback = fn,
      }
      context:wakeup()
      return t
    end,
    stop_timer = function(t) if t.started then t:stop() end end,
    defer = function(fn) gears_timer.delayed_call(fn) end,
    -- rc.lua shows debug::error as a naughty notification; deferred so that
    -- a handler that raises cannot reach the engine.
    report = function(message)
      gears_timer.delayed_call(function() awesome.emit_signal("debug::error", message) end)
    end,
  }
end

return M
