-- #12 The blocking fast path (beeper.core.fast_call, csrc/fastcall.c): a
-- warm blocking call with plain arguments runs in C, and gives what the Lua
-- path gives; anything else goes to the Lua path as before. The Lua path of
-- the same call is reached with an empty options table ({}), which the fast
-- path never takes.
local helper = require "spec.helper"
local beeper = require "beeper"
local cjson = require "cjson"

-- How many Lua functions of beeper/client.lua (send, run, start, outcome:
-- the Lua path) run during fn(); fn's results after the count.
local function lua_path_calls(fn)
  local was_on = jit and jit.status()
  if jit then jit.off() end -- compiled code would not call the hook
  local n = 0
  debug.sethook(function()
    if debug.getinfo(2, "S").source:find("beeper/client.lua", 1, true) then n = n + 1 end
  end, "c")
  local ok, a, b = pcall(fn)
  debug.sethook()
  if was_on then jit.on() end
  assert(ok, a)
  return n, a, b
end

local function count(sim, method, pattern)
  local n = 0
  for _, r in ipairs(sim:requests()) do
    if r.method == method and r.path:match(pattern) then n = n + 1 end
  end
  return n
end

-- The fields an error value is compared on.
local function fields(err)
  return { kind = err.kind, status = err.status, code = err.code, message = err.message,
           method = err.method, path = err.path, retries = err.retries }
end

describe("#12 the blocking fast path", function()
  local sim, client, chat

  local served = helper.serve(function(s, c) sim, client = s, c end)
  setup(function()
    served.start()
    chat = assert(client.chats.list()).items[1].id
  end)
  teardown(served.stop)
  before_each(function() sim:reset() end)

  it("makes a warm call without the Lua call path, and a call with options through it", function()
    assert(client.chats.get(chat)) -- the first call of an endpoint makes its fast path
    local n, got = lua_path_calls(function() return client.chats.get(chat) end)
    assert.are.equal(0, n)
    assert.are.equal(chat, got.id)
    n, got = lua_path_calls(function() return client.chats.get(chat, {}, {}) end)
    assert.is_true(n > 0)
    assert.are.equal(chat, got.id)
  end)

  it("answers as the Lua path does: ids, a JSON body, renamed parameters, no parameters", function()
    local calls = {
      function(opts) return client.chats.get(chat, nil, opts) end,
      function(opts) return client.accounts.list(opts) end,
      function(opts) return client.app.setup.get(opts) end,
      function(opts) return client.chats.archive(chat, { archived = false }, opts) end,
      function(opts) return client.chats.mark_read(chat, {}, opts) end,
    }
    for i, call in ipairs(calls) do
      call() -- warm
      local fast_n, fast = lua_path_calls(function() return call() end)
      local slow_n, slow = lua_path_calls(function() return call({}) end)
      assert.are.equal(0, fast_n, "call " .. i .. " took the Lua path")
      assert.is_true(slow_n > 0)
      assert.are.same(slow, fast)
    end
    -- what went on the wire: same method, path and body both ways
    sim:clear_requests()
    assert(client.chats.archive(chat, { archived = true }))
    assert(client.chats.archive(chat, { archived = true }, {}))
    local log = sim:requests()
    assert.are.equal(2, #log)
    assert.are.equal(log[2].method, log[1].method)
    assert.are.equal(log[2].path, log[1].path)
    assert.are.same(cjson.decode(log[2].body), cjson.decode(log[1].body))
  end)

  it("gives the same error value for an HTTP error", function()
    assert(client.chats.get(chat))
    sim:fault { path = "^/v1/chats/", status = 404, json = { code = "NOT_FOUND", message = "no such chat" } }
    local n, r, fast = lua_path_calls(function() return client.chats.get(chat) end)
    assert.is_nil(r)
    assert.is_true(n > 0) -- the answer was judged by the Lua path
    sim:fault { path = "^/v1/chats/", status = 404, json = { code = "NOT_FOUND", message = "no such chat" } }
    local _, slow = client.chats.get(chat, nil, {})
    assert.are.same(fields(slow), fields(fast))
    assert.are.equal("http", fast.kind)
    assert.are.equal("NOT_FOUND", fast.code)
  end)

  it("retries a 503 through the Lua retry loop, and a once send not at all", function()
    assert(client.chats.get(chat))
    sim:clear_requests()
    sim:fault { path = "^/v1/chats/", status = 503, headers = { ["retry-after-ms"] = "10" } }
    assert.are.equal(chat, assert(client.chats.get(chat)).id)
    assert.are.equal(2, count(sim, "GET", "^/v1/chats/"))

    assert(client.messages.send(chat, { text = "warm" }))
    sim:clear_requests()
    sim:fault { method = "POST", path = "/messages$", status = 503 }
    local r, err = client.messages.send(chat, { text = "x" })
    assert.is_nil(r)
    assert.are.equal(503, err.status)
    assert.are.equal(0, err.retries)
    assert.are.equal(1, count(sim, "POST", "/messages$"))
  end)

  it("retries a send whose transaction id makes it safe", function()
    local msg = assert(client.messages.list(chat)).items[1].id
    local add = client.chats.messages.reactions.add
    assert(add(chat, msg, { reaction_key = "👍", transaction_id = "t-0" }))
    sim:clear_requests()
    sim:fault { method = "POST", path = "/reactions$", status = 503, headers = { ["retry-after-ms"] = "10" } }
    assert(add(chat, msg, { reaction_key = "👍", transaction_id = "t-1" }))
    assert.are.equal(2, count(sim, "POST", "/reactions$"))
  end)

  it("leaves every mistake to the Lua path, which raises at the caller's line", function()
    assert(client.chats.archive(chat, { archived = true }))
    local cases = {
      { function() client.chats.archive(chat, { archived = "yes" }) end, "archived must be a boolean" },
      { function() client.chats.archive(chat, { archivd = true }) end, "unknown parameter 'archivd'" },
      { function() client.chats.archive(chat, "x") end, "parameters must be a table" },
      { function() client.chats.archive({}, { archived = true }) end, "chat_id must be a string" },
      { function() client.chats.archive() end, "chat_id must be a string" },
      { function() client.chats:archive(chat) end, "called with a colon" },
      { function() client.chats.archive(chat, { archived = true }, { timeot = 1 }) end, "unknown option 'timeot'" },
      { function() client.assets.download({}) end, "missing required parameter 'url'" },
    }
    assert(client.assets.download { url = "mxc://x/y" } or true)
    for i, case in ipairs(cases) do
      local ok, err = pcall(case[1])
      assert.is_false(ok, "case " .. i)
      assert.matches("fast_path_spec%.lua:%d+: beeper: .*" .. case[2]:gsub("%p", "%%%0"), err)
    end
  end)

  it("leaves callbacks, callable tables, beeper.async and logging to the Lua path", function()
    assert(client.chats.get(chat))
    local got
    client.chats.get(chat, function(err, r) got = r or err end)
    beeper.run()
    assert.are.equal(chat, got.id)
    local spy = setmetatable({}, { __call = function(_, err, r) got = r or err end })
    got = nil
    client.chats.get(chat, spy)
    beeper.run()
    assert.are.equal(chat, got.id)
    got = nil
    beeper.async(function() got = client.chats.get(chat) end)
    beeper.run()
    assert.are.equal(chat, got.id)

    local lines = {}
    local logged = helper.client(sim, { log_level = "info", logger = function(l) lines[#lines + 1] = l end })
    assert(logged.chats.get(chat))
    assert(logged.chats.get(chat))
    assert.are.equal(2, #lines)
    logged:close()
  end)

  it("hands odd arguments and odd client fields to the Lua path, never a crash", function()
    assert(client.chats.get(chat))
    -- an id seen before but too long for the joined URL: the Lua path joins it
    local long = string.rep("x", 3000)
    for _ = 1, 2 do assert.are.equal(404, select(2, client.chats.get(long)).status) end
    -- ids that need encoding, numbers, a key that is not a string
    assert.are.equal("http", select(2, client.chats.get("a/b?c#d%e f")).kind)
    assert.are.equal("http", select(2, client.chats.get(12345)).kind)
    local ok, msg = pcall(client.chats.archive, chat, { [1] = true })
    assert.is_false(ok)
    assert.matches("unknown parameter '1'", msg)
    -- a nested table in a body, and one that cjson refuses
    assert(client.chats.archive(chat, { archived = true }))
    ok, msg = pcall(client.messages.send, chat, { text = "x", attachment = { f = function() end } })
    assert.is_false(ok)
    assert.matches("Cannot serialise function", msg)
    -- client fields changed under the fast path
    local c = helper.client(sim)
    assert(c.chats.get(chat))
    for _, change in ipairs {
      { "timeout", "soon" }, { "timeout", 0 }, { "connect_timeout", -1 }, { "base_url", 42 },
      { "proxy", "http://\r\nx" }, { "_core", {} }, { "log_level", "loud" },
    } do
      local saved = c[change[1]]
      c[change[1]] = change[2]
      pcall(c.chats.get, chat) -- whatever the Lua path makes of it, never a crash
      c[change[1]] = saved
    end
    assert.are.equal(chat, assert(c.chats.get(chat)).id)
    c:close()
  end)

  it("keeps working after close(), on the client's next core", function()
    local c = helper.client(sim)
    assert(c.chats.get(chat))
    assert(c.chats.get(chat))
    c:close()
    assert.are.equal(chat, assert(c.chats.get(chat)).id)
    local n, r = lua_path_calls(function() return c.chats.get(chat) end)
    assert.are.equal(0, n)
    assert.are.equal(chat, r.id)
    c:close()
  end)

  it("a missing token is the Lua path's auth error, not a request", function()
    local c = helper.client(sim, { access_token = "" })
    assert(c.app.setup.get and c.info())
    sim:clear_requests()
    for _ = 1, 2 do
      local r, err = c.chats.get(chat)
      assert.is_nil(r)
      assert.are.equal("auth", err.kind)
    end
    assert.are.equal(0, #sim:requests())
    c:close()
  end)

  it("a refused connection and a closed port give the Lua path's error", function()
    local c = helper.client(sim, { base_url = "http://127.0.0.1:" .. helper.closed_port(), max_retries = 0 })
    local _, first = c.chats.get(chat)
    local _, fast = c.chats.get(chat)
    assert.are.same(fields(first), fields(fast))
    assert.are.equal("connection", fast.kind)
    c:close()
  end)
end)
