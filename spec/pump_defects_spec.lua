-- Issue 11, the pump, tasks and flows (items 6, 11, 12, 13, 14), against
-- the simulator over loopback. The luv and Neovim halves run as real
-- programs: spec/luv_programs_spec.lua and spec/hosts_spec.lua.
local helper = require "spec.helper"
local beeper = require "beeper"
local async = require "beeper.transport.async"
local blocking = require "beeper.loop.blocking"

-- A fresh blocking loop with a report() that records, and hooks on defer.
local function recording_loop()
  local base = blocking.new()
  local adapter = { reported = {}, base = base }
  adapter.start_timer, adapter.stop_timer = base.start_timer, base.stop_timer
  adapter.add_io_waiter = base.add_io_waiter
  adapter.defer = function(fn)
    if adapter.on_defer then adapter.on_defer() end
    base.defer(fn)
  end
  adapter.report = function(message) adapter.reported[#adapter.reported + 1] = message end
  function adapter.run() base:run() end
  return adapter
end

local function count(sim, method)
  local n = 0
  for _, r in ipairs(sim:requests()) do if r.method == method then n = n + 1 end end
  return n
end

local function kb_after_gc()
  collectgarbage()
  collectgarbage()
  return collectgarbage("count")
end

describe("issue 11: pump, tasks and flows", function()
  local sim
  setup(function() sim = helper.start_sim() end)
  teardown(function() sim:stop() end)
  before_each(function()
    sim:reset()
    sim:config { qr_polls = 2 }
  end)

  it("#11.6 a raising logger and callback: both callbacks come, a second request works, errors reported", function()
    local loop = recording_loop()
    local client = helper.client(sim, { loop = loop, log_level = "info",
      logger = function() error("logger boom") end })
    local got = {}
    client.bridges.list(function(err, l)
      got.first = { err, l }
      client.bridges.get("telegram", function(err2, b) got.second = { err2, b } end)
      error("callback boom")
    end)
    loop.run()
    assert.is_nil(got.first[1])
    assert.is_table(got.first[2].items)
    assert.is_nil(got.second[1])
    assert.are.equal("telegram", got.second[2].id)
    local all = table.concat(loop.reported, "\n")
    assert.matches("logger boom", all)
    assert.matches("callback boom", all)
    client:close()
  end)

  it("#11.6 an error judging an answer is that request's error value; the pump goes on", function()
    local loop = recording_loop()
    local client = helper.client(sim, { loop = loop })
    client.outcome = function() error("judge boom") end -- an instance field shadows the method
    local got = {}
    for i = 1, 3 do client.bridges.list(function(err, l) got[i] = { err, l } end) end
    loop.run()
    for i = 1, 3 do
      assert.are.equal("internal", got[i][1].kind)
      assert.matches("judge boom", got[i][1].message)
    end
    client.outcome = nil
    local after
    client.bridges.get("telegram", function(err, b) after = { err, b } end)
    loop.run()
    assert.is_nil(after[1])
    assert.are.equal("telegram", after[2].id)
    assert.are.equal(0, client:core():count())
    client:close()
  end)

  it("#11.11 finished tasks leave nothing behind: 2000 tasks that wait on the loop", function()
    local loop = blocking.new()
    local client = helper.client(sim, { loop = loop })
    local done = 0
    local function batch(n)
      for _ = 1, n do
        async.task(function() return async.sleep(client, 0.001) end,
          function(err, ok) if ok and not err then done = done + 1 end end)
      end
      loop:run()
    end
    batch(100) -- warm-up: pump, timers, caches
    local before = kb_after_gc()
    for _ = 1, 20 do batch(100) end
    local growth = kb_after_gc() - before
    print(string.format("#11.11 2000 tasks: %.1f KB growth", growth))
    assert.are.equal(2100, done)
    assert.is_true(growth < 100, growth .. " KB")
    client:close()
  end)

  it("#11.11 finished poll tasks leave nothing behind: 300 polls with a callback", function()
    local loop = blocking.new()
    local client = helper.client(sim, { loop = loop })
    local s = assert(client.bridges.login_sessions.create("signal", { flow_id = "code" }))
    s = assert(beeper.poll(client, "signal", s.loginSessionID, { since = s, interval = 0.01 }))
    assert.are.equal("complete", s.status)
    local done = 0
    local function batch(n)
      for _ = 1, n do
        beeper.poll(client, "signal", s.loginSessionID, { callback = function(err, r)
          if r and not err then done = done + 1 end
        end })
      end
      loop:run()
    end
    batch(50)
    local before = kb_after_gc()
    for _ = 1, 6 do batch(50) end
    local growth = kb_after_gc() - before
    print(string.format("#11.11 300 poll tasks: %.1f KB growth", growth))
    assert.are.equal(350, done)
    assert.is_true(growth < 60, growth .. " KB")
    client:close()
  end)

  describe("#11.12 a raising ui function", function()
    local client
    before_each(function() client = helper.client(sim, { loop = "blocking" }) end)
    after_each(function() client:close() end)

    it("#11.12 ui.progress raising: the session is deleted and the error raised (blocking form)", function()
      local ui = { progress = function() error("progress boom") end, display = function() return true end }
      assert.has_error(function() beeper.connect(client, "local-whatsapp", ui) end, "progress boom")
      assert.are.equal(1, count(sim, "DELETE"))
      for _, session in pairs(sim:state().sessions) do assert.are.equal("cancelled", session.status) end
    end)

    for _, name in ipairs { "progress", "display" } do
      it("#11.12 ui." .. name .. " raising in callback form: kind 'ui' to the callback, session deleted", function()
        local ui = { display = function() return true end }
        ui[name] = function() error(name .. " boom") end
        local calls = {}
        beeper.connect(client, "local-whatsapp", ui, { interval = 0.01,
          callback = function(err, r) calls[#calls + 1] = { err, r } end })
        beeper.run()
        assert.are.equal(1, #calls)
        assert.is_nil(calls[1][2])
        assert.are.equal("ui", calls[1][1].kind)
        assert.matches(name .. " boom", calls[1][1].message)
        assert.matches(name .. " boom", calls[1][1].cause)
        assert.are.equal(1, count(sim, "DELETE"))
      end)
    end

    it("#11.12 ui.choose_flow and ui.code raising in callback form: kind 'ui' to the callback", function()
      local got = {}
      beeper.connect(client, "telegram", { choose_flow = function() error("choose boom") end },
        { callback = function(err) got.connect = err end })
      local anonymous = helper.client(sim, { loop = "blocking", access_token = "" })
      beeper.sign_in(anonymous, "ada@example.com", { code = function() error("code boom") end },
        { callback = function(err) got.sign_in = err end })
      beeper.run()
      assert.are.equal("ui", got.connect.kind)
      assert.matches("choose boom", got.connect.message)
      assert.are.equal("ui", got.sign_in.kind)
      assert.matches("code boom", got.sign_in.message)
      assert.are.equal(0, count(sim, "DELETE")) -- no session was made
      anonymous:close()
    end)
  end)

  it("#11.13 cancel() after the poll's request finished, before its answer is delivered, ends it 'cancelled'", function()
    sim:config { qr_polls = 1000 }
    local loop = recording_loop()
    local client = helper.client(sim, { loop = loop })
    local s = assert(client.bridges.login_sessions.create("local-whatsapp"))
    local calls, cancelled, task = {}, nil, nil
    -- The first defer after the poll started is the delivery of its first
    -- answer: the request is done, its callback not yet run. A host callback
    -- queued just before it cancels the task.
    loop.on_defer = function()
      loop.on_defer = nil
      loop.base.defer(function() cancelled = task.cancel() end)
    end
    local t0 = helper.now()
    task = beeper.poll(client, "local-whatsapp", s.loginSessionID, { since = s, interval = 0.05,
      deadline = 2, callback = function(err, r) calls[#calls + 1] = { err, r } end })
    loop.run()
    local elapsed = helper.now() - t0
    print(string.format("#11.13 cancel returned %s; callbacks %d (%s) after %.2f s", tostring(cancelled),
      #calls, calls[1] and tostring(calls[1][1] and calls[1][1].kind) or "none", elapsed))
    assert.is_true(cancelled)
    assert.are.equal(1, #calls)
    assert.are.equal("cancelled", calls[1][1].kind)
    assert.is_nil(calls[1][2])
    assert.is_true(elapsed < 0.5, elapsed)
    assert.are.equal(1, count(sim, "GET")) -- it stopped polling
    assert.is_false(task.cancel())
    client:close()
  end)

  it("#11.13 cancel() while a yielding ui waits, then the ui gives up: session deleted, task 'cancelled'", function()
    local loop = blocking.new()
    local client = helper.client(sim, { loop = loop })
    local task, got
    local ui = {
      user_input = function()
        local co = coroutine.running()
        loop.start_timer(10, function()
          assert.is_true(task.cancel())
          coroutine.resume(co, nil) -- nothing typed: the flow aborts
        end)
        return coroutine.yield()
      end,
    }
    task = beeper.connect(client, "telegram", ui, { callback = function(err, r) got = { err, r } end })
    loop:run()
    assert.are.equal("cancelled", got[1].kind)
    assert.are.equal(1, count(sim, "DELETE"))
    client:close()
  end)

  it("#11.14 a ui function that yields and is resumed from a loop timer completes a connect flow", function()
    local loop = blocking.new()
    local client = helper.client(sim, { loop = loop })
    local answers = { { phone = "+15555550100" }, { code = "424242" } }
    local asked = 0
    local ui = {
      -- The vim.ui.input pattern: remember the coroutine, yield, get
      -- resumed from a host callback with what the user typed.
      user_input = function()
        asked = asked + 1
        local co = coroutine.running()
        loop.start_timer(10, function() assert(coroutine.resume(co, table.remove(answers, 1))) end)
        return coroutine.yield()
      end,
    }
    local got
    beeper.connect(client, "telegram", ui, { interval = 0.01,
      callback = function(err, r) got = { err, r } end })
    loop:run()
    assert.are.equal(2, asked)
    assert.is_nil(got[1], got[1] and tostring(got[1]))
    assert.are.equal("complete", got[2].session.status)
    assert.are.equal(0, count(sim, "DELETE"))
    client:close()
  end)

  it("#11.14 a yielding ui function that raises after being resumed: kind 'ui', session deleted", function()
    local loop = blocking.new()
    local client = helper.client(sim, { loop = loop })
    local ui = {
      user_input = function()
        local co = coroutine.running()
        loop.start_timer(10, function() coroutine.resume(co) end)
        coroutine.yield()
        error("gave up typing")
      end,
    }
    local got
    beeper.connect(client, "telegram", ui, { callback = function(err, r) got = { err, r } end })
    loop:run()
    assert.are.equal("ui", got[1].kind)
    assert.matches("gave up typing", got[1].message)
    assert.are.equal(1, count(sim, "DELETE"))
    client:close()
  end)
end)

describe("issue 11: callbacks on the blocking loop", function()
  local sim
  setup(function() sim = helper.start_sim() end)
  teardown(function() sim:stop() end)

  it("#11.6 a raising callback raises out of beeper.run(); the client and the other callbacks go on", function()
    local client = helper.client(sim, { loop = "blocking" })
    local got = {}
    client.bridges.list(function() error("callback boom") end)
    client.bridges.get("telegram", function(err, b) got[#got + 1] = { err, b } end)
    local ok, msg = pcall(beeper.run)
    assert.is_false(ok)
    assert.matches("callback boom", msg)
    beeper.run() -- what was still pending is delivered
    client.bridges.get("telegram", function(err, b) got[#got + 1] = { err, b } end)
    beeper.run()
    assert.are.equal(2, #got)
    for _, g in ipairs(got) do
      assert.is_nil(g[1])
      assert.are.equal("telegram", g[2].id)
    end
    assert.are.equal(0, client:core():count())
    client:close()
  end)
end)
