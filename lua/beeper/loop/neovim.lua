-- Neovim: libuv timers (vim.uv, or vim.loop before 0.10) drive the engine;
-- user callbacks go through vim.schedule so they may call vim.api.
local M = {}

function M.new()
  local adapter = require("beeper.loop.luv").new(vim.uv or vim.loop, vim.schedule)
  adapter.name = "neovim"
  return adapter
end

return M
