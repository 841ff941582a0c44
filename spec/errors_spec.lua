-- Every error kind as a value, and the token in none of them.
local helper = require "spec.helper"
local core = require "beeper.core"

describe("error values", function()
  local sim, client
  local seen = {}

  local function expect_error(kind, r, err)
    assert.is_nil(r)
    assert.is_table(err)
    assert.are.equal(kind, err.kind)
    seen[#seen + 1] = tostring(err)
    return err
  end

  local served = helper.serve(function(s, c) sim, client = s, c end, { max_retries = 0 })
  setup(served.start)
  teardown(served.stop)
  before_each(function() sim:reset() end)

  it("http: status, code, message and details from the body", function()
    sim:fault { path = "^/v1/bridges$", status = 422,
      json = { code = "BAD", message = "bad thing", details = { issues = { { code = "x", message = "y", path = { "a", 1 } } } } } }
    local err = expect_error("http", client.bridges.list())
    assert.are.equal(422, err.status)
    assert.are.equal("BAD", err.code)
    assert.are.equal("bad thing", err.message)
    assert.are.equal("y", err.details.issues[1].message)
    assert.are.equal(0, err.retries)
  end)

  it("http: an HTML 502 page becomes a short message", function()
    sim:fault { path = "^/v1/bridges$", status = 502,
      headers = { ["Content-Type"] = "text/html" }, body = "<html><body><h1>502 Bad Gateway</h1></body></html>" }
    local err = expect_error("http", client.bridges.list())
    assert.are.equal(502, err.status)
    assert.is_nil(err.code)
    assert.are.equal("502 Bad Gateway", err.message)
  end)

  it("http: a redirect is not followed and the token goes nowhere", function()
    sim:fault { path = "^/v1/bridges$", status = 302, headers = { Location = "http://127.0.0.2:9/steal" } }
    local err = expect_error("http", client.bridges.list())
    assert.are.equal(302, err.status)
    assert.are.equal(1, #sim:requests())
  end)

  it("timeout: a server that never answers", function()
    sim:fault { path = "^/v1/bridges$", hang = true }
    local t0 = helper.now()
    local err = expect_error("timeout", client.bridges.list({ timeout = 0.3 }))
    assert.is_nil(err.status)
    assert.is_true(helper.now() - t0 < 2)
  end)

  it("connection: nothing listens", function()
    local c = helper.client(sim, { base_url = "http://127.0.0.1:" .. helper.closed_port(), max_retries = 0 })
    local err = expect_error("connection", c.bridges.list())
    assert.is_nil(err.status)
    c:close()
  end)

  it("connection: the server drops the connection", function()
    sim:fault { path = "^/v1/bridges$", close = true }
    expect_error("connection", client.bridges.list())
    sim:fault { path = "^/v1/bridges$", partial = true, status = 200, body = '{"items":[{"id":"abc"}]}' }
    expect_error("connection", client.bridges.list())
  end)

  it("decode: malformed JSON and an empty 200", function()
    sim:fault { path = "^/v1/bridges$", status = 200, body = '{"items": [' }
    local err = expect_error("decode", client.bridges.list())
    assert.are.equal(200, err.status)
    assert.matches("invalid JSON", err.message)
    sim:fault { path = "^/v1/bridges$", status = 200, body = "" }
    err = expect_error("decode", client.bridges.list())
    assert.are.equal("empty response body", err.message)
  end)

  it("cancelled: a transfer removed before it finished", function()
    sim:fault { path = "^/v1/bridges$", hang = true }
    local c = core.client {}
    local id = c:start("GET", sim.url .. "/v1/bridges", {}, nil, 5000, 1000)
    c:perform()
    assert.is_false(c:take(id))
    assert.is_true(c:cancel(id))
    local r, kind = c:take(id)
    assert.is_nil(r)
    assert.are.equal("cancelled", kind)
    c:close()
  end)

  it("never shows the access token", function()
    assert.is_true(#seen >= 7)
    for _, s in ipairs(seen) do
      assert.is_nil(s:find(sim.token, 1, true), s)
    end
    assert.is_nil(tostring(client):find(sim.token, 1, true))
    for k, v in pairs(client) do
      assert.are_not.equal(sim.token, v, k)
    end
  end)
end)
