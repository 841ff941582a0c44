-- Issue 15 (awesome): the widget module in a real awesome under Xvfb, as a
-- user drops it into rc.lua: the unread count with a token, "no token",
-- a stopped Beeper Desktop and a broken BEEPER_BASE_URL shown in the widget
-- with one naughty notification, and rc.lua going on in every case. Runs in
-- the Lua 5.3 pass only (Debian's awesome).
local helper = require "spec.helper"
local common = require "spec.hosts.common"
local xvfb = require "spec.xvfb"
local read_text = require("beeper.sim.proc").read_file

local version = os.getenv("BEEPER_TEST_LUA_VERSION")
local root = os.getenv("PWD")
local awesome_it = (version == "5.3") and it or pending

-- Runs awesome with the widget rc under a fresh Xvfb with env; returns
-- the exit status, what the rc wrote and awesome's stderr.
local function run_awesome(env)
  local out, err_file = os.tmpname(), os.tmpname()
  local display, stop_x = xvfb.start()
  local parts = { "env -u BEEPER_ACCESS_TOKEN -u BEEPER_BASE_URL", "BEEPER_ROOT='" .. root .. "'",
    "BEEPER_HOST_OUT='" .. out .. "'", "DISPLAY=" .. display }
  for k, v in pairs(env) do parts[#parts + 1] = k .. "='" .. v .. "'" end
  local p = io.popen(table.concat(parts, " ") .. " timeout 40 awesome -c spec/hosts/awesome_widget_rc.lua >/dev/null 2>"
    .. err_file .. "; echo \"exit=$?\"")
  local status = tonumber(p:read("*a"):match("exit=(%d+)"))
  p:close()
  stop_x()
  local result = common.read(out)
  os.remove(out)
  local stderr = read_text(err_file)
  os.remove(err_file)
  return status, result or {}, stderr
end

describe("#15 the awesome widget under Xvfb", function()
  local sim
  setup(function()
    if version == "5.3" then sim = helper.start_sim() end
  end)
  teardown(function()
    if sim then sim:stop() end
  end)

  awesome_it("with a token: connected, the unread count of the simulator's chats, no notification", function()
    local client = helper.client(sim)
    local page = assert(client.chats.search { unread_only = true, limit = 100 })
    local want = 0
    for _, chat in ipairs(page.items) do want = want + chat.unreadCount end
    client:close()
    assert.is_true(want > 0)
    local status, r, stderr = run_awesome { BEEPER_BASE_URL = sim.url, BEEPER_ACCESS_TOKEN = sim.token }
    assert.is_nil(r.err, r.err)
    assert.are.equal("connected", r.status)
    assert.are.equal(tostring(want), r.unread)
    assert.are.equal("✉ " .. want .. (page.hasMore and "+" or ""), r.text)
    assert.are.equal("connected", r.second_status)
    assert.are.equal("0", r.notes)
    assert.are.equal("true", r.rest_of_rc)
    assert.is_nil(stderr:find(" E: ", 1, true), stderr) -- awesome's error lines
    assert.are.equal(0, status)
  end)

  awesome_it("without a token: 'no token' in the widget, one notification with advice, rc.lua goes on", function()
    local status, r, stderr = run_awesome { BEEPER_BASE_URL = sim.url }
    assert.is_nil(r.err, r.err)
    assert.are.equal("no token", r.status)
    assert.are.equal("✉ no token", r.text)
    assert.are.equal("auth", r.error_kind)
    assert.are.equal("no token", r.second_status)
    assert.are.equal("1", r.notes)
    assert.matches("beeper: no token: .*BEEPER_ACCESS_TOKEN", r.note)
    assert.are.equal("true", r.rest_of_rc)
    assert.is_nil(stderr:find(" E: ", 1, true), stderr) -- awesome's error lines
    assert.are.equal(0, status)
  end)

  awesome_it("Beeper Desktop stopped: 'off' in the widget, one notification, the token not shown", function()
    local status, r = run_awesome { BEEPER_BASE_URL = "http://127.0.0.1:" .. helper.closed_port(),
      BEEPER_ACCESS_TOKEN = sim.token }
    assert.is_nil(r.err, r.err)
    assert.are.equal("offline", r.status)
    assert.are.equal("✉ off", r.text)
    assert.are.equal("connection", r.error_kind)
    assert.are.equal("1", r.notes)
    assert.matches("Is Beeper Desktop running", r.note)
    assert.is_nil(r.note:find(sim.token, 1, true))
    assert.are.equal("true", r.rest_of_rc)
    assert.are.equal(0, status)
  end)

  awesome_it("a broken BEEPER_BASE_URL: shown in the widget, never raised into rc.lua", function()
    local status, r = run_awesome { BEEPER_BASE_URL = "localhost:23373", BEEPER_ACCESS_TOKEN = sim.token }
    assert.is_nil(r.err, r.err)
    assert.are.equal("error", r.status)
    assert.are.equal("✉ !", r.text)
    assert.are.equal("1", r.notes)
    assert.matches("base_url", r.note)
    assert.are.equal("true", r.rest_of_rc)
    assert.are.equal(0, status)
  end)
end)
