-- A test rc.lua for awesome: examples/awesome_unread.lua as shipped. Its
-- widget shows the unread total; marking a chat read over REST must change
-- it through a chat.upserted event.
local common = dofile(os.getenv("BEEPER_ROOT") .. "/spec/hosts/common.lua")
common.setup_paths("5.3")
local gears_timer = require "gears.timer"
local beeper = require "beeper"

local result = { ok = false, err = "" }
local function finish()
  common.write(result)
  awesome.quit()
end
gears_timer { timeout = 20, autostart = true, single_shot = true,
  callback = function() result.err = "watchdog: not done in 20 s"; finish() end }

local unread = dofile(os.getenv("BEEPER_ROOT") .. "/examples/awesome_unread.lua")
local client = beeper.new {}
local step = 0
gears_timer { timeout = 0.05, autostart = true, callback = function()
  local text = unread.widget.text
  if step == 0 and unread.subscription:is_open() and unread.subscription.pending_set == nil
      and text:match("%d") then
    step = 1
    result.before = text
    client.chats.list(function(err, list)
      if err then result.err = tostring(err); return finish() end
      for _, c in ipairs(list.items) do
        if c.unreadCount > 0 then return client.chats.mark_read(c.id, function() end) end
      end
    end)
  elseif step == 1 and text ~= result.before then
    step = 2
    result.after = text
    result.ok = true
    finish()
  end
end }
