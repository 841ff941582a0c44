-- A test rc.lua for awesome (Lua 5.3): the beeper widget in a wibar, as a
-- user drops it in. Records its first state, the naughty notifications and
-- that the rest of rc.lua ran, writes them to BEEPER_HOST_OUT and quits.
local common = dofile(os.getenv("BEEPER_ROOT") .. "/spec/hosts/common.lua")
common.setup_paths("5.3")
local awful = require "awful"
local gears_timer = require "gears.timer"
local naughty = require "naughty"
local wibox = require "wibox"

local notes = {}
local notify = naughty.notify
naughty.notify = function(args)
  notes[#notes + 1] = (args.title or "") .. ": " .. (args.text or "")
  return notify(args)
end

local result = {}
local function finish()
  result.notes = #notes
  result.note = (notes[1] or ""):gsub("\n", " ")
  common.write(result)
  awesome.quit()
end

gears_timer { timeout = 15, autostart = true, single_shot = true,
  callback = function() result.err = "watchdog: no state in 15 s"; finish() end }

-- What a user writes:
local beeper_widget = require("beeper.ui.awesome_widget").new {
  interval = 0.5,
  on_update = function(w)
    if result.status then
      -- The second poll: same state, no second notification.
      result.second_status = w.status
      return gears_timer.delayed_call(finish)
    end
    result.status, result.text, result.unread = w.status, w.widget.text, w.unread
    result.error_kind = w.error and (w.error.kind or "raised") or ""
    -- No client (a broken setting): nothing polls, this is the only state.
    if not w.client then gears_timer.delayed_call(finish) end
  end,
}
awful.screen.connect_for_each_screen(function(s)
  s.bar = awful.wibar { position = "top", screen = s }
  s.bar:setup { layout = wibox.layout.align.horizontal, nil, nil, beeper_widget.widget }
end)
result.rest_of_rc = true -- the lines after the widget ran
