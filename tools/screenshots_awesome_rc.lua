-- rc.lua for tools/screenshots.sh: a wibar with the beeper widget, as the
-- README shows it. Touches BEEPER_SHOT_READY once the widget has a state.
local root = assert(os.getenv("BEEPER_ROOT"))
package.path = root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;" .. package.path
package.cpath = root .. "/build/5.3/?.so;" .. package.cpath

local awful = require "awful"
local beautiful = require "beautiful"
local gears = require "gears"
local wibox = require "wibox"
beautiful.init(gears.filesystem.get_themes_dir() .. "default/theme.lua")

local beeper_widget = require("beeper.ui.awesome_widget").new {
  interval = 5,
  on_update = function(w)
    if w.status ~= "starting" then
      local f = io.open(assert(os.getenv("BEEPER_SHOT_READY")), "w")
      if f then f:write(w.status, "\n"); f:close() end
    end
  end,
}

awful.screen.connect_for_each_screen(function(s)
  awful.tag({ "1", "2", "3" }, s, awful.layout.layouts[1])
  s.bar = awful.wibar { position = "top", screen = s }
  s.bar:setup {
    layout = wibox.layout.align.horizontal,
    awful.widget.taglist { screen = s, filter = awful.widget.taglist.filter.all },
    nil,
    { layout = wibox.layout.fixed.horizontal, spacing = 8, beeper_widget.widget, wibox.widget.textclock() },
  }
end)
