-- The C engine directly: lifetime, cancellation, concurrency.
local helper = require "spec.helper"
local core = require "beeper.core"

describe("beeper.core", function()
  local sim

  setup(function() sim = helper.start_sim() end)
  teardown(function() sim:stop() end)
  before_each(function() sim:reset() end)

  local auth
  before_each(function() auth = { "Authorization: Bearer " .. sim.token } end)

  it("closes idempotently and refuses work afterwards", function()
    local c = core.client {}
    c:close()
    c:close()
    assert.has_error(function() c:start("GET", sim.url .. "/v1/info") end, "beeper: client is closed")
    assert.matches("closed", tostring(c))
  end)

  it("reports a running transfer as not yet done", function()
    sim:fault { path = "^/v1/info$", delay = 0.3 }
    local c = core.client {}
    local id = c:start("GET", sim.url .. "/v1/info", {}, nil, 5000, 1000)
    c:perform()
    assert.is_false(c:take(id))
    local status, value = c:run(id)
    assert.are.equal(200, status)
    assert.is_table(value.app)
    c:close()
  end)

  it("drives many transfers at once and hands each back once", function()
    local c = core.client {}
    local ids = {}
    for i = 1, 20 do
      ids[c:start("GET", sim.url .. "/v1/bridges/telegram", auth, nil, 5000, 1000)] = i
    end
    local got = 0
    local deadline = core.now() + 10
    while got < 20 and core.now() < deadline do
      c:perform()
      local id = c:next_done()
      while id do
        assert.is_truthy(ids[id])
        local status, value = c:take(id)
        assert.are.equal(200, status)
        assert.are.equal("telegram", value.id)
        ids[id] = nil
        got = got + 1
        id = c:next_done()
      end
      c:wait(50)
    end
    assert.are.equal(20, got)
    assert.are.equal(0, c:count())
    c:close()
  end)

  it("frees in-flight transfers when the client is collected", function()
    sim:fault { path = "^/v1/info$", hang = true, times = -1 }
    do
      local c = core.client {}
      for _ = 1, 5 do c:start("GET", sim.url .. "/v1/info", {}, nil, 5000, 1000) end
      c:perform()
    end
    collectgarbage()
    collectgarbage()
    local c = core.client {}
    sim:clear_faults()
    assert.are.equal(200, (c:run(c:start("GET", sim.url .. "/v1/info", {}, nil, 5000, 1000))))
    c:close()
  end)

  it("caps the body size", function()
    sim:fault { path = "^/v1/info$", status = 200, body = '"' .. string.rep("x", 5000) .. '"' }
    local c = core.client { max_body = 1000 }
    local status, kind, msg = c:run(c:start("GET", sim.url .. "/v1/info", {}, nil, 5000, 1000))
    assert.is_nil(status)
    assert.are.equal("decode", kind)
    assert.matches("larger than 1000 bytes", msg)
    c:close()
  end)

  it("refuses header lines that would smuggle a header", function()
    local c = core.client {}
    assert.has_error(function() c:start("GET", sim.url, { "X: a\r\nY: b" }) end,
      "beeper: header 1 is not a single line of text")
    c:close()
  end)
end)
