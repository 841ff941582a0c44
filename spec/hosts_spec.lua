-- The real hosts: Neovim (LuaJIT) and awesome (Lua 5.3 under Xvfb) load the
-- module, start a request the simulator answers after 2 s, and their own
-- 10 ms timers keep firing meanwhile; on socket events (issue 12) a slow
-- request wakes Neovim a handful of times and awesome's GLib watches stay
-- quiet. Each runs once, in the matching pass.
local helper = require "spec.helper"
local common = require "spec.hosts.common"
local xvfb = require "spec.xvfb"
local read_text = require("beeper.sim.proc").read_file

local version = os.getenv("BEEPER_TEST_LUA_VERSION")
local root = os.getenv("PWD")

-- Runs a host program to its end; returns its exit status. Its stderr goes
-- to err_file when given.
local function run(cmd, sim)
  local out, err_file = os.tmpname(), os.tmpname()
  local env = string.format("BEEPER_ROOT='%s' BEEPER_HOST_OUT='%s' BEEPER_BASE_URL='%s' BEEPER_ACCESS_TOKEN='%s' ",
    root, out, sim.url, sim.token)
  local p = io.popen(env .. cmd .. " >/dev/null 2>" .. err_file .. "; echo \"exit=$?\"")
  local status = tonumber(p:read("*a"):match("exit=(%d+)"))
  p:close()
  local result, stderr = common.read(out), read_text(err_file)
  os.remove(out)
  os.remove(err_file)
  return status, result, stderr
end

-- What each host measured, for the record (the assertions are below).
local function record(line)
  local f = io.open("build/hosts-report.txt", "a")
  if f then
    f:write(line, "\n")
    f:close()
  end
end

local function report(name, result)
  record(string.format("%s: %s ticks of a 10 ms timer during a %s ms request", name,
    tostring(result.ticks), tostring(result.elapsed_ms)))
end

local function nvim_cmd(program)
  return "timeout 30 nvim --headless -u NONE -i NONE -n -c 'luafile spec/hosts/" .. program .. "'"
end

local function check(name, result)
  assert.is_table(result, "host wrote no result")
  assert.are.equal("true", result.ok, result.err)
  assert.matches("^ls_", result.session)
  assert.is_true(tonumber(result.elapsed_ms) >= 1900, result.elapsed_ms)
  -- 2 s of a 10 ms timer is about 200 ticks; a blocked loop gives about 0.
  assert.is_true(tonumber(result.ticks) >= 120, result.ticks)
  report(name, result)
end

describe("host loops", function()
  local sim
  setup(function()
    sim = helper.start_sim()
  end)
  teardown(function() sim:stop() end)
  before_each(function()
    sim:reset()
    sim:fault { path = "^/v1/bridges/local%-whatsapp/login%-sessions$", delay = 2 }
  end)

  local nvim = (version == "jit") and it or pending
  nvim("Neovim --headless stays live and gets the session through vim.schedule", function()
    local _, result = run("timeout 30 nvim --headless -u NONE -i NONE -n -c 'luafile spec/hosts/nvim_host.lua'", sim)
    check("nvim --headless", result)
    assert.are.equal("neovim", result.loop)
    assert.are.equal("true", result.api)
    assert.are.equal("false", result.in_fast_event)
  end)

  nvim("#11.6 Neovim: a logger that writes into a buffer, two callback requests, exit 0", function()
    local status, result = run("timeout 30 nvim --headless -u NONE -i NONE -n -c 'luafile spec/hosts/nvim_logger.lua'",
      sim)
    assert.is_table(result, "host wrote no result")
    assert.are.equal("true", result.ok, result.err)
    assert.are.equal("neovim", result.loop)
    assert.are.equal("ok table", result.first)
    assert.are.equal("ok table", result.second)
    assert.matches("GET /v1/bridges %-> ok", result.log)
    assert.matches("GET /v1/bridges/telegram %-> ok", result.log)
    assert.are.equal(0, status)
  end)

  nvim("#12 Neovim: a request answered after 3 s wakes the editor a handful of times", function()
    sim:clear_faults()
    sim:fault { path = "^/v1/bridges$", delay = 3 }
    local status, result = run(nvim_cmd("nvim_wakeups.lua"), sim)
    assert.is_table(result, "host wrote no result")
    assert.are.equal("true", result.ok, result.err)
    assert.are.equal("neovim", result.loop)
    assert.are.equal("5", result.items)
    assert.is_true(tonumber(result.elapsed_ms) >= 2900, result.elapsed_ms)
    local in_flight, idle = tonumber(result.in_flight), tonumber(result.idle)
    print(string.format("#12 Neovim main thread: %d voluntary wake-ups during a %s ms request, %d in %s ms idle",
      in_flight, result.elapsed_ms, idle, result.idle_ms))
    record(string.format("nvim --headless: %d voluntary wake-ups of the main thread during a %s ms request,"
      .. " %d in %s ms idle", in_flight, result.elapsed_ms, idle, result.idle_ms))
    -- Polling the engine every 1 to 10 ms made about 300; the target is 10.
    assert.is_true(in_flight < 50, in_flight)
    assert.are.equal("timer=false watched=0", result.idle_holds)
    assert.are.equal(0, status)
  end)

  nvim("#12 Neovim: :qa! with three requests in flight and their sockets watched exits 0", function()
    sim:clear_faults()
    sim:fault { path = "^/v1/bridges$", hang = true, times = 3 }
    local status, result = run(nvim_cmd("nvim_quit.lua"), sim)
    assert.is_table(result, "host wrote no result")
    assert.are.equal("true", result.ok, "watched: " .. tostring(result.watched))
    assert.are.equal("neovim", result.loop)
    assert.are.equal(0, status)
  end)

  nvim("#14 Neovim: an idle subscription barely wakes the editor; REST send -> callback in <= 250 ms", function()
    sim:clear_faults()
    local status, result = run("BEEPER_EVENTS_N=100 " .. nvim_cmd("nvim_events.lua"):gsub("timeout 30", "timeout 90"), sim)
    assert.is_table(result, "host wrote no result")
    assert.are.equal("true", result.ok, result.err)
    assert.are.equal("neovim", result.loop)
    assert.are.equal("false", result.in_fast_event)
    assert.are.equal("100", result.n)
    local idle, p50, p99, max = tonumber(result.idle), tonumber(result.p50), tonumber(result.p99), tonumber(result.max)
    local line = string.format("nvim --headless events: %d wake-ups (%s ms CPU) in %s ms of an idle subscription;"
      .. " REST send -> message.upserted callback p50 %.1f ms, p99 %.1f ms, max %.1f ms over 100 sends",
      idle, result.idle_cpu_ms, result.idle_ms, p50, p99, max)
    print("#14 " .. line)
    record(line)
    assert.is_true(tonumber(result.idle_ms) >= 2900, result.idle_ms)
    assert.is_true(idle <= 10, idle)
    assert.is_true(p99 <= 250, p99)
    assert.are.equal(0, status)
  end)

  nvim("#14 examples/nvim_notify.lua: vim.notify for a message from someone else, none when quiet", function()
    sim:clear_faults()
    local status, result = run(nvim_cmd("nvim_notify_example.lua"), sim)
    assert.is_table(result, "host wrote no result")
    assert.are.equal("true", result.ok, tostring(result.err) .. " notes: " .. tostring(result.notes))
    assert.are.equal(0, status)
  end)

  -- Runs awesome with an rc file under a fresh Xvfb; returns what it wrote
  -- and its stderr.
  local function run_awesome(rc)
    local display, stop_x = xvfb.start()
    local _, result, stderr = run("DISPLAY=" .. display .. " timeout 40 awesome -c " .. rc, sim)
    stop_x()
    return result, stderr
  end

  local awesome = (version == "5.3") and it or pending
  awesome("awesome under Xvfb stays live with gears.timer", function()
    local result = run_awesome("spec/hosts/awesome_rc.lua")
    check("awesome under Xvfb", result)
    assert.are.equal("awesome", result.loop)
  end)

  awesome("#12 awesome: 100 requests on GLib socket watches, a gears.timer keeps ticking, no GLib warnings", function()
    sim:clear_faults()
    sim:fault { path = "^/v1/bridges/telegram$", delay = 0.5, times = 0 }
    local result, stderr = run_awesome("spec/hosts/awesome_many_rc.lua")
    assert.is_table(result, "host wrote no result")
    assert.are.equal("true", result.ok, result.err)
    assert.are.equal("awesome", result.loop)
    assert.are.equal("true", result.events) -- socket watches, not the timer pump
    assert.are.equal("100", result.done)
    assert.are.equal("timer=false watched=0", result.idle_holds)
    local ticks, elapsed = tonumber(result.ticks), tonumber(result.elapsed_ms)
    print(string.format("#12 awesome: %d ticks of a 10 ms gears.timer while 100 requests took %d ms", ticks, elapsed))
    record(string.format("awesome under Xvfb: %d ticks of a 10 ms gears.timer while 100 requests took %d ms",
      ticks, elapsed))
    assert.is_true(elapsed >= 450, elapsed)
    assert.is_true(ticks >= elapsed / 10 * 0.6, ticks .. " ticks in " .. elapsed .. " ms")
    assert.is_nil(stderr:find("GLib", 1, true), stderr)
    assert.is_nil(stderr:find("lgi", 1, true), stderr)
  end)

  awesome("#14 awesome: an unread-count textbox driven by live events, socket on a GLib watch", function()
    sim:clear_faults()
    local result, stderr = run_awesome("spec/hosts/awesome_events_rc.lua")
    assert.is_table(result, "host wrote no result")
    assert.are.equal("true", result.ok, result.err)
    assert.are.equal("awesome", result.loop)
    assert.are.equal("watch", result.mode) -- not polled
    assert.are.equal("false", result.poll_timer)
    assert.are.equal("unread: " .. result.after, result.text)
    assert.is_true(tonumber(result.before) > tonumber(result.after))
    record(string.format("awesome under Xvfb events: unread widget %s -> %s on chat.upserted", result.before,
      result.after))
    assert.is_nil(stderr:find("GLib", 1, true), stderr)
  end)

  awesome("#14 examples/awesome_unread.lua: the widget follows a chat marked read", function()
    sim:clear_faults()
    local result = run_awesome("spec/hosts/awesome_unread_example_rc.lua")
    assert.is_table(result, "host wrote no result")
    assert.are.equal("true", result.ok, result.err)
    local before, after = tonumber(result.before:match("%d+")), tonumber((result.after:match("%d+")) or 0)
    assert.is_true(after < before, result.before .. " -> " .. result.after)
  end)

  awesome("#11.6 awesome: a raising callback reaches debug::error; a request started in a callback completes", function()
    local result = run_awesome("spec/hosts/awesome_report_rc.lua")
    assert.is_table(result, "host wrote no result")
    assert.are.equal("true", result.ok, result.err)
    assert.are.equal("awesome", result.loop)
    assert.are.equal("telegram", result.bridge)
    assert.matches("awesome callback boom", result.reported)
  end)
end)
