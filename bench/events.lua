-- The event-driven engine's figures (issue 12), in one run:
--   lua5.4 bench/events.lua NGINX_URL [ROUNDS]
-- 1. time per sequential request: callbacks on a luv loop against the
--    blocking form, and the same inside `nvim --headless` (interleaved
--    rounds, medians);
-- 2. voluntary wake-ups of Neovim's main thread during one request the
--    simulator answers after 3 s, and during 3 s idle;
-- 3. 100 concurrent requests to a simulator answering after 50 ms against
--    one (luv loop and blocking loop);
-- 4. an idle client with its adapter loaded for BENCH_IDLE_SECONDS (60):
--    wake-ups and CPU, standalone luv and Neovim.
-- Ratios are printed with the issue's targets; nothing is asserted.
local stats = require "bench.stats"
local commands = require "bench.commands"
local beeper = require "beeper"
local core = require "beeper.core"

local base = arg[1]
local rounds = tonumber(arg[2] or os.getenv("BENCH_ROUNDS") or 5)
local scale = tonumber(os.getenv("BENCH_SCALE") or 1)
local idle_seconds = tonumber(os.getenv("BENCH_IDLE_SECONDS") or 60)
local LUA_ENV = 'env LUA_PATH="./?.lua;lua/?.lua;lua/?/init.lua;;" LUA_CPATH="build/5.4/?.so;;" '
local NVIM = "nvim --headless -u NONE -i NONE -n -c 'luafile bench/events_nvim.lua'"

local function n(x) return math.max(10, math.floor(x * scale)) end

local function luv_cmd(url, count, mode)
  return string.format("%slua5.4 bench/events_luv.lua %s %d %s", LUA_ENV, url, count, mode)
end

-- Starts a Neovim run in the background; its result line is read later.
local function nvim_start(url, count, mode, token)
  local out = os.tmpname()
  local p = io.popen(string.format("BENCH_URL='%s' BENCH_N=%d BENCH_MODE=%s BENCH_OUT='%s' BENCH_TOKEN='%s' "
    .. "timeout %d %s >/dev/null 2>&1; echo $?", url, count, mode, out, token or "bench-token",
    idle_seconds + 60, NVIM))
  return function()
    local status = p:read("*a")
    p:close()
    local f = io.open(out)
    local line = f and f:read("*l")
    if f then f:close() end
    os.remove(out)
    assert(line and not line:find("^error"), "nvim " .. mode .. ": " .. tostring(line) .. " status " .. status)
    return line
  end
end

local function nvim(url, count, mode, token) return nvim_start(url, count, mode, token)() end

-- 1. Sequential requests, interleaved rounds.
local contenders = {
  { "luv", "blocking", function() return stats.capture(commands.binding(base, n(5000), "get")) end },
  { "luv", "callback", function() return stats.capture(commands.binding(base, n(5000), "luv")) end },
  { "nvim", "blocking", function() return nvim(base, n(5000), "blocking") end },
  { "nvim", "callback", function() return nvim(base, n(5000), "callback") end },
}
local wall, cpu = stats.rounds(rounds, #contenders, function(i) return contenders[i][3]() end, "events: ")
print(string.format("\nSequential GETs, per request, median of %d rounds (min-max):", rounds))
print(string.format("%-6s %-9s %22s %10s", "host", "form", "time us (min-max)", "cpu us"))
local med = {}
for i, c in ipairs(contenders) do
  local lo, hi = stats.range(wall[i])
  med[c[1] .. " " .. c[2]] = stats.median(wall[i])
  print(string.format("%-6s %-9s %10s (%s-%s) %10s", c[1], c[2], stats.us(stats.median(wall[i])), stats.us(lo),
    stats.us(hi), stats.us(stats.median(cpu[i]))))
end

-- 2. and 3. need a server that answers late: the simulator.
local sim = require("beeper.sim").start {}
sim:fault { path = "^/v1/bridges$", delay = 3, times = 0 }
local wakeups = {}
for _ = 1, 3 do
  local in_flight, idle = nvim(sim.url, 0, "wakeups", sim.token):match("(%d+) (%d+)")
  wakeups[#wakeups + 1] = { tonumber(in_flight), tonumber(idle) }
end
sim:clear_faults()

local uv = require "luv"
local function concurrent(loop, count)
  local client = beeper.new { base_url = sim.url, access_token = sim.token, max_retries = 0, loop = loop }
  local run = loop == "luv" and function() uv.run() end or beeper.run
  local function batch(k)
    local left, t0 = k, core.now()
    for _ = 1, k do
      client.bridges.get("telegram", function(err, b)
        assert(b, tostring(err))
        left = left - 1
      end)
    end
    run()
    assert(left == 0)
    return core.now() - t0
  end
  sim:fault { path = "^/v1/bridges/telegram$", delay = 0.05, times = 0 }
  batch(count) -- warm: the connections
  local one, all = {}, {}
  for r = 1, 5 do
    one[r] = batch(1)
    all[r] = batch(count)
  end
  sim:clear_faults()
  client:close()
  return stats.median(one), stats.median(all)
end
local luv_one, luv_all = concurrent("luv", 100)
local blk_one, blk_all = concurrent("blocking", 100)
sim:stop()

-- 4. Idle, both hosts at once.
io.stderr:write(string.format("events: idle clients for %d s\n", idle_seconds))
local luv_idle = io.popen(luv_cmd(base, idle_seconds, "idle"))
local nvim_idle = nvim_start(base, idle_seconds, "idle")
local luv_w, luv_cpu = luv_idle:read("*a"):match("(%-?%d+) ([%d.]+)")
luv_idle:close()
local nv_w, nv_cpu = nvim_idle():match("(%-?%d+) ([%d.]+)")

print("\nWake-ups of Neovim's main thread (voluntary context switches), 3 runs:")
for _, w in ipairs(wakeups) do
  print(string.format("  one request answered after 3 s: %3d    3 s idle: %d", w[1], w[2]))
end
print(string.format("\n100 GETs at once against one, simulator answering after 50 ms (median of 5):"))
print(string.format("  luv loop (socket events): one %.1f ms, 100 %.1f ms", luv_one * 1000, luv_all * 1000))
print(string.format("  blocking loop:            one %.1f ms, 100 %.1f ms", blk_one * 1000, blk_all * 1000))
print(string.format("\nIdle client with its adapter loaded for %d s (wake-ups beyond the timer that ends the wait):",
  idle_seconds))
print(string.format("  luv: %s wake-ups, %s ms CPU    Neovim: %s wake-ups, %s ms CPU", luv_w, luv_cpu, nv_w, nv_cpu))

local in_flight = {}
for i, w in ipairs(wakeups) do in_flight[i] = w[1] end
print("\nTargets:")
print(string.format("  luv: callback / blocking time = %.2fx (target <= 1.15x)", med["luv callback"] / med["luv blocking"]))
print(string.format("  Neovim: callback / blocking time = %.2fx (target <= 1.25x)",
  med["nvim callback"] / med["nvim blocking"]))
print(string.format("  Neovim: wake-ups during a 3 s request = %d, median (target <= 10)", stats.median(in_flight)))
print(string.format("  100 concurrent / one: luv %.2fx, blocking %.2fx (target <= 1.2x)", luv_all / luv_one,
  blk_all / blk_one))
print(string.format("  idle %d s: luv %s wake-ups / %s ms CPU, Neovim %s / %s (target 0)", idle_seconds, luv_w,
  luv_cpu, nv_w, nv_cpu))
