-- Runs inside `nvim --headless` (issue 12): three requests the simulator
-- never answers, their sockets watched, then :qa! with them in flight.
-- Neovim must exit 0 (no crash in its loop or at lua_close).
local common = dofile(os.getenv("BEEPER_ROOT") .. "/spec/hosts/common.lua")
common.setup_paths("jit")
local beeper = require "beeper"
local uv = vim.uv or vim.loop

local client = beeper.new {}
for _ = 1, 3 do client.bridges.list(function() end) end

local function watched()
  local n = 0
  for _ in pairs(client:pump().watching or {}) do n = n + 1 end
  return n
end

-- Once the requests are sent and their answers awaited, quit.
local tries = 0
local t = uv.new_timer()
t:start(20, 20, vim.schedule_wrap(function()
  tries = tries + 1
  if watched() == 3 or tries > 100 then
    t:stop()
    common.write { ok = watched() == 3, watched = watched(), loop = client:pump().loop.name }
    vim.cmd("qall!")
  end
end))
