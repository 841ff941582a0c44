-- Runs inside `nvim --headless` (issue 11 #9, #10): a test in Neovim starts
-- the simulator, drives it through its handle and stops it; a second one is
-- left running on purpose and must go away with Neovim. Writes what
-- happened to BEEPER_HOST_OUT and quits.
local common = dofile(os.getenv("BEEPER_ROOT") .. "/spec/hosts/common.lua")
common.setup_paths("jit")

local result = {}
local ok, err = pcall(function()
  local sim = require("beeper.sim").start()
  local beeper = require "beeper"
  local client = beeper.new { base_url = sim.url, access_token = sim.token }

  local bridges, e = client.bridges.list()
  result.bridges = bridges and #bridges.items or tostring(e)
  sim:fault { path = "^/v1/bridges$", status = 422, json = { code = "SIM_FAULT", message = "injected" } }
  e = select(2, client.bridges.list())
  result.fault = e and (e.status .. " " .. tostring(e.code)) or "no error"
  result.seen = #sim:requests()
  sim:reset()
  result.after_reset = #sim:requests()
  result.sessions = type(sim:state().sessions)
  sim:stop()
  sim:stop() -- a second stop does nothing
  e = select(2, client.bridges.list())
  result.after_stop = e and e.kind or "answered"
  client:close()

  local left = require("beeper.sim").start()
  result.left_url = left.url
  result.socket_loaded = package.loaded.socket ~= nil or package.loaded["socket.core"] ~= nil
end)
result.ok = ok
result.err = err and tostring(err) or ""
common.write(result)
vim.cmd("qall!")
