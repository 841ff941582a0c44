-- Per-request options and the headers on the wire.
local helper = require "spec.helper"

describe("per-request options and headers", function()
  local sim, client

  local served = helper.serve(function(s, c) sim, client = s, c end, { headers = { ["X-Client"] = "c1" } })
  setup(served.start)
  teardown(served.stop)
  before_each(function() sim:reset() end)

  it("sends the documented headers", function()
    assert(client.bridges.list())
    local h = helper.last_request(sim).headers
    assert.are.equal("application/json", h.accept)
    assert.are.equal("Bearer " .. sim.token, h.authorization)
    assert.matches("^beeper%-lua/0%.1%.0 ", h["user-agent"])
    assert.are.equal("c1", h["x-client"])
    assert.is_nil(h["content-type"])
  end)

  it("sends a JSON body with its size, no chunking, no Expect", function()
    assert(client.bridges.login_sessions.create("local-whatsapp", { flow_id = "qr" }))
    local req = helper.last_request(sim)
    assert.are.equal("application/json", req.headers["content-type"])
    assert.are.equal(tostring(#req.body), req.headers["content-length"])
    assert.is_nil(req.headers["transfer-encoding"])
    assert.is_nil(req.headers.expect)
  end)

  it("takes headers per request, false removes one", function()
    assert(client.bridges.list({ headers = { ["X-Trace"] = "t-1", ["X-Client"] = false } }))
    local h = helper.last_request(sim).headers
    assert.are.equal("t-1", h["x-trace"])
    assert.is_nil(h["x-client"])
    assert(client.bridges.list())
    h = helper.last_request(sim).headers
    assert.is_nil(h["x-trace"])
    assert.are.equal("c1", h["x-client"])
  end)

  it("rejects a header value with CR or LF before sending", function()
    assert.has_error(function()
      client.bridges.list({ headers = { ["X-Evil"] = "a\r\nX-Injected: 1" } })
    end, "beeper: header 'X-Evil' contains CR, LF or NUL")
    assert.are.equal(0, #sim:requests())
  end)

  it("takes a timeout per request", function()
    sim:fault { path = "^/v1/bridges$", delay = 1 }
    local t0 = helper.now()
    local _, err = client.bridges.list({ timeout = 0.2, max_retries = 0 })
    assert.are.equal("timeout", err.kind)
    assert.is_true(helper.now() - t0 < 0.9)
    sim:fault { path = "^/v1/bridges$", delay = 0.3 }
    assert(client.bridges.list({ timeout = 5 }))
  end)

  it("rejects a token with CR or LF when the client is made", function()
    local ok, err = pcall(helper.client, sim, { access_token = "abc\r\nX-Evil: 1" })
    assert.is_false(ok)
    assert.matches("access_token contains CR, LF or NUL", err)
    assert.is_nil(err:find("X-Evil", 1, true))
  end)
end)
