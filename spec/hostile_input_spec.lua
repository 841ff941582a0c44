-- Hostile servers and bad input, one row each: every row must come back as
-- a clear error value (or a raised programmer error) within its time bound,
-- and the same client must still work afterwards. The rows and what the
-- client returned are written to build/hostile-report.txt.
local helper = require "spec.helper"
local beeper = require "beeper"
local socket = require "socket"

local MB = 1024 * 1024

-- A listener that is never accepted from: a connection to it still
-- completes, so accept() afterwards tells whether anyone came.
local function witness()
  local s = assert(socket.bind("127.0.0.1", 0))
  local _, port = s:getsockname()
  s:settimeout(0)
  return s, tonumber(port)
end

local ROWS = {
  { "malformed JSON on 200", fault = { status = 200, body = '{"items": [' },
    kind = "decode", status = 200, message = "invalid JSON" },
  { "empty body on 200", fault = { status = 200, body = "" },
    kind = "decode", status = 200, message = "empty response body" },
  { "HTML error page with 502", fault = { status = 502, headers = { ["Content-Type"] = "text/html" },
      body = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>" },
    kind = "http", status = 502, message = "502 Bad Gateway" },
  { "10 MB body (cap 8 MB)", fault = { status = 200, body = '{"a":"' .. string.rep("x", 10 * MB) .. '"}' },
    kind = "decode", message = "larger than 8388608 bytes" },
  { "JSON nested 100,000 deep", fault = { status = 200, body = string.rep("[", 100000) .. string.rep("]", 100000) },
    kind = "decode", status = 200, message = "nest" },
  { "invalid UTF-8 in a string", fault = { status = 200, body = '{"name":"ab\255\254"}' },
    kind = "decode", status = 200, message = "invalid UTF%-8 at byte 12" },
  { "body shorter than Content-Length", fault = { partial = true, status = 200, body = '{"items":[{"id":"abc"}]}' },
    kind = "connection" },
  { "connection reset mid-body", fault = { reset = true, status = 200, body = string.rep("[1,", 2000) .. "1]" },
    kind = "connection" },
  { "accepts and never answers", fault = { hang = true }, opts = { timeout = 0.3 },
    kind = "timeout", within = 2 },
  { "trickles one byte a second", fault = { trickle = 1, status = 200, body = '{"items":[]}' },
    opts = { timeout = 1 }, kind = "timeout", within = 3 },
  { "429 storm with Retry-After: 50, deadline 2 s",
    fault = { status = 429, times = 0, headers = { ["Retry-After"] = "50" } },
    opts = { max_retries = 5, deadline = 2 }, kind = "http", status = 429, retries = 0, within = 1 },
  { "429 storm with Retry-After: 3600 (ignored: backoff), 2 retries",
    fault = { status = 429, times = 0, headers = { ["Retry-After"] = "3600" } },
    opts = { max_retries = 2 }, kind = "http", status = 429, retries = 2, within = 2 },
  { "503 storm with Retry-After: 1e999 (ignored: backoff), 2 retries",
    fault = { status = 503, times = 0, headers = { ["Retry-After"] = "1e999" } },
    opts = { max_retries = 2 }, kind = "http", status = 503, retries = 2, within = 2 },
  { "429 storm with Retry-After: 1, deadline 2.5 s",
    fault = { status = 429, times = 0, headers = { ["Retry-After"] = "1" } },
    opts = { max_retries = 10, deadline = 2.5 }, kind = "http", status = 429, retries = 2, within = 3 },
}

local IDS = { "a/b", "..", ".", "a%2Fb", "x?y=1", "x#frag", "a b", "a\r\nX-Injected: 1", "a\nb", "a\0b",
              "../../v1/app/setup/start" }

describe("hostile input", function()
  local sim, client
  local report = {}

  local function record(name, what)
    report[#report + 1] = string.format("%-48s -> %s", name, what)
  end

  -- The process is alive and the client still answers normally.
  local function still_works(c)
    sim:clear_faults()
    local list, err = (c or client).bridges.list()
    assert.is_table(list, tostring(err))
  end

  setup(function()
    sim = helper.start_sim()
    client = helper.client(sim, { max_retries = 0 })
  end)
  teardown(function()
    client:close()
    sim:stop()
    os.execute("mkdir -p build")
    local f = io.open("build/hostile-report.txt", "w")
    if f then
      f:write(table.concat(report, "\n"), "\n")
      f:close()
    end
  end)
  before_each(function() sim:reset() end)

  for _, row in ipairs(ROWS) do
    it(row[1], function()
      local fault = { path = "^/v1/bridges$" }
      for k, v in pairs(row.fault) do fault[k] = v end
      sim:fault(fault)
      local t0 = helper.now()
      local r, err = client.bridges.list(row.opts)
      local elapsed = helper.now() - t0
      assert.is_nil(r)
      assert.is_true(beeper.is_error(err))
      assert.are.equal(row.kind, err.kind, tostring(err))
      if row.status then assert.are.equal(row.status, err.status) end
      if row.message then assert.matches(row.message, err.message) end
      if row.retries then assert.are.equal(row.retries, err.retries) end
      if row.within then assert.is_true(elapsed < row.within, string.format("took %.2f s", elapsed)) end
      record(row[1], string.format("%s (%.2f s)", tostring(err), elapsed))
      still_works()
    end)
  end

  it("refused connection", function()
    local c = helper.client(sim, { base_url = "http://127.0.0.1:" .. helper.closed_port(), max_retries = 0 })
    local r, err = c.bridges.list()
    assert.is_nil(r)
    assert.are.equal("connection", err.kind)
    assert.is_nil(err.status)
    record("refused connection", tostring(err))
    c:close()
    still_works()
  end)

  it("connect timeout is separate from the total", function()
    -- A listener whose accept queue is full drops further SYNs, so the
    -- connect itself never finishes.
    local full = assert(socket.bind("127.0.0.1", 0, 0))
    local _, port = full:getsockname()
    local fillers = {}
    for i = 1, 3 do
      fillers[i] = socket.tcp()
      fillers[i]:settimeout(0.2)
      fillers[i]:connect("127.0.0.1", port)
    end
    local c = helper.client(sim, { base_url = "http://127.0.0.1:" .. port, max_retries = 0,
                                   connect_timeout = 0.3, timeout = 30 })
    local t0 = helper.now()
    local r, err = c.bridges.list()
    local elapsed = helper.now() - t0
    assert.is_nil(r)
    assert.are.equal("timeout", err.kind, tostring(err))
    assert.is_true(elapsed < 2, string.format("took %.2f s", elapsed))
    record("connect to a full accept queue, connect_timeout 0.3 s", string.format("%s (%.2f s)", tostring(err), elapsed))
    c:close()
    for _, f in ipairs(fillers) do f:close() end
    full:close()
  end)

  it("a body under the cap is decoded, one over a smaller cap is refused", function()
    local big = '{"items":[],"pad":"' .. string.rep("y", 4 * MB) .. '"}'
    sim:fault { path = "^/v1/bridges$", status = 200, body = big }
    local list = assert(client.bridges.list())
    assert.are.equal(4 * MB, #list.pad)
    local small = helper.client(sim, { max_retries = 0, max_body = 1024 })
    sim:fault { path = "^/v1/bridges$", status = 200, body = big }
    local r, err = small.bridges.list()
    assert.is_nil(r)
    assert.are.equal("decode", err.kind)
    record("4 MB body with max_body = 1024", tostring(err))
    small:close()
  end)

  it("a redirect to another host is not followed and the token goes nowhere", function()
    local listener, port = witness()
    sim:fault { path = "^/v1/bridges$", status = 302, headers = { Location = "http://127.0.0.1:" .. port .. "/steal" } }
    local r, err = client.bridges.list()
    assert.is_nil(r)
    assert.are.equal("http", err.kind)
    assert.are.equal(302, err.status)
    assert.are.equal("redirect not followed", err.message)
    assert.is_nil(listener:accept()) -- nobody connected to the other host
    listener:close()
    record("302 to another host", tostring(err))
    still_works()
  end)

  for _, id in ipairs(IDS) do
    local shown = id:gsub("%c", function(c) return string.format("\\%d", c:byte()) end)
    it("id '" .. shown .. "' stays one path segment", function()
      local r, err = client.bridges.login_sessions.get(id, "s1")
      assert.is_nil(r)
      assert.are.equal("http", err.kind)
      assert.are.equal(404, err.status)
      local log = sim:requests()
      assert.are.equal(1, #log)
      local seen = log[1]
      local segment = seen.path:match("^/v1/bridges/([^/?#]+)/login%-sessions/s1$")
      assert.is_string(segment, seen.path)
      assert.is_nil(segment:find("[%c %?#/]"))
      assert.are.equal(id, (segment:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)))
      assert.is_nil(seen.headers["x-injected"])
      record("id '" .. shown .. "'", seen.path)
    end)
  end

  it("a token with CR or LF is refused before anything is sent", function()
    for _, token in ipairs { "tok\r\nX-Evil: 1", "tok\nsecret", "tok\0" } do
      local ok, msg = pcall(beeper.new, { base_url = sim.url, access_token = token })
      assert.is_false(ok)
      assert.matches("access_token contains CR, LF or NUL", msg)
      assert.is_nil(msg:find(token, 1, true))
    end
    assert.are.equal(0, #sim:requests())
    record("token with CR/LF", "raised: beeper.new: access_token contains CR, LF or NUL")
  end)

  it("a missing token is a clear error naming BEEPER_ACCESS_TOKEN", function()
    local out = helper.run_lua([[
      local beeper = require "beeper"
      local r, err = beeper.bridges.list()
      print(r, err.kind, tostring(err))
    ]], { BEEPER_BASE_URL = sim.url })
    assert.matches("^nil\tauth\tbeeper: auth: .*needs an access token.*BEEPER_ACCESS_TOKEN", out)
    assert.are.equal(0, #sim:requests())
    record("no token anywhere", (out:gsub("%s+$", "")))
  end)
end)
