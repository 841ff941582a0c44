-- Standalone luv (and the base of the Neovim adapter): uv_poll handles on
-- the engine's sockets, uv timers for curl's deadline, retries and sleeps.
-- No handle is ever closed. A handle closed by uv_close stays pending until
-- the loop runs once more; when the program ends first, luv's loop gc runs
-- that close callback inside lua_close and crashes (luv 1.44). So handles
-- are stopped and reused, shared by all clients of one uv, and luv's loop
-- gc closes them at exit: timers from a free list (as many as ever ran at
-- once), polls one per fd number (a uv_poll is bound to its fd).
-- A stopped handle keeps the callback it last had; every handle has one
-- callback for life that looks up the current user in a slot, cleared on
-- stop, so a stopped handle holds no client.
-- Everything the adapter calls runs protected: an error escaping a luv
-- callback makes luv exit the process.
local report = require("beeper.loop").report

local M = {}

-- uv module -> { free = stopped timers, polls = fd -> poll, queue = deferred
-- calls, kick = timer, depth = how deep in our callbacks }. Kept in the
-- registry, not in this module: luv 1.44 breaks its loop when its module
-- table is collected (the next handle made crashes), and a host that
-- unloads modules (busted between spec files) would drop the last
-- reference; the handles kept here live as long as the loop anyway.
local registry = debug.getregistry()
local shared = registry["beeper.loop.luv"] or {}
registry["beeper.loop.luv"] = shared

local function state(uv)
  local s = shared[uv]
  if s == nil then
    s = { free = {}, polls = {}, queue = {}, depth = 0 }
    shared[uv] = s
  end
  return s
end

local function stderr_report(message)
  io.stderr:write(message, "\n")
end

-- Loads luv outside any coroutine: required first inside one, it would bind
-- itself to that coroutine (SIGSEGV on 5.3/5.4, "cannot resume running
-- coroutine" on 5.1/LuaJIT).
local function load_luv()
  if package.loaded.luv then return package.loaded.luv end
  local co, main = coroutine.running()
  if co ~= nil and not main then
    error("beeper: luv must be loaded outside a coroutine: call beeper.new{ loop = \"luv\" }"
      .. " or require \"luv\" before beeper.async, poll, connect or sign_in", 0)
  end
  return require "luv"
end
M.load = load_luv

-- A pooled timer: its uv timer and the one callback it ever gets.
local function new_timer(uv, s)
  local e = { t = uv.new_timer() }
  e.fire = function()
    local token = e.token
    if token == nil then return end
    e.token, token.e = nil, nil
    s.free[#s.free + 1] = e
    token.call(token.fn)
  end
  return e
end

local READABLE = { r = true, rw = true }
local WRITABLE = { w = true, rw = true }

-- The poll for one fd number, made on its first watch.
local function poll_for(uv, s, fd)
  local w = s.polls[fd]
  if w then return w end
  -- luv reports failures as nil, message: raised here, so that the pump
  -- falls back to polling the engine.
  w = { p = assert(uv.new_poll(fd)) }
  w.ready = function(err, ev)
    local token = w.token
    if token == nil then return end
    token.call(token.fn, READABLE[ev] or false, WRITABLE[ev] or false, err)
    -- libuv stops a poll on POLLERR (as EBADF); start it again if the
    -- socket is still wanted after the engine saw the error.
    if err and w.token ~= nil and not w.p:is_active() then w.p:start(w.token.events, w.ready) end
  end
  s.polls[fd] = w
  return w
end

function M.new(uv, deliver, host_report)
  uv = uv or load_luv()
  local s = state(uv)
  local adapter = { name = "luv", report = host_report or stderr_report }

  local function protected(fn, ...)
    local ok, err = pcall(fn, ...)
    if not ok then report(adapter, "beeper: error in a loop callback: " .. tostring(err)) end
  end
  local call = protected

  -- Deferred calls: one queue per uv, of (fn, the protected() of the
  -- adapter that deferred it). Those deferred inside one of this module's
  -- callbacks run when it returns to the loop, saving a turn of the loop
  -- per answer; the others, and any deferred while the queue runs, from a
  -- timer at 0 ms.
  local run_queue
  local function kick()
    s.kicked = true
    s.kick:start(0, 0, run_queue)
  end
  run_queue = function()
    s.kicked = false
    s.depth = s.depth + 1
    local q = s.queue
    s.queue = {}
    for i = 1, #q, 2 do q[i + 1](q[i]) end
    s.depth = s.depth - 1
    if s.queue[1] ~= nil and s.depth == 0 then kick() end
  end
  if deliver == nil then
    s.kick = s.kick or uv.new_timer()
    call = function(fn, ...)
      s.depth = s.depth + 1
      protected(fn, ...)
      s.depth = s.depth - 1
      if s.depth == 0 and s.queue[1] ~= nil then
        if s.kicked then
          s.kicked = false
          s.kick:stop()
        end
        run_queue()
      end
    end
    deliver = function(fn)
      local q = s.queue
      local n = #q
      q[n + 1], q[n + 2] = fn, protected
      if n == 0 and s.depth == 0 then kick() end
    end
  end
  adapter.defer = deliver

  -- A timer handle is a token: stopping one that already fired, whose uv
  -- timer now serves someone else, must do nothing.
  function adapter.start_timer(ms, fn)
    local e = table.remove(s.free) or new_timer(uv, s)
    local token = { e = e, fn = fn, call = call }
    e.token = token
    -- libuv counts from the loop's cached time, which stands still while
    -- the program does other work (or blocks) outside the loop: a timer
    -- started then would fire early.
    uv.update_time()
    e.t:start(ms, 0, e.fire)
    return token
  end

  function adapter.stop_timer(token)
    local e = token.e
    if e then
      token.e, e.token = nil, nil
      e.t:stop()
      s.free[#s.free + 1] = e
    end
  end

  -- Socket watches, as tokens too: unwatching a socket whose fd number now
  -- belongs to another watch must not stop that one.
  function adapter.watch(fd, events, fn)
    local w = poll_for(uv, s, fd)
    local token = { w = w, fn = fn, call = call, events = events }
    w.token = token
    assert(w.p:start(events, w.ready))
    return token
  end

  function adapter.update(token, events)
    local w = token.w
    if w and w.token == token and token.events ~= events then
      token.events = events
      assert(w.p:start(events, w.ready))
    end
  end

  function adapter.unwatch(token)
    local w = token.w
    token.w = nil
    if w and w.token == token then
      w.token = nil
      -- Only an active poll is stopped: stopping also drops the fd from
      -- epoll, and a stopped poll's fd number may belong to someone else now.
      if w.p:is_active() then w.p:stop() end
    end
  end

  return adapter
end

return M
