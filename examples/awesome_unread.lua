-- An awesome-wm widget with your unread count, kept up by live events
-- (no polling). In rc.lua:
--   local unread = dofile("/path/to/beeper-lua/examples/awesome_unread.lua")
--   ... add `unread.widget` to your wibar's widgets.
-- Needs BEEPER_ACCESS_TOKEN in awesome's environment (or pass access_token).
local wibox = require "wibox"
local beeper = require "beeper"

local client = beeper.new {}
local widget = wibox.widget.textbox("✉ ?")
local unread = {} -- chat id -> unread count

local function show()
  local total = 0
  for _, n in pairs(unread) do total = total + n end
  widget:set_text(total > 0 and ("✉ " .. total) or "✉")
end

-- The first page of chats for the starting count; events keep it current.
-- Delivery is at most once, so this runs again after every reconnect.
local function refetch()
  client.chats.list(function(err, list)
    if err then return widget:set_text("✉ !") end
    unread = {}
    for _, c in ipairs(list.items) do unread[c.id] = c.unreadCount end
    show()
  end)
end

local sub = client.events.subscribe({ chat_ids = { "*" }, on_reconnect = refetch }, function(err, ev)
  if err then
    -- A 401 ends the subscription (err.final); anything else reconnects by itself.
    if err.final then widget:set_text("✉ ✗") end
    return
  end
  if ev.type == "chat.upserted" and ev.entries and ev.entries[1] then
    unread[ev.chatID] = ev.entries[1].unreadCount
    show()
  elseif ev.type == "chat.deleted" then
    unread[ev.chatID] = nil
    show()
  end
end)
refetch()

awesome.connect_signal("exit", function() sub:close() end)

return { widget = widget, subscription = sub }
