-- Runs inside `nvim --headless` (issue 12): how often one request that the
-- simulator answers after 3 s wakes the editor's main thread, against 3 s
-- of doing nothing. Counts the thread's voluntary context switches (each
-- sleep in epoll_wait that ends is one) from /proc, before and after.
local common = dofile(os.getenv("BEEPER_ROOT") .. "/spec/hosts/common.lua")
common.setup_paths("jit")
local beeper = require "beeper"
local uv = vim.uv or vim.loop

local pid = vim.fn.getpid()
local function switches() return common.switches(pid) end

local result = {}
local function finish()
  common.write(result)
  vim.cmd("qall!")
end

local watchdog = uv.new_timer()
watchdog:start(20000, 0, vim.schedule_wrap(function()
  result.ok, result.err = false, "watchdog: no callback in 20 s"
  finish()
end))
watchdog:unref()

local client = beeper.new {}

-- The request, then 3 s idle with the client loaded and used.
local function idle()
  local before, t0 = switches(), uv.hrtime()
  local t = uv.new_timer()
  t:start(3000, 0, function()
    result.idle = switches() - before
    result.idle_ms = math.floor((uv.hrtime() - t0) / 1e6)
    t:close()
    -- (uv.walk aborts in Neovim: its own handles are not luv's.)
    local pump = client:pump()
    local watched = 0
    for _ in pairs(pump.watching or {}) do watched = watched + 1 end
    result.idle_holds = string.format("timer=%s watched=%d", tostring(pump.timer ~= nil), watched)
    watchdog:stop()
    vim.schedule(finish)
  end)
end

vim.schedule(function()
  local before, t0 = switches(), uv.hrtime()
  client.bridges.list(function(err, list)
    result.in_flight = switches() - before
    result.elapsed_ms = math.floor((uv.hrtime() - t0) / 1e6)
    result.ok = err == nil
    result.err = err and tostring(err) or ""
    result.items = list and #list.items or -1
    result.loop = client:pump().loop.name
    idle()
  end)
end)
