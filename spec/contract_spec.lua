-- Issue 13's contract tests: the 30 operations of the Desktop API's OpenAPI
-- description (spec/contract/) against Prism, the spec's own validator.
--   mock:  Prism answers from the description and rejects (422/400/401 and
--          an sl-violations header) a request that breaks it;
--   proxy: Prism sits in front of the simulator and, with --errors, turns an
--          answer that breaks the description into a 500 problem+json with
--          the violations (and rejects a bad request with a 422 problem+json).
-- Each row of spec/contract/calls.lua runs twice per mode: as raw bytes
-- through the C core (checks the table and the simulator without the Lua
-- layer) and as the client call pinned in the issue. A tap in front of
-- Prism (spec/contract/prism.js) records every exchange, so a row passes
-- only when its one request reached the right operation, Prism reported no
-- violation of any severity, the answer was 2xx with the
-- X-Beeper-Desktop-Version header the description promises on every answer,
-- and the call returned a value; in mock mode the request must also be the one the row spells out
-- (Prism lets unknown query names and body fields through: a snake_case
-- name leaking to the wire would pass it).
-- Needs node and `npm ci --prefix spec/contract` (else it fails and says
-- so); BEEPER_SKIP_CONTRACT=1 skips it. What passed, and how long it took,
-- goes to build/contract-report.txt.
local helper = require "spec.helper"
local prism = dofile("spec/contract/prism.lua")
local calls = dofile("spec/contract/calls.lua")
local wire = dofile("spec/contract/wire.lua")
local beeper = require "beeper"
local core = require "beeper.core"
local cjson = require("cjson").new()

local unpack = table.unpack or unpack

-- Prism's start-up (2-4 s) is most of this file's time: `make check` runs it
-- in the 5.4 pass only, `make contract` on every version.
local version = os.getenv("BEEPER_TEST_LUA_VERSION")
local skip = os.getenv("BEEPER_SKIP_CONTRACT") == "1" and "BEEPER_SKIP_CONTRACT=1"
  or (version and version ~= "5.4" and os.getenv("BEEPER_CONTRACT_ALL") ~= "1"
      and "runs in the 5.4 pass (make contract: every version)")
if skip then
  describe("#13 contract tests", function() pending(skip) end)
  return
end

local missing = prism.missing()
if missing then
  describe("#13 contract tests", function()
    it("#13 Prism can run", function() error(missing, 0) end)
  end)
  return
end

local read_file = helper.read_file

local doc = cjson.decode(read_file(prism.spec))
local ops = wire.operations(doc)
local MOCK_TOKEN = "contract-token"

local report = {}
local function note(line) report[#report + 1] = line end

local function describe_error(err)
  if type(err) == "table" then
    return string.format("%s %s: %s", tostring(err.kind), tostring(err.status or ""), tostring(err.message))
  end
  return tostring(err)
end

-- A row as raw bytes through the C core; the decoded answer, true for an
-- empty or binary 2xx answer, or nil and why not.
local function raw_call(base, token, row, x)
  local c = core.client {}
  local method, url, headers, body = wire.request(base, token, row.wire(x))
  local id, err = c:start(method, url, headers, body, 10000, 5000)
  if not id then c:close(); return nil, "start: " .. tostring(err) end
  local status, value = c:run(id)
  c:close()
  if status == nil then return nil, "no answer: " .. tostring(value) end
  if status < 200 or status > 299 then return nil, "HTTP " .. status end
  if value == nil then return true end
  return value
end

-- A row as the client call the issue pins: client.<row.call>(args...).
local function client_call(client, row, x)
  local fn = client
  for part in row.call:gmatch("[^.]+") do
    fn = type(fn) == "table" and fn[part] or nil
  end
  if type(fn) ~= "function" then return nil, "client." .. row.call .. " does not exist" end
  local args = row.args(x)
  local ok, value, err = pcall(fn, unpack(args))
  if not ok then return nil, "client." .. row.call .. " raised: " .. tostring(value) end
  if value == nil then return nil, "client." .. row.call .. " returned an error: " .. describe_error(err) end
  return value
end

-- Everything wrong with the exchanges a row made; empty when it passed.
local function verdict(exchanges, row, err, want_wire)
  local problems = {}
  if err then problems[#problems + 1] = err end
  if #exchanges == 0 then problems[#problems + 1] = "no request reached Prism" end
  for _, ex in ipairs(exchanges) do
    local where = ex.method .. " " .. ex.url
    local op = wire.operation_of(ops, ex.method, ex.url)
    if op ~= row.op then
      problems[#problems + 1] = where .. " is operation " .. tostring(op) .. ", not " .. row.op
    end
    if ex.status < 200 or ex.status > 299 then
      problems[#problems + 1] = where .. " answered " .. ex.status
        .. (type(ex.response_start) == "string" and ": " .. ex.response_start or "")
    elseif not ex.desktop_version then -- "Every response carries X-Beeper-Desktop-Version"
      problems[#problems + 1] = where .. " answered without X-Beeper-Desktop-Version"
    end
    for _, v in ipairs(ex.violations) do
      problems[#problems + 1] = string.format("Prism %s%s: %s", v.severity and v.severity .. " violation" or "error",
        type(v.location) == "table" and " at " .. table.concat(v.location, ".") or "", tostring(v.message))
    end
    if want_wire then
      for _, d in ipairs(wire.differences(ex, want_wire)) do
        problems[#problems + 1] = "the request differs from the row: " .. d
      end
    end
  end
  return problems
end

-- One describe block: every row through g.run against g.target (a Prism
-- handle), then the coverage of the 30 operations. make() gives g once, when
-- the block starts: {target, run(row, x), x (ids, updated by the rows),
-- check_wire}.
local function rows(title, make)
  describe(title, function()
    local passed = {}
    local g, started

    setup(function()
      started = core.now()
      g = make()
    end)

    for _, row in ipairs(calls.rows) do
      it(string.format("#13 %s: %s as client.%s", title, row.op, row.call), function()
        g.target:clear()
        local want = g.check_wire and row.wire(g.x) or nil
        local value, err = g.run(row, g.x)
        if row.after and type(value) == "table" then row.after(g.x, value) end
        local problems = verdict(g.target:exchanges(), row, err, want)
        if #problems == 0 then passed[row.op] = true end
        assert(#problems == 0, table.concat(problems, "\n"))
      end)
    end

    it("#13 " .. title .. ": every operation of the description passes", function()
      local missing_ops = {}
      for _, op in ipairs(ops) do
        if not passed[op.id] then missing_ops[#missing_ops + 1] = op.id end
      end
      table.sort(missing_ops)
      note(string.format("%-16s %2d/%d operations pass (%.1f s)%s", title, #ops - #missing_ops, #ops,
        core.now() - started, #missing_ops > 0 and "; failing: " .. table.concat(missing_ops, " ") or ""))
      assert(#missing_ops == 0, #missing_ops .. " of " .. #ops .. " operations did not pass: "
        .. table.concat(missing_ops, ", "))
    end)
  end)
end

describe("#13 contract tests with Prism", function()
  local sim, mock, proxy, upload_path, t0
  local mock_client, proxy_client

  -- The simulator's ids, read from it directly (not through Prism).
  local function discover()
    local c = core.client {}
    local x = calls.discover(function(path)
      local id = c:start("GET", sim.url .. path, { "Authorization: Bearer " .. sim.token }, nil, 5000, 5000)
      local status, value = c:run(id)
      if status == 200 then return value end
    end)
    c:close()
    x.upload_path = upload_path
    return x
  end

  local function mock_x()
    local x = {}
    for k, v in pairs(calls.examples) do x[k] = v end
    x.upload_path = upload_path
    return x
  end

  setup(function()
    t0 = core.now()
    upload_path = os.tmpname()
    local f = assert(io.open(upload_path, "wb"))
    f:write(calls.upload_bytes)
    f:close()
    sim = helper.start_sim()
    -- Both start at once: each takes a second or two.
    mock = prism.start("mock")
    proxy = prism.start("proxy", sim.url)
    mock:wait()
    proxy:wait()
    note(string.format("Lua %s: Prism mock and proxy ready in %.1f s",
      os.getenv("BEEPER_TEST_LUA_VERSION") or _VERSION, core.now() - t0))
    mock_client = beeper.new { base_url = mock.url, access_token = MOCK_TOKEN, max_retries = 0 }
    proxy_client = beeper.new { base_url = proxy.url, access_token = sim.token, max_retries = 0 }
  end)

  teardown(function()
    if mock_client then mock_client:close() end
    if proxy_client then proxy_client:close() end
    if mock then mock:stop() end
    if proxy then proxy:stop() end
    if sim then sim:stop() end
    if upload_path then os.remove(upload_path) end
    note(string.format("whole file: %.1f s", core.now() - t0))
    local f = io.open("build/contract-report.txt", "a")
    if f then
      f:write(table.concat(report, "\n"), "\n")
      f:close()
    end
  end)

  describe("the harness", function()
    it("#13 the table has each of the description's 30 operations once", function()
      local in_doc, seen, problems = {}, {}, {}
      for _, op in ipairs(ops) do in_doc[op.id] = true end
      for _, row in ipairs(calls.rows) do
        if seen[row.op] then problems[#problems + 1] = "twice: " .. row.op end
        if not in_doc[row.op] then problems[#problems + 1] = "not in the description: " .. row.op end
        seen[row.op] = true
      end
      for id in pairs(in_doc) do
        if not seen[id] then problems[#problems + 1] = "no row: " .. id end
      end
      assert.are.equal(30, #ops)
      assert(#problems == 0, table.concat(problems, "\n"))
    end)

    it("#13 a request that breaks the description is a violation in mock mode", function()
      local x = mock_x()
      local cases = {
        { "Request query parameter limit must be integer", { op = "searchChats", wire = function()
          return { "GET", "/v1/chats/search", query = { limit = "abc" } } end } },
        { "Request body must have required property 'participantIDs'", { op = "createChat", wire = function()
          return { "POST", "/v1/chats", json = { accountID = x.account_id, type = "single" } } end } },
      }
      for _, case in ipairs(cases) do
        mock:clear()
        local _, err = raw_call(mock.url, MOCK_TOKEN, case[2], x)
        local problems = table.concat(verdict(mock:exchanges(), case[2], err), "\n")
        assert.matches("HTTP 422", problems, 1, true)
        assert.matches("Prism Error violation at request.", problems, 1, true)
        assert.matches(case[1], problems, 1, true)
      end
    end)

    it("#13 a request without the bearer token is a violation in mock mode", function()
      mock:clear()
      local c = core.client {}
      local status = c:run(c:start("GET", mock.url .. "/v1/accounts", {}, nil, 5000, 5000))
      c:close()
      assert.are.equal(401, status)
      local problems = table.concat(verdict(mock:exchanges(), calls.rows[2], nil), "\n")
      assert.matches("Prism Error violation at request: Invalid security scheme used", problems, 1, true)
    end)

    it("#13 a 2xx answer without X-Beeper-Desktop-Version fails the row", function()
      local ex = { method = "GET", url = "/v1/accounts", status = 200, violations = {} }
      assert.are.same({ "GET /v1/accounts answered without X-Beeper-Desktop-Version" },
        verdict({ ex }, calls.rows[2], nil))
      ex.desktop_version = "4.0.0"
      assert.are.same({}, verdict({ ex }, calls.rows[2], nil))
    end)

    it("#13 a snake_case name on the wire passes Prism but not the row's wire check", function()
      local x = mock_x()
      local row = calls.rows[5] -- listChats
      assert.are.equal("listChats", row.op)
      mock:clear()
      local leaked = { op = row.op, wire = function()
        return { "GET", "/v1/chats", query = { cursor = x.cursor, direction = "before",
                                               account_ids = { x.account_id, x.account_id2 } } }
      end }
      local _, err = raw_call(mock.url, MOCK_TOKEN, leaked, x)
      local exchanges = mock:exchanges()
      assert.are.same({}, verdict(exchanges, row, err)) -- Prism is fine with it
      local problems = table.concat(verdict(exchanges, row, err, row.wire(x)), "\n")
      assert.matches("the request differs from the row: query", problems, 1, true)
    end)

    it("#13 an answer that breaks the description is a violation in proxy mode", function()
      sim:fault { method = "GET", path = "^/v1/info$", status = 200, json = { nope = true } }
      sim:fault { method = "GET", path = "^/v1/accounts$", status = 200, json = { { accountID = 1 } } }
      local problems = {}
      for _, row in ipairs { calls.rows[1], calls.rows[2] } do
        proxy:clear()
        local _, err = raw_call(proxy.url, sim.token, row, {})
        problems[#problems + 1] = table.concat(verdict(proxy:exchanges(), row, err), "\n")
      end
      sim:clear_faults()
      assert.matches("answered 500", problems[1], 1, true)
      assert.matches("Prism Error violation at response.body: Response body must have required property 'app'",
        problems[1], 1, true)
      assert.matches("Response body property 0.accountID must be string", problems[2], 1, true)
    end)

    it("#13 a request that breaks the description is a violation in proxy mode", function()
      sim:clear_requests()
      proxy:clear()
      local row = { op = "searchChats", wire = function() return { "GET", "/v1/chats/search", query = { limit = "abc" } } end }
      local _, err = raw_call(proxy.url, sim.token, row, {})
      local problems = table.concat(verdict(proxy:exchanges(), row, err), "\n")
      assert.matches("answered 422", problems, 1, true)
      assert.matches("limit must be integer", problems, 1, true)
      raw_call(proxy.url, sim.token, calls.rows[1], {}) -- getInfo: this one is forwarded
      local seen = {}
      for _, r in ipairs(sim:requests()) do seen[#seen + 1] = r.method .. " " .. r.path end
      assert.are.same({ "GET /v1/info" }, seen) -- Prism kept the bad one to itself
    end)
  end)

  rows("mock, raw core", function()
    return { target = mock, check_wire = true, x = mock_x(),
             run = function(row, x) return raw_call(mock.url, MOCK_TOKEN, row, x) end }
  end)

  rows("mock, client", function()
    return { target = mock, check_wire = true, x = mock_x(),
             run = function(row, x) return client_call(mock_client, row, x) end }
  end)

  -- The simulator starts afresh for each pass: the rows change its state.
  -- One that died in the pass before comes back on its port (Prism's
  -- upstream), so that one crash does not fail the next pass too.
  local function fresh_sim()
    if not pcall(sim.reset, sim) then
      pcall(sim.stop, sim)
      sim = helper.start_sim { port = tonumber(sim.url:match(":(%d+)$")) }
    end
  end

  rows("proxy, raw core", function()
    fresh_sim()
    return { target = proxy, x = discover(),
             run = function(row, x) return raw_call(proxy.url, sim.token, row, x) end }
  end)

  rows("proxy, client", function()
    fresh_sim()
    return { target = proxy, x = discover(),
             run = function(row, x) return client_call(proxy_client, row, x) end }
  end)
end)
