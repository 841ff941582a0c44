-- issue 12: the C engine on curl's socket interface, driven only by
-- c:changes() and c:socket_action() from luv poll and timer handles.
local helper = require "spec.helper"
local core = require "beeper.core"
local uv = require "luv"

local unpack = table.unpack or unpack
local MODES = { [1] = "r", [2] = "w", [3] = "rw" }

-- A minimal host loop: one uv_poll per watched socket, one timer for curl's
-- deadline. Every change curl asks for goes through apply().
local function driver(c)
  local d = { polls = {}, actions = 0, log = {}, results = {}, timers = {}, max_watched = 0 }
  local buf = {}
  local timer = uv.new_timer()

  local function drain()
    local id = c:next_done()
    while id do
      d.results[id] = { c:take(id) }
      id = c:next_done()
    end
  end

  local function act(fd, mask)
    d.actions = d.actions + 1
    c:socket_action(fd, mask)
    drain()
    d.apply()
  end

  function d.apply()
    local n, t = c:changes(buf)
    for i = 1, n do
      local fd, what = buf[2 * i - 1], buf[2 * i]
      d.log[#d.log + 1] = { fd, what }
      local p = d.polls[fd]
      if what == 0 then
        assert(p, "told to forget a socket that is not watched")
        p:stop()
        p:close()
        d.polls[fd] = nil
      else
        if not p then
          p = uv.new_poll(fd)
          d.polls[fd] = p
        end
        local function on_ready(err, ev)
          ev = ev or ""
          act(fd, (err and 4 or 0) + (ev:find("r") and 1 or 0) + (ev:find("w") and 2 or 0))
          -- libuv stops a poll on POLLERR (reported as EBADF): start it
          -- again if curl still wants the socket watched.
          if err and d.polls[fd] == p and not p:is_active() then p:start(MODES[what], on_ready) end
        end
        p:start(MODES[what], on_ready)
      end
    end
    local watched = 0
    for _ in pairs(d.polls) do watched = watched + 1 end
    if watched > d.max_watched then d.max_watched = watched end
    if t then
      d.timers[#d.timers + 1] = t
      timer:stop()
      if t >= 0 then timer:start(t, 0, function() act() end) end
    end
    if d.after_apply then d.after_apply() end
  end

  -- Runs the loop until this driver holds no watcher and no armed timer
  -- (what a host loop would see as its natural end), or fails after limit
  -- seconds: a stray watcher would keep it running for ever. Handles other
  -- spec files left in luv's one default loop do not count.
  function d.run(limit)
    local guard = uv.new_timer()
    local expired = false
    uv.update_time() -- the guard counts from now, not from the loop's last iteration
    guard:start(math.floor((limit or 10) * 1000), 0, function()
      expired = true
      uv.stop()
    end)
    guard:unref() -- the guard alone must not keep the loop alive
    while not expired and (next(d.polls) ~= nil or timer:is_active()) do uv.run("once") end
    guard:close()
    assert.is_false(expired, "the loop did not come to its natural end")
  end

  function d.watched()
    local n = 0
    for _ in pairs(d.polls) do n = n + 1 end
    return n
  end

  -- Idempotent: each spec calls it in finally(), even after a failure.
  function d.close()
    for fd, p in pairs(d.polls) do
      p:close()
      d.polls[fd] = nil
    end
    if not timer:is_closing() then timer:close() end
    uv.run() -- finishes the closes, so nothing is pending at lua_close
  end

  return d
end

describe("#12 engine events", function()
  local sim, headers
  setup(function() sim = helper.start_sim() end)
  teardown(function() sim:stop() end)
  before_each(function()
    sim:reset()
    headers = { "Authorization: Bearer " .. sim.token, "Accept: application/json" }
  end)

  it("#12 one request runs on socket_action and changes alone and leaves nothing watched", function()
    local c = core.client {}
    local d = driver(c)
    finally(function() d.close(); c:close() end)
    local id = c:start("GET", sim.url .. "/v1/bridges", headers)
    d.apply()
    d.run()
    local status, value = unpack(d.results[id])
    assert.are.equal(200, status)
    assert.is_table(value.items)
    assert.are.equal(0, d.watched())
    assert.are.equal(-1, d.timers[#d.timers]) -- an idle client holds no timer
    assert.is_true(#d.log >= 2) -- the socket was watched, then forgotten
    assert.are.equal(0, d.log[#d.log][2])
    assert.are.equal(0, c:count())
  end)

  it("#12 50 concurrent requests each finish once", function()
    local c = core.client {}
    local d = driver(c)
    finally(function() d.close(); c:close() end)
    local ids = {}
    for i = 1, 50 do
      ids[c:start("GET", sim.url .. "/v1/bridges/telegram", headers)] = i
    end
    d.apply()
    d.run()
    local got = 0
    for id, r in pairs(d.results) do
      assert.is_truthy(ids[id])
      assert.are.equal(200, r[1])
      assert.are.equal("telegram", r[2].id)
      got = got + 1
    end
    assert.are.equal(50, got)
    assert.is_true(d.max_watched > 1, "never more than one socket at a time")
    assert.are.equal(0, d.watched())
  end)

  it("#12 a delayed answer leaves the loop idle: a handful of socket actions", function()
    sim:fault { path = "^/v1/bridges$", delay = 1 }
    local c = core.client {}
    local d = driver(c)
    finally(function() d.close(); c:close() end)
    local t0 = core.now()
    local id = c:start("GET", sim.url .. "/v1/bridges", headers)
    d.apply()
    d.run()
    local elapsed = core.now() - t0
    assert.are.equal(200, d.results[id][1])
    assert.is_true(elapsed >= 0.95, elapsed)
    -- A 1 to 10 ms poll would make 100 to 1000 calls in that second.
    assert.is_true(d.actions <= 12, d.actions .. " socket actions")
  end)

  it("#12 a cancelled request has its socket removed and the loop ends", function()
    sim:fault { path = "^/v1/bridges$", hang = true }
    local c = core.client {}
    local d = driver(c)
    finally(function() d.close(); c:close() end)
    local id = c:start("GET", sim.url .. "/v1/bridges", headers)
    local fd
    d.after_apply = function()
      -- Once the request is sent and only its answer is awaited, cancel it.
      for f in pairs(d.polls) do
        local last
        for _, e in ipairs(d.log) do if e[1] == f then last = e[2] end end
        if last == 1 and not fd then
          fd = f
          assert.is_true(c:cancel(id))
          d.apply()
        end
      end
    end
    d.apply()
    d.run(5)
    assert.is_number(fd)
    assert.are.same({ fd, 0 }, d.log[#d.log])
    assert.are.equal(0, d.watched())
    assert.are.equal(-1, d.timers[#d.timers])
    local _, kind = c:take(id)
    assert.are.equal("cancelled", kind)
  end)

  it("#12 a refused connection ends as a connection error", function()
    local c = core.client {}
    local d = driver(c)
    finally(function() d.close(); c:close() end)
    local id = c:start("GET", "http://127.0.0.1:" .. helper.closed_port() .. "/v1/bridges", headers)
    d.apply()
    d.run()
    local status, kind, _, code = unpack(d.results[id])
    assert.is_nil(status)
    assert.are.equal("connection", kind)
    assert.are.equal(7, code) -- CURLE_COULDNT_CONNECT
    assert.are.equal(0, d.watched())
  end)

  it("#12 a reused fd number is reported as removed before it is watched again", function()
    sim:fault { path = "^/v1/bridges$", hang = true }
    local c = core.client {}
    local buf = {}
    local a = c:start("GET", sim.url .. "/v1/bridges", headers)
    local fd
    for _ = 1, 3 do -- curl's first deadlines: it connects and sends
      local n = c:changes(buf)
      if n > 0 then fd = buf[2 * n - 1] end
      c:socket_action()
    end
    assert.is_number(fd)
    c:changes(buf)
    c:cancel(a) -- closes fd ...
    c:start("GET", sim.url .. "/v1/info", headers)
    c:socket_action() -- ... and the next socket takes the lowest free number
    local n = c:changes(buf)
    assert.are.equal(2, n)
    assert.are.same({ fd, 0, fd }, { buf[1], buf[2], buf[3] })
    assert.are_not.equal(0, buf[4])
    c:close()
  end)

  -- A slow callback request a, then a blocking run() of another on the same
  -- client; host_first: the host loop applied changes() before a started.
  local function blocking_run_beside_callback(host_first)
    sim:fault { path = "^/v1/bridges$", delay = 0.5 }
    local c = core.client {}
    local d = driver(c)
    finally(function() d.close(); c:close() end)
    if host_first then d.apply() end -- the host loop is in charge from here
    local t0 = core.now()
    local a = c:start("GET", sim.url .. "/v1/bridges", headers)
    if host_first then
      d.apply() -- only curl's deadline: a has no socket yet
      assert.are.equal(0, d.watched())
    end
    -- run() advances a too (connects and sends it) with perform: the socket
    -- it now waits on must still reach the host.
    assert.are.equal(200, (c:run(c:start("GET", sim.url .. "/v1/info", headers))))
    d.apply()
    -- Plain curl_multi_perform leaves a's socket unreported until some
    -- later timer of curl's happens to run it.
    assert.are.equal(1, d.watched())
    d.run(5)
    assert.are.equal(200, d.results[a][1])
    assert.is_true(core.now() - t0 < 1.5, "the callback request waited for a timer")
    assert.are.equal(0, d.watched())
  end

  it("#12 a blocking run() on the same client keeps the watched sockets right", function()
    blocking_run_beside_callback(true)
  end)

  it("#12 a blocking run() before the host's first changes() leaves the sockets right", function()
    blocking_run_beside_callback(false)
  end)

  it("#12 a collected client with watched sockets releases them (asan, valgrind)", function()
    sim:fault { path = "^/v1/bridges$", hang = true, times = 3 }
    local fds = {}
    do
      local c = core.client {}
      local d = driver(c)
      for _ = 1, 3 do c:start("GET", sim.url .. "/v1/bridges", headers) end
      d.apply()
      for _ = 1, 3 do c:socket_action() d.apply() end -- connect and send
      for fd in pairs(d.polls) do fds[#fds + 1] = fd end
      d.close() -- the host drops its watchers; the client is left to __gc
    end
    collectgarbage()
    collectgarbage()
    assert.is_true(#fds >= 1)
    sim:clear_faults()
    local c = core.client {}
    local d = driver(c)
    finally(function() d.close(); c:close() end)
    local id = c:start("GET", sim.url .. "/v1/bridges", headers)
    d.apply()
    d.run()
    assert.are.equal(200, d.results[id][1])
  end)

  it("#12 a closed client reports no changes and ignores socket actions", function()
    local c = core.client {}
    c:start("GET", sim.url .. "/v1/bridges", headers)
    c:close()
    local n, timer = c:changes({})
    assert.are.equal(0, n)
    assert.is_false(timer)
    assert.are.equal(0, c:socket_action())
    assert.are.equal(0, c:socket_action(3, 1))
  end)
end)
