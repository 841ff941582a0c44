-- Runs inside `nvim --headless` (issue 14): a live-event subscription open
-- for 3 s idle, counted in voluntary context switches of the editor's main
-- thread (each wake-up from epoll_wait is one); then BEEPER_EVENTS_N sends
-- over REST (callback form), each timed from its start to the
-- message.upserted callback, which runs through vim.schedule (vim.api allowed).
local common = dofile(os.getenv("BEEPER_ROOT") .. "/spec/hosts/common.lua")
common.setup_paths("jit")
local beeper = require "beeper"
local uv = vim.uv or vim.loop

local N = tonumber(os.getenv("BEEPER_EVENTS_N") or "100")
local IDLE_MS = tonumber(os.getenv("BEEPER_EVENTS_IDLE_MS") or "3000")
local pid = vim.fn.getpid()
local function switches()
  local f = assert(io.open(string.format("/proc/%d/task/%d/status", pid, pid)))
  local text = f:read("*a")
  f:close()
  return tonumber(text:match("\nvoluntary_ctxt_switches:%s*(%d+)"))
end
local function cpu_ms()
  local f = assert(io.open(string.format("/proc/%d/stat", pid)))
  local stat = f:read("*a")
  f:close()
  local fields = {}
  for v in stat:match("%) (.*)"):gmatch("%S+") do fields[#fields + 1] = v end
  return (tonumber(fields[12]) + tonumber(fields[13])) * 10 -- clock ticks of 10 ms
end

local result = { ok = false, err = "" }
local sub
local function finish()
  if sub then sub:close() end
  common.write(result)
  vim.cmd("qall!")
end

local watchdog = uv.new_timer()
watchdog:start(IDLE_MS + 60000, 0, vim.schedule_wrap(function()
  result.err = "watchdog: not done in time"
  finish()
end))
watchdog:unref()

local client = beeper.new {}
local chat
local sent_at, latencies, i = {}, {}, 0

local function send_next()
  i = i + 1
  if i > N then
    table.sort(latencies)
    result.n = #latencies
    result.p50 = latencies[math.max(1, math.floor(#latencies * 0.5 + 0.5))]
    result.p99 = latencies[math.max(1, math.floor(#latencies * 0.99 + 0.5))]
    result.max = latencies[#latencies]
    result.ok = true
    watchdog:stop()
    return vim.schedule(finish)
  end
  local text = "nvim event " .. i
  sent_at[text] = uv.hrtime()
  client.messages.send(chat, { text = text }, function(err)
    if err then result.err = tostring(err); finish() end
  end)
end

local idle_started = false
local function idle()
  idle_started = true
  local before, cpu0, t0 = switches(), cpu_ms(), uv.hrtime()
  local t = uv.new_timer()
  t:start(IDLE_MS, 0, function()
    result.idle = switches() - before
    result.idle_cpu_ms = cpu_ms() - cpu0
    result.idle_ms = math.floor((uv.hrtime() - t0) / 1e6)
    t:close()
    vim.schedule(send_next)
  end)
end

client.chats.list(function(err, list)
  if err then result.err = tostring(err); return finish() end
  chat = list.items[1].id
  sub = client.events.subscribe({ chat_ids = { chat } }, function(e, ev)
    if e then result.err = "event error: " .. tostring(e); return end
    result.in_fast_event = tostring(vim.in_fast_event())
    result.loop = client:pump().loop.name
    if ev.type == "subscriptions.updated" and not idle_started then
      idle()
    elseif ev.type == "message.upserted" then
      local text = ev.entries and ev.entries[1] and ev.entries[1].text
      local t = text and sent_at[text]
      if t then
        sent_at[text] = nil
        latencies[#latencies + 1] = (uv.hrtime() - t) / 1e6
        vim.api.nvim_buf_set_lines(0, -1, -1, false, { text }) -- the editor's API is fine here
        send_next()
      end
    end
  end)
end)
