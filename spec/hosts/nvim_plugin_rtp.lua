-- Runs inside `nvim --headless` with a fresh checkout on the runtimepath
-- (or packpath) after `make`, no LUA_PATH / LUA_CPATH: `require "beeper"`
-- and its C core come from the runtimepath. Two callback requests to the
-- simulator (BEEPER_BASE_URL, BEEPER_ACCESS_TOKEN), then quits.
local common = dofile(os.getenv("BEEPER_ROOT") .. "/spec/hosts/common.lua")
local result = {}
local ok, err = pcall(function()
  local beeper = require "beeper"
  result.lua_file = vim.api.nvim_get_runtime_file("lua/beeper/init.lua", false)[1]
  result.core_file = vim.api.nvim_get_runtime_file("lua/beeper/core.so", false)[1]
  result.core_version = require("beeper.core").version
  result.qr = require("beeper.ui.qr").render("rtp") ~= nil
  local client = beeper.new {}
  local done = 0
  client.info(function(e, info)
    result.info = e and tostring(e) or info.app.version
    done = done + 1
  end)
  client.bridges.list(function(e, list)
    result.bridges = e and tostring(e) or #list.items
    done = done + 1
  end)
  result.finished = vim.wait(10000, function() return done == 2 end, 10)
  result.loop = client:pump().loop.name
  client:close()
end)
result.ok = ok
result.err = err and tostring(err) or ""
common.write(result)
vim.cmd("qa!")
