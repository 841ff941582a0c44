-- A test rc.lua for awesome (issue 14): an unread-count textbox driven by
-- live events. The count is fetched once (chats.list), then kept up by
-- chat.upserted events: marking a chat read over REST must change the text,
-- with the subscription's socket on a GLib watch and no timer polling.
local common = dofile(os.getenv("BEEPER_ROOT") .. "/spec/hosts/common.lua")
common.setup_paths("5.3")
local gears_timer = require "gears.timer"
local wibox = require "wibox"
local beeper = require "beeper"

local result = { ok = false, err = "" }
local sub
local function finish()
  if sub then
    result.mode = sub.mode
    result.poll_timer = tostring(sub.poll_timer ~= nil)
    sub:close()
  end
  common.write(result)
  awesome.quit()
end

gears_timer { timeout = 20, autostart = true, single_shot = true,
  callback = function() result.err = "watchdog: not done in 20 s"; finish() end }

local widget = wibox.widget.textbox("unread: ?")
local unread, texts = {}, {}
local function show()
  local total = 0
  for _, n in pairs(unread) do total = total + n end
  widget:set_text("unread: " .. total)
  texts[#texts + 1] = widget.text
  return total
end

local client = beeper.new {}
client.chats.list(function(err, list)
  if err then result.err = tostring(err); return finish() end
  local target
  for _, c in ipairs(list.items) do
    unread[c.id] = c.unreadCount
    if c.unreadCount > 0 and not target then target = c end
  end
  result.before = show()
  if not target then result.err = "no unread chat in the first page"; return finish() end
  result.target_unread = target.unreadCount
  sub = client.events.subscribe({ chat_ids = { "*" } }, function(e, ev)
    if e then result.err = tostring(e); return end
    if ev.type == "subscriptions.updated" then
      client.chats.mark_read(target.id, function(rerr)
        if rerr then result.err = tostring(rerr); finish() end
      end)
    elseif ev.type == "chat.upserted" and ev.entries and ev.entries[1] then
      unread[ev.chatID] = ev.entries[1].unreadCount
      result.after = show()
      result.text = widget.text
      result.loop = client:pump().loop.name
      result.ok = result.after == result.before - result.target_unread
      gears_timer.delayed_call(finish)
    end
  end)
end)
