-- JSON null and integers as Lua sees them, and the host's cjson untouched.
local helper = require "spec.helper"
local beeper = require "beeper"

describe("decoding", function()
  local sim, client

  local served = helper.serve(function(s, c) sim, client = s, c end, { max_retries = 0 })
  setup(served.start)
  teardown(served.stop)
  before_each(function() sim:reset() end)

  it("drops null members and keeps integers as integers", function()
    local tg = assert(client.bridges.get("telegram"))
    assert.is_nil(tg.statusText)
    assert.are.equal(2, tg.activeAccountCount)
    if math.type then assert.are.equal("integer", math.type(tg.activeAccountCount)) end
  end)

  it("normalises nested values and keeps array nulls in place", function()
    sim:fault { path = "^/v1/bridges$", status = 200,
      body = '{"items":[1,null,2],"n":3.0,"f":2.5,"x":null,"deep":{"a":{"b":null,"c":[{"d":4}]}},"big":1e300}' }
    local v = assert(client.bridges.list())
    assert.are.equal(3, #v.items)
    assert.are.equal(beeper.null, v.items[2])
    assert.is_nil(v.x)
    assert.is_nil(v.deep.a.b)
    assert.are.equal(4, v.deep.a.c[1].d)
    assert.are.equal(2.5, v.f)
    assert.are.equal(1e300, v.big)
    if math.type then
      assert.are.equal("integer", math.type(v.n))
      assert.are.equal("integer", math.type(v.deep.a.c[1].d))
      assert.are.equal("float", math.type(v.f))
      assert.are.equal("float", math.type(v.big))
    end
  end)

  it("leaves the host's global cjson settings alone", function()
    local cjson = require "cjson"
    cjson.decode_max_depth(3)
    sim:fault { path = "^/v1/bridges$", status = 200, body = '{"a":{"b":{"c":{"d":{"e":1}}}}}' }
    local v = assert(client.bridges.list())
    assert.are.equal(1, v.a.b.c.d.e)
    assert.has_error(function() cjson.decode('{"a":{"b":{"c":{"d":1}}}}') end)
    cjson.decode_max_depth(1000)
  end)

  it("refuses NaN and Infinity, which are not JSON", function()
    sim:fault { path = "^/v1/bridges$", status = 200, body = '{"n": NaN}' }
    local _, err = client.bridges.list()
    assert.are.equal("decode", err.kind)
  end)
end)
