-- Runs inside `nvim --headless`: the module built for LuaJIT, the Neovim
-- loop adapter, a 10 ms vim.loop timer that must keep firing.
local common = dofile(os.getenv("BEEPER_ROOT") .. "/spec/hosts/common.lua")
common.setup_paths("jit")
local beeper = require "beeper"
local uv = vim.uv or vim.loop

local ticks = 0
local ticker = uv.new_timer()
ticker:start(10, 10, function() ticks = ticks + 1 end)

local watchdog = uv.new_timer()
watchdog:start(15000, 0, vim.schedule_wrap(function()
  common.write { ok = false, err = "watchdog: no callback in 15 s" }
  vim.cmd("qall!")
end))

common.run(beeper, function() return uv.hrtime() / 1e6 end, function(result)
  ticker:stop()
  watchdog:stop()
  -- Delivered through vim.schedule: the API is usable here.
  result.api = pcall(vim.api.nvim_buf_set_lines, 0, 0, -1, false, { "session " .. result.session })
  result.ticks = ticks
  result.in_fast_event = vim.in_fast_event and vim.in_fast_event() or false
  common.write(result)
  vim.cmd("qall!")
end)
