-- Standalone luv: the loop stays live while a slow request is in flight.
local helper = require "spec.helper"

describe("luv loop", function()
  local sim
  setup(function() sim = helper.start_sim() end)
  teardown(function() sim:stop() end)

  it("keeps a 10 ms timer firing during a 2 s request", function()
    local uv = require "luv"
    local client = helper.client(sim, { loop = "luv" })
    sim:fault { path = "^/v1/bridges/local%-whatsapp/login%-sessions$", delay = 2 }
    local ticks, result = 0, nil
    local ticker = uv.new_timer()
    ticker:start(10, 10, function() ticks = ticks + 1 end)
    local t0 = uv.hrtime()
    client.bridges.login_sessions.create("local-whatsapp", function(err, s)
      result = { err, s, (uv.hrtime() - t0) / 1e6 }
      ticker:stop()
      ticker:close()
    end)
    uv.run()
    assert.is_nil(result[1])
    assert.are.equal("local-whatsapp", result[2].bridgeID)
    assert.is_true(result[3] >= 1900, result[3])
    -- 2 s at 10 ms is 200 ticks; a blocked loop would give about 0.
    assert.is_true(ticks >= 150, ticks)
    client:close()
  end)

  it("has no timer running when nothing is in flight", function()
    local uv = require "luv"
    local client = helper.client(sim, { loop = "luv" })
    local got
    client.bridges.list(function(err, l) got = l end)
    uv.run() -- returns only when no handle is active: the pump left none behind
    assert.is_table(got.items)
    local active = 0
    uv.walk(function(handle) if handle:is_active() then active = active + 1 end end)
    assert.are.equal(0, active)
    client:close()
  end)
end)
