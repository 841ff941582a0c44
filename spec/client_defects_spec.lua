-- Issue 11, the client layer: values that passed the checks and then broke,
-- the token and environment proxies, a missing token, callable callbacks,
-- and server waits that could stall a call for hours.
local helper = require "spec.helper"
local beeper = require "beeper"

-- CPU seconds this process used while fn ran, and the wall time.
local function costs(fn)
  local c0, t0 = os.clock(), helper.now()
  local a, b = fn()
  return os.clock() - c0, helper.now() - t0, a, b
end

describe("issue 11: client layer", function()
  local sim, client
  local served = helper.serve(function(s, c) sim, client = s, c end)
  setup(served.start)
  teardown(served.stop)
  before_each(function() sim:reset() end)

  describe("#11.1 #11.2 server waits", function()
    for _, value in ipairs { "1e999", "inf", "nan", "-1", "3600", "Fri, 01 Jan 2100 00:00:00 GMT" } do
      it("Retry-After: " .. value .. " falls back to the backoff: no sleep for hours, no spin", function()
        sim:fault { path = "^/v1/bridges$", status = 503, headers = { ["Retry-After"] = value } }
        local cpu, wall, list, err = costs(function() return client.bridges.list({ max_retries = 1 }) end)
        assert.is_table(list, tostring(err))
        assert.is_true(wall < 1.5, string.format("took %.2f s", wall))
        assert.is_true(cpu < 0.3, string.format("used %.2f s of CPU", cpu))
        assert.are.equal(2, #sim:requests())
      end)
    end

    it("a sane Retry-After below 60 s is still honoured", function()
      sim:fault { path = "^/v1/bridges$", status = 429, headers = { ["Retry-After"] = "1" } }
      local _, wall, list = costs(function() return client.bridges.list() end)
      assert.is_table(list)
      assert.is_true(wall >= 0.95, wall)
    end)
  end)

  describe("#11.3 proxies", function()
    local proxy
    setup(function() proxy = helper.start_sim() end)
    teardown(function() proxy:stop() end)
    before_each(function() proxy:clear_requests() end)

    local SCRIPT = [[
      local beeper = require "beeper"
      local c = beeper.new { base_url = os.getenv("SIM"), access_token = "sim-token", max_retries = 0,
                             proxy = os.getenv("USE_PROXY") }
      local list, err = c.bridges.list()
      print(list and "answered " .. #list.items or tostring(err))
    ]]

    it("ignores http_proxy, HTTPS_PROXY and ALL_PROXY from the environment", function()
      local out = helper.run_lua(SCRIPT, { SIM = sim.url, http_proxy = proxy.url, HTTP_PROXY = proxy.url,
        HTTPS_PROXY = proxy.url, ALL_PROXY = proxy.url, all_proxy = proxy.url })
      assert.matches("^answered %d+", out)
      assert.are.equal(0, #proxy:requests())
      assert.are.equal(1, #sim:requests())
    end)

    it("uses a proxy only when beeper.new is given one", function()
      local out = helper.run_lua(SCRIPT, { SIM = sim.url, USE_PROXY = proxy.url })
      local seen = proxy:requests()
      assert.are.equal(1, #seen, out)
      assert.are.equal(sim.url .. "/v1/bridges", seen[1].path) -- absolute form: a proxy request
      assert.are.equal(0, #sim:requests())
    end)

    it("refuses a proxy that is not a URL", function()
      for _, bad in ipairs { "", 3128, "http://a b", "http://x\n" } do
        assert.has_error(function() beeper.new { proxy = bad } end,
          "beeper.new: proxy must be a URL such as http://127.0.0.1:3128")
      end
    end)
  end)

  describe("#11.16 huge numbers", function()
    it("takes math.huge timeouts as no limit, in beeper.new and per call", function()
      local c = helper.client(sim, { timeout = math.huge, connect_timeout = math.huge })
      assert.is_table(c.bridges.list())
      assert.is_table(c.bridges.list({ timeout = math.huge, deadline = math.huge, connect_timeout = 1e300 }))
      assert.is_table(client.bridges.list({ timeout = 1e300 }))
      local got
      c.bridges.list({ timeout = math.huge }, function(err, l) got = l or err end)
      beeper.run()
      assert.is_table(got.items, tostring(got))
      c:close()
    end)

    it("refuses NaN and out-of-range sizes at once", function()
      local nan = 0 / 0
      assert.has_error(function() beeper.new { timeout = nan } end, "beeper.new: timeout must be a number >= 0.001")
      assert.has_error(function() client.bridges.list({ timeout = nan }) end,
        "beeper: bridges.list: option timeout must be a number >= 0.001")
      assert.has_error(function() client.bridges.list({ deadline = -1 }) end,
        "beeper: bridges.list: option deadline must be a number >= 0")
      assert.has_error(function() beeper.new { max_depth = math.huge } end,
        "beeper.new: max_depth must be an integer from 1 to 10000")
      assert.has_error(function() beeper.new { max_body = 1.5 } end,
        "beeper.new: max_body must be an integer from 1 to 9007199254740992")
    end)
  end)

  describe("#11.17 callable tables", function()
    it("takes a table with __call in the callback position for a callback", function()
      local calls = {}
      local cb = setmetatable({}, { __call = function(_, err, list) calls[#calls + 1] = { err, list } end })
      local h = client.bridges.list(cb)
      assert.is_table(h) -- a handle: the call did not block
      beeper.run()
      assert.are.equal(1, #calls)
      assert.is_nil(calls[1][1])
      assert.is_table(calls[1][2].items)
    end)

    it("works with a busted spy", function()
      local s = spy.new(function() end)
      client.bridges.get("local-whatsapp", s)
      beeper.run()
      assert.spy(s).was.called(1)
    end)
  end)

  describe("#11.18 no token", function()
    it("reaches the callback as an error value instead of raising", function()
      local anon = helper.client(sim, { access_token = "" })
      local got, raised
      local ok = pcall(function()
        anon.bridges.list(function(err, list) got = { err, list } end)
      end)
      raised = not ok
      beeper.run()
      assert.is_false(raised)
      assert.are.equal("auth", got[1].kind)
      assert.matches("BEEPER_ACCESS_TOKEN", tostring(got[1]))
      assert.is_nil(got[2])
      assert.are.equal(0, #sim:requests())
      anon:close()
    end)

    it("is returned by the blocking form and inside beeper.async", function()
      local anon = helper.client(sim, { access_token = "" })
      local r, err = anon.bridges.list()
      assert.is_nil(r)
      assert.are.equal("auth", err.kind)
      local seen
      beeper.async(function() seen = select(2, anon.bridges.list()) end)
      beeper.run()
      assert.are.equal("auth", seen.kind)
      anon:close()
    end)

    it("still raises for programming mistakes", function()
      local anon = helper.client(sim, { access_token = "" })
      assert.has_error(function() anon.bridges.get({}, function() end) end,
        "beeper: bridge_id must be a string, got table")
      anon:close()
    end)
  end)

  describe("#11.19 base_url", function()
    it("refuses a query string or a fragment", function()
      for _, url in ipairs { "http://127.0.0.1:1/?x=1", "http://127.0.0.1:1/api?", "http://h#frag" } do
        assert.has_error(function() beeper.new { base_url = url } end,
          "beeper.new: base_url must be an http:// or https:// URL without a query or fragment")
      end
    end)
  end)
end)
