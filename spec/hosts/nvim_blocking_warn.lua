-- Runs inside `nvim --headless`: two blocking calls warn once through
-- vim.notify (WARN), a callback call does not warn.
local common = dofile(os.getenv("BEEPER_ROOT") .. "/spec/hosts/common.lua")
common.setup_paths("jit")
local notes = {}
vim.notify = function(msg, level) notes[#notes + 1] = { msg = msg, level = level } end
local result = {}
local ok, err = pcall(function()
  local beeper = require "beeper"
  local client = beeper.new {}
  local done = false
  client.bridges.list(function() done = true end)
  vim.wait(5000, function() return done end, 10)
  result.after_callback = #notes
  result.first = assert(client.bridges.list()) and #notes
  result.second = assert(client.info()) and #notes
  vim.wait(50) -- a scheduled notify would arrive now
  result.count = #notes
  result.level = notes[1] and notes[1].level == vim.log.levels.WARN
  result.message = notes[1] and notes[1].msg or ""
  client:close()
end)
result.ok = ok
result.err = err and tostring(err) or ""
common.write(result)
vim.cmd("qa!")
