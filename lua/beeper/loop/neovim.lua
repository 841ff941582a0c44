-- Neovim: the luv adapter on Neovim's own loop (vim.uv, or vim.loop before
-- 0.10): uv_poll on the engine's sockets, uv timers for curl's deadline;
-- user callbacks go through vim.schedule so they may call vim.api.
local M = {}

-- Errors of user code as Neovim shows errors; vim.notify is not allowed
-- inside a libuv callback, so it is scheduled too.
local function report(message)
  vim.schedule(function() vim.notify(message, vim.log.levels.ERROR) end)
end

function M.new()
  local adapter = require("beeper.loop.luv").new(vim.uv or vim.loop, vim.schedule, report)
  adapter.name = "neovim"
  return adapter
end

return M
