-- Issue 14: live events over /v1/ws against the simulator, on the blocking
-- loop (beeper.run) and on luv; a hostile server (faults of the simulator:
-- 401, bad accept key, garbage, oversize, invalid UTF-8, masked frames,
-- no pongs) is an error value and a reconnect, never a crash.
local helper = require "spec.helper"
local beeper = require "beeper"
local sim_mod = require "beeper.sim"

local FAST = { min = 0.05, max = 0.2 } -- reconnect backoff for specs

local function run_until(cond, limit)
  local deadline = helper.now() + (limit or 5)
  beeper.run(function() return cond() or helper.now() > deadline end)
  assert(cond(), "condition not reached")
end

-- Every subscription a spec made, closed after each spec (a failed one
-- would otherwise keep the shared blocking loop busy).
local open_subs = {}

local function close_all()
  for sub in pairs(open_subs) do sub:close() end
  open_subs = {}
  local deadline = helper.now() + 2
  beeper.run(function() return helper.now() > deadline end)
end

-- A subscription that records what it gets.
local function record(client, opts)
  local rec = { events = {}, errors = {}, reconnects = 0 }
  opts = opts or {}
  opts.backoff = opts.backoff or FAST
  opts.on_reconnect = function(sub)
    rec.reconnects = rec.reconnects + 1
    rec.reconnect_arg = sub
  end
  rec.sub = client.events.subscribe(opts, function(err, ev)
    if err then rec.errors[#rec.errors + 1] = err else rec.events[#rec.events + 1] = ev end
  end)
  open_subs[rec.sub] = true
  function rec.of(t)
    local out = {}
    for _, e in ipairs(rec.events) do if e.type == t then out[#out + 1] = e end end
    return out
  end
  function rec.wait(t, n, limit)
    run_until(function() return #rec.of(t) >= (n or 1) end, limit)
    return rec.of(t)
  end
  function rec.wait_error(n, limit)
    run_until(function() return #rec.errors >= (n or 1) end, limit)
    return rec.errors[n or 1]
  end
  function rec.close()
    rec.sub:close()
    run_until(function() return rec.sub.state == "closed" end, 3)
    open_subs[rec.sub] = nil
  end
  return rec
end

describe("#14 live events (blocking loop)", function()
  local sim, client, chats
  setup(function()
    sim = helper.start_sim()
    client = helper.client(sim, { loop = "blocking" })
    chats = assert(client.chats.list()).items
  end)
  teardown(function()
    client:close()
    sim:stop()
  end)
  after_each(close_all)

  it("#14 subscribe: ready, then subscriptions.updated for *", function()
    local rec = record(client, { chat_ids = { "*" } })
    local up = rec.wait("subscriptions.updated")
    assert.are.same({ "*" }, up[1].chatIDs)
    assert.are.equal("ready", rec.events[1].type)
    assert.are.equal(1, rec.events[1].version)
    assert.are.equal("open", rec.sub.state)
    rec.close()
    assert.are.same({}, rec.errors)
  end)

  it("#14 a message sent over REST is message.upserted, then chat.upserted, seq from 0", function()
    local rec = record(client)
    rec.wait("subscriptions.updated")
    local sent = assert(client.messages.send(chats[1].id, { text = "live!" }))
    local ups = rec.wait("message.upserted")
    local ev = ups[1]
    assert.are.equal(chats[1].id, ev.chatID)
    assert.are.equal(0, ev.seq)
    assert.are.equal("live!", ev.entries[1].text)
    assert.is_string(ev.ts)
    local m = assert(client.messages.get(chats[1].id, ev.ids[1]))
    assert.are.equal("live!", m.text)
    assert.is_string(sent.pendingMessageID)
    local cu = rec.wait("chat.upserted")
    assert.are.equal(1, cu[1].seq)
    rec.close()
  end)

  it("#14 archive, read and delete produce chat.upserted and message.deleted", function()
    local rec = record(client)
    rec.wait("subscriptions.updated")
    local id = chats[2].id
    assert(client.chats.archive(id, { archived = true }))
    assert(client.chats.archive(id, { archived = false }))
    assert(client.chats.mark_read(id))
    local cu = rec.wait("chat.upserted", 3)
    assert.are.equal(id, cu[1].chatID)
    assert.is_true(cu[1].entries[1].isArchived)
    assert.is_false(cu[2].entries[1].isArchived)
    local sent = assert(client.messages.send(id, { text = "to delete" }))
    local up = rec.wait("message.upserted")
    assert.is_string(sent.pendingMessageID)
    assert(client.messages.delete(id, up[1].ids[1]))
    local del = rec.wait("message.deleted")
    assert.are.same(up[1].ids, del[1].ids)
    -- seq counts every event of this connection without a gap
    for i, e in ipairs(rec.events) do
      if e.seq then assert.are.equal(i - 3, e.seq) end -- after ready, subscriptions.updated
    end
    rec.close()
  end)

  it("#14 an incoming message from someone else is message.upserted", function()
    local rec = record(client)
    rec.wait("subscriptions.updated")
    sim:incoming { chatID = chats[3].id, text = "from a friend" }
    local up = rec.wait("message.upserted")
    assert.are.equal("from a friend", up[1].entries[1].text)
    assert.are.equal(chats[3].id, up[1].chatID)
    rec.close()
  end)

  it("#14 set_chats narrows the subscription, {} pauses it", function()
    local rec = record(client, { chat_ids = { chats[1].id } })
    rec.wait("subscriptions.updated")
    assert(client.messages.send(chats[2].id, { text = "not for us" }))
    assert(client.messages.send(chats[1].id, { text = "for us" }))
    local up = rec.wait("message.upserted")
    assert.are.equal(1, #up)
    assert.are.equal("for us", up[1].entries[1].text)
    assert.is_true(rec.sub:set_chats({}))
    local ups = rec.wait("subscriptions.updated", 2)
    assert.are.same({}, ups[2].chatIDs)
    assert(client.messages.send(chats[1].id, { text = "paused" }))
    assert.is_true(rec.sub:set_chats({ chats[2].id }))
    rec.wait("subscriptions.updated", 3)
    assert(client.messages.send(chats[2].id, { text = "resumed" }))
    up = rec.wait("message.upserted", 2)
    assert.are.equal("resumed", up[2].entries[1].text)
    for _, e in ipairs(rec.of("message.upserted")) do assert.are_not.equal("paused", e.entries[1].text) end
    assert.has_error(function() rec.sub:set_chats({ "*", chats[1].id }) end)
    assert.has_error(function() rec.sub:set_chats("x") end)
    rec.close()
  end)

  it("#14 reconnects after the simulator drops the connection; on_reconnect once re-subscribed", function()
    local rec = record(client)
    rec.wait("subscriptions.updated")
    assert.are.equal(1, sim:fault { ws = "drop" }.applied)
    local err = rec.wait_error(1)
    assert.are.equal("connection", err.kind)
    assert.is_number(err.retry_in)
    run_until(function() return rec.reconnects == 1 end)
    assert.are.equal(rec.sub, rec.reconnect_arg)
    assert.are.equal(2, #rec.of("subscriptions.updated"))
    assert(client.messages.send(chats[1].id, { text = "after reconnect" }))
    local up = rec.wait("message.upserted")
    assert.are.equal(0, up[1].seq) -- a new connection counts from 0 again
    rec.close()
  end)

  it("#14 reconnects after the simulator restarts on the same port", function()
    local other = helper.start_sim()
    local port = tonumber(other.url:match(":(%d+)$"))
    local c2 = helper.client(other, { loop = "blocking" })
    local rec = record(c2)
    rec.wait("subscriptions.updated")
    other:stop()
    rec.wait_error(1)
    local again = sim_mod.start { port = port }
    run_until(function() return rec.reconnects == 1 end, 10)
    assert(c2.messages.send(chats[1].id, { text = "new process" }))
    local up = rec.wait("message.upserted")
    assert.are.equal("new process", up[1].entries[1].text)
    rec.close()
    c2:close()
    again:stop()
  end)

  it("#14 close: a close handshake, idempotent, no callback afterwards", function()
    local rec = record(client)
    rec.wait("subscriptions.updated")
    rec.sub:close()
    rec.sub:close()
    assert(client.messages.send(chats[1].id, { text = "after close" }))
    run_until(function() return rec.sub.state == "closed" end)
    local deadline = helper.now() + 0.3
    beeper.run(function() return helper.now() > deadline end)
    assert.are.equal(0, #rec.of("message.upserted"))
    assert.are.same({}, rec.errors)
    assert.is_nil(rec.sub:set_chats({ "*" }))
  end)

  it("#14 client:close() ends its subscriptions too: a close handshake, no reconnect", function()
    local own = helper.client(sim, { loop = "blocking" })
    local rec = record(own)
    rec.wait("subscriptions.updated")
    own:close()
    run_until(function() return rec.sub.state == "closed" end)
    assert(client.messages.send(chats[1].id, { text = "after client close" }))
    local deadline = helper.now() + 0.5
    beeper.run(function() return helper.now() > deadline end)
    assert.are.equal(0, #rec.of("message.upserted"))
    assert.are.same({}, rec.errors)
    assert.are.equal(0, rec.reconnects)
  end)

  it("#14 the iterator form for scripts", function()
    local it = client.events.iter { chat_ids = { chats[1].id }, wait = 2 }
    local types = {}
    for ev, err in it do
      assert.is_nil(err)
      types[#types + 1] = ev.type
      if ev.type == "subscriptions.updated" then
        assert(client.messages.send(chats[1].id, { text = "iterated" }))
      end
      if ev.type == "message.upserted" then
        assert.are.equal("iterated", ev.entries[1].text)
        break
      end
    end
    it:close()
    assert.are.same({ "ready", "subscriptions.updated", "message.upserted" }, types)
    local it2 = client.events.iter { chat_ids = {}, wait = 0.2 }
    assert.are.equal("ready", it2().type)
    local ev, err = it2()
    assert.is_false(ev)
    assert.are.equal("timeout", err.kind)
    it2:close()
    assert.are.equal("closed", it2.sub.state)
  end)

  it("#14 beeper.events on the default client (from the environment)", function()
    local out = helper.run_lua([[
      local beeper = require "beeper"
      local it = beeper.events.iter { chat_ids = {}, wait = 5 }
      local ev = it()
      it:close()
      io.write(tostring(ev and ev.type))
    ]], { BEEPER_BASE_URL = sim.url, BEEPER_ACCESS_TOKEN = sim.token,
          LUA_PATH = package.path, LUA_CPATH = package.cpath })
    assert.are.equal("ready", out)
  end)

  it("#14 options are checked at subscribe", function()
    assert.has_error(function() client.events.subscribe({}, nil) end)
    assert.has_error(function() client.events.subscribe({ chat_ids = "*" }, function() end) end)
    assert.has_error(function() client.events.subscribe({ max_message = 0 }, function() end) end)
    assert.has_error(function() client.events.subscribe({ on_reconnect = 1 }, function() end) end)
  end)

  describe("#14 a hostile server is an error value and a reconnect", function()
    before_each(function() sim:clear_faults() end)

    local function no_token_in(err)
      local s = tostring(err)
      assert.is_nil(s:find(sim.token, 1, true))
      for _, v in pairs(err) do assert.is_nil(tostring(v):find(sim.token, 1, true)) end
    end

    local function ws_requests()
      local n = 0
      for _, r in ipairs(sim:requests()) do if r.path == "/v1/ws" then n = n + 1 end end
      return n
    end

    it("#14 a wrong token: a 401 ends the subscription, no retry storm", function()
      sim:clear_requests()
      local bad = helper.client(sim, { loop = "blocking", access_token = "wrong-token" })
      local rec = record(bad)
      local err = rec.wait_error(1)
      assert.are.equal("http", err.kind)
      assert.are.equal(401, err.status)
      assert.is_true(err.final)
      assert.is_nil(tostring(err):find("wrong-token", 1, true))
      run_until(function() return rec.sub.state == "closed" end)
      local deadline = helper.now() + 0.5
      beeper.run(function() return helper.now() > deadline end)
      assert.are.equal(1, ws_requests())
      assert.are.equal(1, #rec.errors)
      bad:close()
    end)

    it("#14 a 401 fault on the upgrade ends it too", function()
      sim:fault { path = "^/v1/ws$", status = 401, json = { code = "UNAUTHORIZED", message = "no" } }
      local rec = record(client)
      local err = rec.wait_error(1)
      assert.are.equal(401, err.status)
      no_token_in(err)
      run_until(function() return rec.sub.state == "closed" end)
    end)

    it("#14 a 503 on the upgrade is retried", function()
      sim:fault { path = "^/v1/ws$", status = 503 }
      local rec = record(client)
      local err = rec.wait_error(1)
      assert.are.equal("handshake", err.kind)
      assert.are.equal(503, err.status)
      run_until(function() return rec.reconnects == 1 end)
      rec.close()
    end)

    it("#14 an upgrade never answered: timeout (the per-call timeout), then a reconnect", function()
      sim:fault { path = "^/v1/ws$", hang = true }
      local t0 = helper.now()
      local rec = record(client, { timeout = 0.3 })
      local err = rec.wait_error(1)
      assert.are.equal("timeout", err.kind)
      assert.is_true(helper.now() - t0 >= 0.29)
      rec.wait("subscriptions.updated")
      rec.close()
    end)

    it("#14 a wrong Sec-WebSocket-Accept is refused, then a reconnect", function()
      sim:fault { path = "^/v1/ws$", ws = "bad_accept" }
      local rec = record(client)
      local err = rec.wait_error(1)
      assert.are.equal("handshake", err.kind)
      assert.matches("Accept", err.message)
      no_token_in(err)
      rec.wait("subscriptions.updated")
      rec.close()
    end)

    for _, case in ipairs {
      { fault = { ws = "garbage" }, kind = "protocol" },
      { fault = { ws = "masked" }, kind = "protocol" },
      { fault = { ws = "invalid_utf8" }, kind = "protocol", code = 1007 },
      { fault = { ws = "oversize", size = 5000 }, kind = "too_large", code = 1009, max = 4096 },
      { fault = { ws = "raw", hex = "b300" }, kind = "protocol" }, -- reserved opcode 3
      { fault = { ws = "raw", hex = "c100" }, kind = "protocol" }, -- RSV1 without an extension
      { fault = { ws = "close", code = 1001 }, kind = "closed", code = 1001 },
    } do
      it("#14 " .. case.fault.ws .. (case.fault.hex or "") .. ": " .. case.kind .. ", then a reconnect", function()
        local rec = record(client, { max_message = case.max })
        rec.wait("subscriptions.updated")
        assert.are.equal(1, sim:fault(case.fault).applied)
        local err = rec.wait_error(1)
        assert.are.equal(case.kind, err.kind)
        if case.code then assert.are.equal(case.code, err.close_code) end
        no_token_in(err)
        run_until(function() return rec.reconnects == 1 end)
        assert(client.messages.send(chats[1].id, { text = "still alive" }))
        rec.wait("message.upserted")
        rec.close()
      end)
    end

    it("#14 a 3 MiB message under a 4 MiB cap is read over several turns, then judged (not an event)", function()
      local rec = record(client, { max_message = 4 * 1024 * 1024 })
      rec.wait("subscriptions.updated")
      sim:fault { ws = "oversize", size = 3 * 1024 * 1024 }
      local err = rec.wait_error(1)
      assert.are.equal("protocol", err.kind)
      assert.matches("not a JSON event", err.message)
      run_until(function() return rec.reconnects == 1 end)
    end)

    it("#14 a message in fragments with a ping between is reassembled", function()
      local rec = record(client)
      rec.wait("subscriptions.updated")
      sim:fault { ws = "fragments", text = string.rep("é", 300) }
      local ev = rec.wait("test.fragmented")[1]
      assert.are.equal(string.rep("é", 300), ev.text)
      assert.are.same({}, rec.errors)
      rec.close()
    end)

    it("#14 a server that stops answering pings: timeout, then a reconnect", function()
      local rec = record(client, { ping_interval = 0.1, ping_timeout = 0.2 })
      rec.wait("subscriptions.updated")
      sim:fault { ws = "no_pong" }
      local err = rec.wait_error(1, 3)
      assert.are.equal("timeout", err.kind)
      assert.matches("ping", err.message)
      run_until(function() return rec.reconnects == 1 end)
      rec.close()
    end)

    it("#14 nothing listening: connection errors with growing delays, no token anywhere", function()
      local c = helper.client({ url = "http://127.0.0.1:" .. helper.closed_port(), token = sim.token },
        { loop = "blocking" })
      local rec = record(c, { backoff = { min = 0.02, max = 0.08 } })
      rec.wait_error(4, 5)
      assert.are.equal("connection", rec.errors[1].kind)
      for _, e in ipairs(rec.errors) do no_token_in(e) end
      assert.is_true(rec.errors[4].retry_in <= 0.08)
      rec.close()
      c:close()
    end)

    it("#14 a token with a control character: one error, final, the token not in it", function()
      local c = beeper.new { base_url = sim.url, access_token = "s3cr3tX\tbad", loop = "blocking" }
      local rec = record(c)
      local err = rec.wait_error(1)
      assert.are.equal("connection", err.kind)
      assert.is_true(err.final)
      assert.is_nil(tostring(err):find("s3cr3tX", 1, true))
      local deadline = helper.now() + 0.3
      beeper.run(function() return helper.now() > deadline end)
      assert.are.equal(1, #rec.errors)
    end)

    it("#14 an https base URL is refused with a clear error (wss:// not supported yet)", function()
      local c = beeper.new { base_url = "https://127.0.0.1:1", access_token = "t", loop = "blocking" }
      local rec = record(c)
      local err = rec.wait_error(1)
      assert.matches("wss://", err.message)
      assert.is_true(err.final)
    end)
  end)
end)

local has_luv, uv = pcall(require, "luv")
local check = has_luv and describe or pending

check("#14 live events on luv (socket watched, nothing polls)", function()
  local sim
  setup(function() sim = helper.start_sim() end)
  teardown(function() sim:stop() end)

  local function until_(cond, limit) helper.luv_until(uv, cond, limit) end

  it("#14 events arrive through uv_poll; a raising callback is reported, the stream goes on", function()
    local reported = {}
    local base = require("beeper.loop.luv").new(uv, nil, function(m) reported[#reported + 1] = m end)
    local timers = 0
    local adapter = setmetatable({ start_timer = function(ms, fn)
      timers = timers + 1
      return base.start_timer(ms, fn)
    end }, { __index = base })
    local client = helper.client(sim, { loop = adapter })
    local chat = assert(client.chats.list()).items[1].id
    local got = {}
    local sub = client.events.subscribe({}, function(err, ev)
      assert(not err, tostring(err))
      got[#got + 1] = ev
      if #got == 1 then error("hostile callback") end
      if ev.type == "subscriptions.updated" then coroutine.yield() end -- cannot yield here: reported
    end)
    until_(function() return #got >= 2 end)
    client.messages.send(chat, { text = "over luv" }, function() end)
    until_(function() return #got >= 4 end)
    assert.are.equal("message.upserted", got[3].type)
    assert.are.equal(2, #reported)
    assert.matches("hostile callback", reported[1])
    -- Idle: 0.5 s of nothing costs no timer (ping_interval is 15 s).
    local t = timers
    local t0 = helper.now()
    while helper.now() - t0 < 0.5 do uv.run("nowait"); require("beeper.core").sleep(0.02) end
    assert.are.equal(t, timers)
    sub:close()
    until_(function() return sub.state == "closed" end)
    client:close()
  end)
end)
