-- Issue 11, the C core's part: spins, inherited sockets, deep JSON, proxies
-- from the environment, timeouts, and the smaller defects of item 19.
local helper = require "spec.helper"
local core = require "beeper.core"
local beeper = require "beeper"
local socket = require "socket"

local version = os.getenv("BEEPER_TEST_LUA_VERSION") or ""
local old_stack = version == "5.1" or version == "jit" -- LUAI_MAXCSTACK 8000

local function write_file(code)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(code)
  f:close()
  return path
end

local function read_file(path)
  local f = io.open(path, "r")
  local s = f and f:read("*a") or ""
  if f then f:close() end
  return s
end

-- Runs each snippet in its own interpreter for `seconds`, then kills them.
-- Returns, per snippet, the CPU seconds it used and what it printed.
local function run_for(seconds, snippets)
  local parts, files = {}, {}
  for i, code in ipairs(snippets) do
    local src, out = write_file(code), os.tmpname()
    files[i] = { src = src, out = out }
    parts[#parts + 1] = string.format("%s %s > %s 2>&1 & p%d=$!", helper.lua_binary(), src, out, i)
  end
  parts[#parts + 1] = "sleep " .. seconds
  for i = 1, #snippets do
    parts[#parts + 1] = string.format("echo %d $(cat /proc/$p%d/stat 2>/dev/null | sed 's/.*) //'); kill -9 $p%d 2>/dev/null", i, i, i)
  end
  parts[#parts + 1] = "wait 2>/dev/null; getconf CLK_TCK"
  local p = assert(io.popen("(" .. table.concat(parts, "; ") .. ") 2>/dev/null"))
  local text = p:read("*a")
  p:close()
  local hz = tonumber(text:match("(%d+)%s*$"))
  local results = {}
  for line in text:gmatch("[^\n]+") do
    local i, rest = line:match("^(%d+) (.*)$")
    if i then
      local f = {}
      for w in rest:gmatch("%S+") do f[#f + 1] = w end
      -- After "(comm) ": state is field 3, utime 14 and stime 15.
      local ticks = (tonumber(f[12]) or 0) + (tonumber(f[13]) or 0)
      results[tonumber(i)] = { cpu = ticks / hz }
    end
  end
  for i, f in ipairs(files) do
    results[i] = results[i] or { cpu = 0 }
    results[i].output = read_file(f.out)
    os.remove(f.src)
    os.remove(f.out)
  end
  return results
end

-- Sockets a child process started now would inherit.
local function inherited_sockets()
  local p = assert(io.popen("ls -l /proc/self/fd"))
  local listing = p:read("*a")
  p:close()
  local n = 0
  for _ in listing:gmatch("socket:") do n = n + 1 end
  return n
end

describe("issue 11, beeper.core", function()
  local sim

  setup(function() sim = helper.start_sim() end)
  teardown(function() sim:stop() end)
  before_each(function() sim:reset() end)

  it("#11.1 core.sleep never spins: non-finite raises, <= 0 returns, huge values clamp", function()
    local r = run_for(0.8, {
      [[local core = require "beeper.core"
        for _, s in ipairs { 1/0, 0/0, -1/0 } do print(select(2, pcall(core.sleep, s))) end
        local t = core.now()
        core.sleep(-1); core.sleep(0); core.sleep(-1e300)
        print("returned after", core.now() - t)
        io.stdout:flush()
        core.sleep(1e300)]],
      [[require("beeper.core").sleep(1e300)]],
    })
    print(string.format("\n# 11.1 CPU in 0.8 s: non-finite %.2f s, 1e300 s %.2f s", r[1].cpu, r[2].cpu))
    local _, n = r[1].output:gsub("beeper: sleep: seconds must be a finite number", "")
    assert.are.equal(3, n, r[1].output)
    local returned = tonumber(r[1].output:match("returned after%s+(%S+)"))
    assert.is_truthy(returned and returned < 0.05, r[1].output)
    -- Both still sleeping when killed, without burning the CPU.
    assert.is_true(r[1].cpu < 0.3)
    assert.is_true(r[2].cpu < 0.3)
  end)

  it("#11.4 a finished callback request does not make a blocking call spin", function()
    local c = core.client()
    local first = c:start("GET", sim.url .. "/v1/info", {}, nil, 5000, 1000)
    -- Driven until finished: it now waits in the done queue, untaken, as a
    -- callback request's answer does until the pump's next tick.
    local deadline = core.now() + 5
    while c:perform() > 0 and core.now() < deadline do c:wait(50) end
    assert.are.equal(0, c:perform())
    sim:fault { path = "^/v1/info$", delay = 1 }
    local id = c:start("GET", sim.url .. "/v1/info", {}, nil, 5000, 1000)
    local wall, cpu = core.now(), os.clock()
    local status = c:run(id)
    wall, cpu = core.now() - wall, os.clock() - cpu
    print(string.format("\n# 11.4 blocking run: %.2f s wall, %.2f s CPU", wall, cpu))
    assert.are.equal(200, status)
    assert.is_true(wall >= 0.8)
    assert.is_true(cpu < 0.25 * wall)
    assert.are.equal(first, c:next_done())
    assert.are.equal(200, (c:take(first)))
    assert.are.equal(0, c:count())
    c:close()
  end)

  it("#11.5 a child process inherits none of the client's sockets", function()
    local before = inherited_sockets()
    local c = core.client()
    local ids = {}
    for i = 1, 4 do ids[i] = c:start("GET", sim.url .. "/v1/info", {}, nil, 5000, 1000) end
    for i = 1, 4 do assert.are.equal(200, (c:run(ids[i]))) end
    -- Four keep-alive connections and curl's wakeup socketpair are open now.
    local during = inherited_sockets()
    print(string.format("\n# 11.5 sockets a child inherits: %d before the client, %d with it", before, during))
    assert.are.equal(before, during)
    assert.are.equal(200, (c:run(c:start("GET", sim.url .. "/v1/info", {}, nil, 5000, 1000))))
    c:close()
  end)

  describe("#11.15 JSON nested beyond the Lua stack", function()
    local depths = { 5000, 9000 }

    local function nested(n)
      return string.rep("[", n) .. string.rep("]", n)
    end

    local function depth_of(v)
      local d = 0
      while type(v) == "table" do
        d = d + 1
        v = v[1]
      end
      return d
    end

    -- On 5.1 and LuaJIT the Lua stack cannot hold these: a decode error.
    -- Where it can (5.3, 5.4), the value itself, to the full depth.
    local function check(n, value, err)
      if old_stack then
        assert.is_nil(value)
        assert.are.equal("decode", err.kind)
      else
        assert.is_nil(err)
        assert.are.equal(n, depth_of(value))
      end
    end

    local function fault(n)
      sim:fault { path = "^/v1/info$", status = 200, body = nested(n),
                  headers = { ["Content-Type"] = "application/json" } }
    end

    it("is an error value in the blocking form, and the request is released", function()
      local client = helper.client(sim, { max_depth = 10000, max_retries = 0 })
      for _, n in ipairs(depths) do
        fault(n)
        local ok, value, err = pcall(client.info)
        assert.is_true(ok, tostring(value))
        check(n, value, err)
        assert.are.equal(0, client:core():count())
      end
      client:close()
    end)

    it("reaches the callback, and the request is released", function()
      local client = helper.client(sim, { max_depth = 10000, max_retries = 0 })
      for _, n in ipairs(depths) do
        fault(n)
        local got
        client.info(function(err, value) got = { err = err, value = value } end)
        local ok, msg = pcall(beeper.run, function() return got ~= nil end)
        assert.is_true(ok, tostring(msg))
        assert.is_table(got)
        check(n, got.value, got.err)
        assert.are.equal(0, client:core():count())
      end
      client:close()
    end)
  end)

  describe("#11.19", function()
    it("core.client(nil) means the defaults", function()
      local ok, c = pcall(core.client, nil)
      assert.is_true(ok, tostring(c))
      assert.are.equal(200, (c:run(c:start("GET", sim.url .. "/v1/info", {}, nil, 5000, 1000))))
      c:close()
    end)

    it("keeps a number header line alive until curl copied it (clean under make asan)", function()
      -- A child with a small heap and a collector that finishes a whole cycle
      -- at every step: a header text popped too early is freed at once.
      local out = helper.run_lua(string.format([[
        local core = require "beeper.core"
        local c = core.client()
        local lines = { "X-First: 1" }
        for i = 2, 64 do lines[i] = i * 1000003 + 0.5 end -- each becomes a fresh string
        pcall(collectgarbage, "incremental") -- 5.4: out of generational mode
        collectgarbage("setpause", 0)
        collectgarbage("setstepmul", 1000000)
        collectgarbage("collect") -- so the next allocation starts a cycle
        local status = c:run(c:start("GET", %q, lines, nil, 5000, 1000))
        collectgarbage("setpause", 200)
        print("status " .. tostring(status) .. " " .. type(lines[2]))
      ]], sim.url .. "/v1/info"))
      assert.are.equal("status 200 number\n", out)
      assert.are.equal("1", helper.last_request(sim).headers["x-first"])
    end)

    it("c:wait clamps a huge wait instead of wrapping it negative", function()
      local c = core.client()
      sim:fault { path = "^/v1/info$", delay = 0.5 }
      local id = c:start("GET", sim.url .. "/v1/info", {}, nil, 5000, 1000)
      local t0, waits = core.now(), 0
      c:perform()
      -- Only huge waits drive it: each must really wait for the sockets.
      while c:take(id) == false and waits < 20 do
        c:wait(waits % 2 == 0 and 2 ^ 31 or math.huge)
        c:perform()
        waits = waits + 1
      end
      local took = core.now() - t0
      print(string.format("\n# 11.19 wait(2^31): done after %d waits, %.2f s", waits, took))
      assert.is_true(waits < 20)
      assert.is_true(took >= 0.4)
      local t1 = core.now()
      c:wait(-5)
      assert.is_true(core.now() - t1 < 0.1)
      assert.has_error(function() c:wait(0 / 0) end, "beeper: wait: ms must be a number, not NaN")
      c:close()
    end)

    it("a POST without a body is sent without a Content-Type", function()
      local c = core.client()
      assert.is_truthy(c:run(c:start("POST", sim.url .. "/v1/info", {}, nil, 5000, 1000)))
      local seen = helper.last_request(sim)
      assert.are.equal("POST", seen.method)
      assert.is_nil(seen.headers["content-type"])
      -- One the caller sets is kept.
      assert.is_truthy(c:run(c:start("POST", sim.url .. "/v1/info", { "Content-Type: text/plain" }, "x", 5000, 1000)))
      assert.are.equal("text/plain", helper.last_request(sim).headers["content-type"])
      c:close()
    end)

    it("reports a max_body beyond 2^31 exactly, refusing a larger Content-Length up front", function()
      local server = assert(socket.bind("127.0.0.1", 0))
      server:settimeout(0)
      local _, port = server:getsockname()
      local c = core.client { max_body = 3 * 2 ^ 30 }
      local id = c:start("GET", "http://127.0.0.1:" .. port .. "/big", {}, nil, 3000, 1000)
      local conn, head, sent = nil, "", false
      local status, kind, msg = false, nil, nil
      local deadline = core.now() + 5
      while status == false and core.now() < deadline do
        c:perform()
        if not conn then
          conn = server:accept()
          if conn then conn:settimeout(0) end
        elseif not sent then
          local data, _, partial = conn:receive("*a")
          head = head .. (data or partial or "")
          if head:find("\r\n\r\n", 1, true) then
            conn:send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4294967296\r\n\r\n[1,")
            sent = true
          end
        end
        c:wait(10)
        status, kind, msg = c:take(id)
      end
      if conn then conn:close() end
      server:close()
      c:close()
      print("\n# 11.19 " .. tostring(kind) .. ": " .. tostring(msg))
      assert.is_nil(status)
      assert.are.equal("decode", kind)
      assert.are.equal("response body larger than 3221225472 bytes", msg)
    end)
  end)

  it("#11.3 environment proxies are ignored; an explicit proxy argument is used", function()
    local proxy = helper.start_sim()
    local url = sim.url .. "/v1/info"
    local out = helper.run_lua(string.format([[
      local core = require "beeper.core"
      local c = core.client()
      print("direct", c:run(c:start("GET", %q, {}, nil, 3000, 1000)))
      print("proxied", c:run(c:start("GET", %q, {}, nil, 3000, 1000, %q)))
    ]], url, url, proxy.url), { http_proxy = proxy.url, HTTP_PROXY = proxy.url, https_proxy = proxy.url,
                                ALL_PROXY = proxy.url, all_proxy = proxy.url, NO_PROXY = "", no_proxy = "" })
    local via_proxy = proxy:requests()
    proxy:stop()
    local direct = sim:requests()
    print(string.format("\n# 11.3 %d request(s) reached the simulator, %d the proxy", #direct, #via_proxy))
    assert.matches("direct\t200", out)
    assert.matches("proxied\t%d+", out)
    assert.are.equal(1, #direct)
    assert.are.equal(1, #via_proxy)
    assert.are.equal(url, via_proxy[1].path) -- the absolute form a proxy gets
  end)

  describe("#11.16 timeouts", function()
    it("take any non-negative number: 0 and huge values are no limit", function()
      local c = core.client()
      for _, v in ipairs { 0, 1e300, math.huge, 2 ^ 63, 123456.5 } do
        local ok, id, msg = pcall(c.start, c, "GET", sim.url .. "/v1/info", {}, nil, v, v)
        assert.is_true(ok, tostring(id))
        assert.is_truthy(id, msg)
        assert.are.equal(200, (c:run(id)))
      end
      c:close()
    end)

    it("round a fraction up, never down to no limit", function()
      sim:fault { path = "^/v1/info$", delay = 1 }
      local c = core.client()
      local t0 = core.now()
      local status, kind = c:run(c:start("GET", sim.url .. "/v1/info", {}, nil, 0.5, 1000))
      assert.is_nil(status)
      assert.are.equal("timeout", kind)
      assert.is_true(core.now() - t0 < 0.5)
      c:close()
    end)

    it("refuse NaN and negatives clearly", function()
      local c = core.client()
      assert.has_error(function() c:start("GET", sim.url, {}, nil, 0 / 0) end,
        "beeper: start: timeout_ms must be a number >= 0")
      assert.has_error(function() c:start("GET", sim.url, {}, nil, 1000, -1) end,
        "beeper: start: connect_timeout_ms must be a number >= 0")
      assert.are.equal(0, c:count())
      c:close()
    end)
  end)
end)

describe("issue 11: take() and a finalizer that closes the client", function()
  local sim
  setup(function() sim = helper.start_sim() end)
  teardown(function() sim:stop() end)

  it("#11.19 a __gc that closes the client while an answer is decoded frees nothing in use", function()
    local core = require "beeper.core"
    local c = core.client {}
    local pause = collectgarbage("setpause", 0)
    local stepmul = collectgarbage("setstepmul", 1000)
    local closed_at
    for i = 1, 5000 do -- until a collection during some answer's decode closes it
      -- the finalizer may run while start() builds its arguments: then start() says closed
      local started, id = pcall(c.start, c, "GET", sim.url .. "/v1/bridges",
        { "Accept: application/json", "Authorization: Bearer " .. sim.token }, nil, 5000, 1000)
      if not started then
        assert.matches("client is closed", id)
        closed_at = i; break
      end
      for _ = 1, 10 do -- garbage whose collection, during the decode, closes the client
        if newproxy then -- 5.1/LuaJIT: tables have no __gc
          getmetatable(newproxy(true)).__gc = function() c:close() end
        else
          setmetatable({}, { __gc = function() c:close() end })
        end
      end
      local ok, status, value = pcall(c.run, c, id)
      if not ok then closed_at = i; break end -- closed before run(): "client is closed"
      assert.are.equal(200, status)
      assert.is_table(value)
      if tostring(c):find("closed") then closed_at = i; break end
    end
    collectgarbage("setpause", pause)
    collectgarbage("setstepmul", stepmul)
    assert.is_number(closed_at) -- the finalizer did close it at some point
    assert.are.equal(0, c:count())
    c:close()
  end)
end)
