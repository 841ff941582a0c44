-- beeper.bridges... on the default client, configured from the environment,
-- in a fresh interpreter so the variables are real.
local helper = require "spec.helper"

describe("the default client", function()
  local sim

  setup(function() sim = helper.start_sim() end)
  teardown(function() sim:stop() end)
  before_each(function() sim:reset() end)

  it("reads BEEPER_BASE_URL, BEEPER_ACCESS_TOKEN and BEEPER_CUSTOM_HEADERS", function()
    local out = helper.run_lua([[
      local beeper = require "beeper"
      local s = assert(beeper.bridges.login_sessions.create("local-whatsapp"))
      local again = assert(beeper.bridges.login_sessions.get("local-whatsapp", s.loginSessionID))
      io.write(again.bridgeID, " ", tostring(beeper.default_client()))
    ]], { BEEPER_BASE_URL = sim.url, BEEPER_ACCESS_TOKEN = sim.token,
          BEEPER_CUSTOM_HEADERS = "X-From-Env: yes\nX-Other: 2" })
    assert.are.equal("local-whatsapp beeper client (" .. sim.url .. ")", out)
    local req = helper.last_request(sim)
    assert.are.equal("Bearer " .. sim.token, req.headers.authorization)
    assert.are.equal("yes", req.headers["x-from-env"])
    assert.are.equal("2", req.headers["x-other"])
  end)

  it("runs the public setup calls with no token, and names the variable when one is needed", function()
    local out = helper.run_lua([[
      local beeper = require "beeper"
      local start = assert(beeper.app.login.start())
      local list, err = beeper.bridges.list()
      io.write(type(start.setupRequestID), " ", tostring(list), " ", err.kind, " ", tostring(err))
    ]], { BEEPER_BASE_URL = sim.url })
    assert.matches("^string nil auth .*BEEPER_ACCESS_TOKEN", out)
  end)

  it("defaults to http://localhost:23373", function()
    local out = helper.run_lua([[io.write(require("beeper").default_client().base_url)]])
    assert.are.equal("http://localhost:23373", out)
  end)
end)
