-- An awesome widget: the connection to Beeper Desktop and the unread count,
-- polled on a gears.timer with the callback form (never blocking awesome),
-- errors as naughty notifications. Drop into rc.lua:
--   local beeper_widget = require("beeper.ui.awesome_widget").new { interval = 60 }
--   -- in the wibar: { ..., beeper_widget.widget, ... }
-- A missing token, a stopped Beeper Desktop or a broken install shows in
-- the widget and never raises into rc.lua.
local M = {}

local TEXT = {
  connected = "✉ %d", -- unread messages
  ["no token"] = "✉ no token",
  offline = "✉ off",
  refused = "✉ token?",
  error = "✉ !",
}

local function notify(self, title, text)
  if self.quiet then return end
  local ok, naughty = pcall(require, "naughty")
  if not ok then return end
  pcall(naughty.notify, { title = title, text = text, timeout = 10,
    preset = naughty.config and naughty.config.presets and naughty.config.presets.critical })
end

-- What an error value means for the user.
local function status_of(err)
  if err.kind == "auth" then return "no token" end
  if err.kind == "connection" or err.kind == "timeout" then return "offline" end
  if err.status == 401 or err.status == 403 then return "refused" end
  return "error"
end

local ADVICE = {
  ["no token"] = "Create a token in Beeper Desktop (Settings > Developers) and set BEEPER_ACCESS_TOKEN"
    .. " for awesome (in ~/.xprofile, say), or pass access_token to the widget.",
  offline = "Is Beeper Desktop running, with its API enabled?",
  refused = "Beeper Desktop refused the access token: create a new one.",
}

local Widget = {}
Widget.__index = Widget

function Widget:set(status, unread, err)
  local changed = status ~= self.status
  self.status, self.unread, self.error = status, unread, err
  local text = string.format(TEXT[status] or status, unread or 0)
  if self.has_more and status == "connected" then text = text .. "+" end
  self.text = text
  if self.widget then pcall(function() self.widget.text = text end) end
  if self.tooltip then
    pcall(function()
      self.tooltip.text = err and tostring(err) or string.format("Beeper Desktop at %s: %d accounts, %d unread",
        self.base_url or "?", self.accounts or 0, unread or 0)
    end)
  end
  -- One notification per change of trouble, not one per poll.
  if err and changed then
    notify(self, "beeper: " .. status, tostring(err) .. (ADVICE[status] and ("\n" .. ADVICE[status]) or ""))
  end
  if self.on_update then pcall(self.on_update, self) end
end

-- Sums the unread counts of the chats that have any.
local function unread_of(page)
  local n = 0
  for _, chat in ipairs(page.items or {}) do n = n + (chat.unreadCount or 0) end
  return n, page.hasMore == true
end

-- One poll: the accounts (is the connection there?), then the unread chats.
function Widget:refresh()
  if self.busy or not self.client then return end
  self.busy = true
  local ok, err = pcall(self.client.accounts.list, { timeout = self.timeout, max_retries = 0 }, function(e, accounts)
    if e then
      self.busy = false
      return self:set(status_of(e), nil, e)
    end
    self.accounts = #accounts
    self.client.chats.search({ unread_only = true, limit = 100 }, { timeout = self.timeout, max_retries = 0 },
      function(e2, page)
        self.busy = false
        if e2 then return self:set(status_of(e2), nil, e2) end
        local unread, more = unread_of(page)
        self.has_more = more
        self:set("connected", unread, nil)
      end)
  end)
  if not ok then
    self.busy = false
    self:set("error", nil, err)
  end
end

function Widget:stop()
  if self.timer then pcall(function() self.timer:stop() end) end
  if self.client then pcall(self.client.close, self.client) end
end

-- opts: interval (seconds, default 60), timeout (per request, default 10),
-- client (a beeper client; else one from the environment), access_token,
-- base_url, quiet (no notifications), on_update(widget).
function M.new(opts)
  opts = opts or {}
  local self = setmetatable({ interval = opts.interval or 60, timeout = opts.timeout or 10, quiet = opts.quiet,
    on_update = opts.on_update, status = "starting", text = "✉ …" }, Widget)
  local ok, wibox = pcall(require, "wibox")
  if ok then
    self.widget = wibox.widget.textbox(self.text)
    local has_awful, awful = pcall(require, "awful")
    if has_awful then
      pcall(function() self.tooltip = awful.tooltip { objects = { self.widget }, text = "beeper: starting" } end)
    end
  end
  local made, client = pcall(function()
    return opts.client or require("beeper").new { access_token = opts.access_token, base_url = opts.base_url }
  end)
  if not made then
    self:set("error", nil, client)
    return self
  end
  self.client, self.base_url = client, client.base_url
  local has_timer, gears_timer = pcall(require, "gears.timer")
  if has_timer then
    self.timer = gears_timer { timeout = self.interval, autostart = true, call_now = true,
      callback = function() self:refresh() end }
  else
    self:refresh()
  end
  return self
end

return M
