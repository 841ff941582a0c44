-- The real hosts: Neovim (LuaJIT) and awesome (Lua 5.3 under Xvfb) load the
-- module, start a request the simulator answers after 2 s, and their own
-- 10 ms timers keep firing meanwhile. Each runs once, in the matching pass.
local helper = require "spec.helper"
local common = require "spec.hosts.common"

local version = os.getenv("BEEPER_TEST_LUA_VERSION")
local root = os.getenv("PWD")

-- Runs a host program to its end; returns its exit status.
local function run(cmd, sim, out)
  local env = string.format("BEEPER_ROOT='%s' BEEPER_HOST_OUT='%s' BEEPER_BASE_URL='%s' BEEPER_ACCESS_TOKEN='%s' ",
    root, out, sim.url, sim.token)
  local p = io.popen(env .. cmd .. " >/dev/null 2>&1; echo \"exit=$?\"")
  local status = tonumber(p:read("*a"):match("exit=(%d+)"))
  p:close()
  return status
end

-- What each host measured, for the record (the assertions are below).
local function report(name, result)
  local f = io.open("build/hosts-report.txt", "a")
  if f then
    f:write(string.format("%s: %s ticks of a 10 ms timer during a %s ms request\n", name,
      tostring(result.ticks), tostring(result.elapsed_ms)))
    f:close()
  end
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
    local out = os.tmpname()
    run("timeout 30 nvim --headless -u NONE -i NONE -n -c 'luafile spec/hosts/nvim_host.lua'", sim, out)
    local result = common.read(out)
    os.remove(out)
    check("nvim --headless", result)
    assert.are.equal("neovim", result.loop)
    assert.are.equal("true", result.api)
    assert.are.equal("false", result.in_fast_event)
  end)

  nvim("#11.6 Neovim: a logger that writes into a buffer, two callback requests, exit 0", function()
    local out = os.tmpname()
    local status = run("timeout 30 nvim --headless -u NONE -i NONE -n -c 'luafile spec/hosts/nvim_logger.lua'",
      sim, out)
    local result = common.read(out)
    os.remove(out)
    assert.is_table(result, "host wrote no result")
    assert.are.equal("true", result.ok, result.err)
    assert.are.equal("neovim", result.loop)
    assert.are.equal("ok table", result.first)
    assert.are.equal("ok table", result.second)
    assert.matches("GET /v1/bridges %-> ok", result.log)
    assert.matches("GET /v1/bridges/telegram %-> ok", result.log)
    assert.are.equal(0, status)
  end)

  -- Runs awesome with an rc file under a fresh Xvfb; returns what it wrote.
  local function run_awesome(rc)
    local out = os.tmpname()
    local display = ":" .. (90 + math.random(0, 9))
    local xvfb = io.popen("Xvfb " .. display .. " -screen 0 800x600x24 -nolisten tcp >/dev/null 2>&1 & echo $!")
    local pid = xvfb:read("*l")
    xvfb:close()
    os.execute("sleep 1")
    run("DISPLAY=" .. display .. " timeout 40 awesome -c " .. rc, sim, out)
    os.execute("kill " .. pid .. " 2>/dev/null")
    local result = common.read(out)
    os.remove(out)
    return result
  end

  local awesome = (version == "5.3") and it or pending
  awesome("awesome under Xvfb stays live with gears.timer", function()
    local result = run_awesome("spec/hosts/awesome_rc.lua")
    check("awesome under Xvfb", result)
    assert.are.equal("awesome", result.loop)
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
