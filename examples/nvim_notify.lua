-- A Neovim notifier: vim.notify for every new message from someone else,
-- pushed over the Desktop API's WebSocket (nothing polls).
--   :luafile examples/nvim_notify.lua     (with beeper-lua on package.path
--   and BEEPER_ACCESS_TOKEN set), or require it from your config.
-- :BeeperQuiet pauses it (subscriptions.set with no chats), :BeeperLoud
-- resumes.
local beeper = require "beeper"

local client = beeper.new {}

local sub = client.events.subscribe({ chat_ids = { "*" } }, function(err, ev)
  -- Callbacks run through vim.schedule: the whole vim API is allowed here.
  if err then
    if err.final then vim.notify("beeper: " .. tostring(err), vim.log.levels.ERROR) end
    return -- otherwise it reconnects by itself
  end
  if ev.type ~= "message.upserted" then return end
  for _, m in ipairs(ev.entries or {}) do
    if not m.isSender and m.text then
      vim.notify(string.format("%s: %s", m.senderName or "?", m.text), vim.log.levels.INFO,
        { title = "Beeper" })
    end
  end
end)

vim.api.nvim_create_user_command("BeeperQuiet", function() sub:set_chats({}) end, {})
vim.api.nvim_create_user_command("BeeperLoud", function() sub:set_chats({ "*" }) end, {})
vim.api.nvim_create_autocmd("VimLeavePre", { callback = function() sub:close() end })

return sub
