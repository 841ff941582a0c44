-- Runs inside `nvim --headless` (issue 11 item 6): the README's logger that
-- writes into a buffer with vim.api, a callback request, then a second one
-- from its callback. Neovim refuses its API inside a libuv callback (E5560);
-- both callbacks must still come and the buffer must hold the log lines.
local common = dofile(os.getenv("BEEPER_ROOT") .. "/spec/hosts/common.lua")
common.setup_paths("jit")
local beeper = require "beeper"
local uv = vim.uv or vim.loop

local buf = vim.api.nvim_create_buf(false, true)
local client = beeper.new { log_level = "info", logger = function(line)
  vim.api.nvim_buf_set_lines(buf, -1, -1, false, { line })
end }

local watchdog = uv.new_timer()
watchdog:start(15000, 0, vim.schedule_wrap(function()
  common.write { ok = false, err = "watchdog: no callback in 15 s" }
  vim.cmd("qall!")
end))

local function describe(err, value)
  if err then return "err " .. tostring(err) end
  return "ok " .. type(value)
end

client.bridges.list(function(err, list)
  local first = describe(err, list)
  client.bridges.get("telegram", function(err2, bridge)
    watchdog:stop()
    local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
    common.write {
      ok = true,
      first = first,
      second = describe(err2, bridge),
      log = table.concat(lines, " | "),
      loop = client:pump().loop.name,
    }
    vim.cmd("qall!")
  end)
end)
