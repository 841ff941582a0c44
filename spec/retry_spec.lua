-- Retries as the official SDK makes them: statuses, hints, delays, limits.
local helper = require "spec.helper"

describe("retries", function()
  local sim, client

  local served = helper.serve(function(s, c) sim, client = s, c end)
  setup(served.start)
  teardown(served.stop)
  before_each(function() sim:reset() end)

  it("waits Retry-After seconds after a 429, then succeeds", function()
    sim:fault { path = "^/v1/bridges$", status = 429, headers = { ["Retry-After"] = "1" },
      json = { code = "RATE_LIMITED", message = "slow down" } }
    local t0 = helper.now()
    local list = assert(client.bridges.list())
    local took = helper.now() - t0
    assert.is_table(list.items)
    assert.is_true(took >= 1 and took < 3, took)
    assert.are.equal(2, #sim:requests())
  end)

  it("prefers retry-after-ms", function()
    sim:fault { path = "^/v1/bridges$", status = 503, headers = { ["retry-after-ms"] = "150", ["Retry-After"] = "30" } }
    local t0 = helper.now()
    assert(client.bridges.list())
    local took = helper.now() - t0
    assert.is_true(took >= 0.15 and took < 2, took)
  end)

  it("gives up after max_retries and says how many were made", function()
    sim:fault { path = "^/v1/bridges$", status = 500, times = -1, headers = { ["retry-after-ms"] = "10" },
      json = { code = "BOOM", message = "internal" } }
    local r, err = client.bridges.list()
    assert.is_nil(r)
    assert.are.equal(500, err.status)
    assert.are.equal(2, err.retries)
    assert.are.equal(3, #sim:requests())
    assert.matches("after 2 retries", tostring(err))
  end)

  it("takes max_retries per request", function()
    sim:fault { path = "^/v1/bridges$", status = 500, times = -1 }
    local _, err = client.bridges.list({ max_retries = 0 })
    assert.are.equal(0, err.retries)
    assert.are.equal(1, #sim:requests())
  end)

  it("obeys x-should-retry both ways", function()
    sim:fault { path = "^/v1/bridges$", status = 503, headers = { ["x-should-retry"] = "false" } }
    local _, err = client.bridges.list()
    assert.are.equal(503, err.status)
    assert.are.equal(1, #sim:requests())
    sim:clear_requests()
    sim:fault { path = "^/v1/bridges$", status = 400, headers = { ["x-should-retry"] = "true", ["retry-after-ms"] = "1" } }
    assert(client.bridges.list())
    assert.are.equal(2, #sim:requests())
  end)

  it("does not retry other client errors", function()
    sim:fault { path = "^/v1/bridges$", status = 404, json = { code = "NOT_FOUND", message = "no" } }
    local _, err = client.bridges.list()
    assert.are.equal(0, err.retries)
    assert.are.equal(1, #sim:requests())
  end)

  it("retries a dropped connection and a POST", function()
    sim:fault { method = "POST", path = "/login%-sessions$", close = true }
    local s = assert(client.bridges.login_sessions.create("local-whatsapp"))
    assert.are.equal("local-whatsapp", s.bridgeID)
    assert.are.equal(2, #sim:requests()) -- the dropped one, then the retry
  end)

  it("lets the caller's deadline win over a long Retry-After", function()
    sim:fault { path = "^/v1/bridges$", status = 429, times = -1, headers = { ["Retry-After"] = "50" } }
    local t0 = helper.now()
    local _, err = client.bridges.list({ deadline = 2 })
    assert.is_true(helper.now() - t0 < 1)
    assert.are.equal(429, err.status)
    assert.are.equal(0, err.retries)
  end)
end)
