-- The callback and coroutine cases of the non-blocking calls, shared by
-- spec/async_spec.lua (the blocking loop: curl_multi_poll) and
-- spec/luv_async_spec.lua (luv: the engine on socket events, issue 12;
-- after each case there no host handle is left active). Results,
-- cancellation, lifetime, retries, and 100 requests through one client.
-- (Two files, not one: luv's loop must not be made before
-- spec/engine_events_spec.lua runs, whose guard timers would start from a
-- loop time left behind by the spec files between.)
local helper = require "spec.helper"
local beeper = require "beeper"

-- t: the calling spec file's environment (busted's describe, it, assert...
-- live there, not in _G).
return function(t, name, uv)
  local describe, it, setup, teardown = t.describe, t.it, t.setup, t.teardown
  local before_each, after_each, assert = t.before_each, t.after_each, t.assert
  describe("non-blocking calls (" .. name .. " loop)", function()
    local sim, client, reported
    -- A luv adapter whose report() records (callback errors go there).
    local function loop()
      if name == "blocking" then return "blocking" end
      return require("beeper.loop.luv").new(uv, nil, function(m) reported[#reported + 1] = m end)
    end
    local run = name == "blocking" and beeper.run or function() uv.run() end

    setup(function()
      reported = {}
      sim = helper.start_sim()
      client = helper.client(sim, { loop = loop() })
    end)
    teardown(function()
      client:close()
      sim:stop()
    end)
    before_each(function()
      sim:reset()
      reported = {}
    end)
    if name == "luv" then
      after_each(function()
        local active = {}
        uv.walk(function(h) if h:is_active() then active[#active + 1] = tostring(h) end end)
        assert.are.same({}, active)
        local pump = client:pump()
        assert.is_nil(pump.timer)
        assert.is_nil(next(pump.watching))
      end)
    end

    it("returns a handle at once and calls back error-first", function()
      sim:fault { path = "^/v1/bridges/telegram$", delay = 0.3 }
      local got
      local t0 = helper.now()
      local h = client.bridges.get("telegram", function(err, bridge) got = { err, bridge } end)
      assert.is_true(helper.now() - t0 < 0.1)
      assert.is_function(h.cancel)
      assert.is_nil(got)
      run()
      assert.is_nil(got[1])
      assert.are.equal("telegram", got[2].id)
    end)

    it("gives the same error values as the blocking form", function()
      local got
      client.bridges.get("nope", function(err, r) got = { err, r } end)
      run()
      assert.are.equal("http", got[1].kind)
      assert.are.equal(404, got[1].status)
      assert.is_nil(got[2])
    end)

    it("cancels: one 'cancelled' callback, the transfer removed at once", function()
      sim:fault { path = "^/v1/bridges/telegram$", delay = 2 }
      local calls = {}
      local h = client.bridges.get("telegram", function(err) calls[#calls + 1] = err end)
      assert.are.equal(1, client:core():count())
      assert.is_true(h:cancel())
      assert.are.equal(0, client:core():count())
      assert.is_false(h:cancel())
      local t0 = helper.now()
      run()
      assert.is_true(helper.now() - t0 < 0.5)
      assert.are.equal(1, #calls)
      assert.are.equal("cancelled", calls[1].kind)
    end)

    it("retries with Retry-After without blocking", function()
      sim:fault { path = "^/v1/bridges$", status = 429, headers = { ["retry-after-ms"] = "100" } }
      local got
      client.bridges.list(function(err, list) got = { err, list } end)
      run()
      assert.is_nil(got[1])
      assert.is_table(got[2].items)
      -- (On luv a request is sent at the call: the one the previous spec
      -- cancelled may reach the log after its reset.)
      local tries = 0
      for _, r in ipairs(sim:requests()) do if r.path == "/v1/bridges" then tries = tries + 1 end end
      assert.are.equal(2, tries)
    end)

    it("survives a callback that errors", function()
      local second
      client.bridges.get("telegram", function() error("boom in callback") end)
      client.bridges.get("discordgo", function(err, b) second = b end)
      local ok, err = pcall(run)
      if not ok then assert.matches("boom in callback", err) end
      if name == "luv" then assert.matches("boom in callback", reported[1]) end
      run()
      assert.are.equal("discordgo", second.id)
    end)

    it("lets a callback cancel another request", function()
      sim:fault { path = "^/v1/bridges/discordgo$", delay = 1 }
      local other_calls = {}
      local other
      client.bridges.get("telegram", function() other:cancel() end)
      other = client.bridges.get("discordgo", function(err) other_calls[#other_calls + 1] = err end)
      run()
      assert.are.equal(1, #other_calls)
      assert.are.equal("cancelled", other_calls[1].kind)
    end)

    it("lets a callback close the client; the rest are cancelled", function()
      local c = helper.client(sim, { loop = loop() })
      sim:fault { path = "^/v1/bridges/discordgo$", delay = 1 }
      local kinds = {}
      c.bridges.get("telegram", function() c:close() end)
      c.bridges.get("discordgo", function(err) kinds[#kinds + 1] = err and err.kind end)
      run()
      assert.are.same({ "cancelled" }, kinds)
      assert(c.bridges.get("telegram")) -- a closed client makes a new transport
      c:close()
    end)

    it("runs calls inside beeper.async as if blocking", function()
      local result
      beeper.async(function()
        local s = assert(client.bridges.login_sessions.create("local-whatsapp"))
        local again, err = client.bridges.login_sessions.get("local-whatsapp", s.loginSessionID)
        local missing, err2 = client.bridges.get("nope")
        result = { again.loginSessionID == s.loginSessionID, err, missing, err2.status }
      end)
      assert.is_nil(result)
      run()
      assert.are.same({ true, nil, nil, 404 }, result)
    end)

    it("drives 100 concurrent requests through one client", function()
      local n, done, ids = 100, 0, {}
      for i = 1, n do
        client.bridges.login_sessions.create("local-whatsapp", function(err, s)
          assert.is_nil(err)
          ids[s.loginSessionID] = i
          done = done + 1
        end)
      end
      run()
      assert.are.equal(n, done)
      local distinct = 0
      for _ in pairs(ids) do distinct = distinct + 1 end
      assert.are.equal(n, distinct)
      assert.are.equal(0, client:core():count())
    end)
  end)
end
