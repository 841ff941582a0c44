-- Polling a login session to each end, with deadline and cancellation.
local helper = require "spec.helper"
local beeper = require "beeper"

describe("beeper.flows.poll", function()
  local sim, client

  local served = helper.serve(function(s, c) sim, client = s, c end, { loop = "blocking" })
  setup(served.start)
  teardown(served.stop)
  before_each(function() sim:reset() end)

  it("returns the completed session after the scripted polls, reporting changes", function()
    sim:config { qr_polls = 3 }
    local s = assert(client.bridges.login_sessions.create("local-whatsapp"))
    local changes = {}
    local done = assert(beeper.poll(client, "local-whatsapp", s.loginSessionID,
      { since = s, interval = 0.05, on_change = function(x) changes[#changes + 1] = x.status end }))
    assert.are.equal("complete", done.status)
    assert.are.same({ "complete" }, changes)
    local gets = 0
    for _, r in ipairs(sim:requests()) do if r.method == "GET" then gets = gets + 1 end end
    assert.are.equal(3, gets)
  end)

  it("reports a failed session as an error carrying the session's error", function()
    local s = assert(client.bridges.login_sessions.create("failing"))
    local r, err = beeper.poll(client, "failing", s.loginSessionID, { since = s, interval = 0.05 })
    assert.is_nil(r)
    assert.are.equal("failed", err.kind)
    assert.are.equal("BRIDGE_UNAVAILABLE", err.code)
    assert.is_false(err.details.retryable)
    assert.are.equal("failed", err.session.status)
  end)

  it("reports a session cancelled on the server", function()
    local s = assert(client.bridges.login_sessions.create("local-whatsapp"))
    assert(client.bridges.login_sessions.cancel("local-whatsapp", s.loginSessionID))
    local _, err = beeper.poll(client, "local-whatsapp", s.loginSessionID, { since = s, interval = 0.05 })
    assert.are.equal("cancelled", err.kind)
    assert.are.equal("cancelled", err.session.status)
  end)

  it("gives up at the deadline", function()
    sim:config { qr_polls = 1000 }
    local s = assert(client.bridges.login_sessions.create("local-whatsapp"))
    local t0 = helper.now()
    local _, err = beeper.poll(client, "local-whatsapp", s.loginSessionID, { since = s, interval = 0.1, deadline = 0.5 })
    assert.are.equal("timeout", err.kind)
    assert.is_true(helper.now() - t0 < 1)
  end)

  it("polls without blocking and can be cancelled", function()
    sim:config { qr_polls = 1000 }
    local s = assert(client.bridges.login_sessions.create("local-whatsapp"))
    local results = {}
    local task = beeper.poll(client, "local-whatsapp", s.loginSessionID, { since = s, interval = 0.05,
      callback = function(err, r) results[#results + 1] = { err, r } end })
    assert.are.equal(0, #results)
    local loop = require("beeper.loop.blocking").default()
    loop.start_timer(300, function() assert.is_true(task.cancel()) end)
    beeper.run()
    assert.are.equal(1, #results)
    assert.are.equal("cancelled", results[1][1].kind)
    assert.is_false(task.cancel())
  end)

  it("polls to completion with a callback", function()
    sim:config { qr_polls = 2 }
    local s = assert(client.bridges.login_sessions.create("signal", { flow_id = "code" }))
    local got
    beeper.poll(client, "signal", s.loginSessionID, { since = s, interval = 0.05,
      callback = function(err, r) got = { err, r } end })
    beeper.run()
    assert.is_nil(got[1])
    assert.are.equal("complete", got[2].status)
  end)
end)
