--- Non-blocking calls: a pump per client drives the C engine from its host
-- loop. With an adapter that watches sockets, the host wakes the pump only
-- when a socket is ready or curl's deadline passes; else host timers poll
-- the engine while requests are in flight. User callbacks are always
-- delivered through the loop's defer, never from inside the engine, and
-- protected: user code (callbacks, loggers) never stops the pump.
local errors = require "beeper.transport.errors"
local loops = require "beeper.loop"
local protect = require "beeper.transport.protect"

local M = {}

local unpack = table.unpack or unpack

local MAX_INTERVAL = 10 -- ms between engine pumps while waiting on sockets
local PER_TICK = 8 -- finished requests handled per pump tick (timer mode)
local SLICE = 0.002 -- seconds of answers handled per turn of the host loop (socket events)

-- Coroutines started by beeper.async or a task: calls inside them yield,
-- not block. Values are true, so the weak keys go on 5.1 too.
M.threads = setmetatable({}, { __mode = "k" })

-- What each async coroutine is waiting for (a request handle or a sleep),
-- so cancelling its task can abort exactly that. Both tables lose their
-- entry when the wait or the task ends: their values lead back to the
-- coroutine, which Lua 5.1 and LuaJIT (no ephemerons) would never collect.
local pending = setmetatable({}, { __mode = "k" })
local tasks = setmetatable({}, { __mode = "k" })

local function forget(co)
  M.threads[co], pending[co], tasks[co] = nil, nil, nil
end

function M.resume(co, ...)
  local ok, err = coroutine.resume(co, ...)
  if coroutine.status(co) == "dead" then forget(co) end
  if not ok then error(err, 0) end
end

--- Runs fn as a coroutine in which calls without a callback yield to the
--- host loop (also `beeper.async`).
---@param fn fun(...)
---@param ... any passed to fn
function M.run(fn, ...)
  local co = coroutine.create(fn)
  M.threads[co] = true
  M.resume(co, ...)
  return co
end

-- Calls user code that may not raise into the engine or the host loop: an
-- error goes to the loop's report (stderr without one).
local call_user = loops.call_user

local function cancelled_error(what)
  return errors.new { kind = "cancelled", message = what .. " was cancelled" }
end

-- A cancelled task's waits end "cancelled", whatever answer arrives: the
-- first wait after cancel() gets that error once, so the task stops there
-- and may still clean up (connect deletes its session) with later calls.
local function settle(co, what, ...)
  local task = tasks[co]
  if task and task.cancelled and not task.told then
    task.told = true
    local err = select(2, ...)
    if not (errors.is(err) and err.kind == "cancelled") then return nil, cancelled_error(what) end
  end
  return ...
end

local function told_now(co, what)
  local task = tasks[co]
  if task and task.cancelled and not task.told then
    task.told = true
    return cancelled_error(what)
  end
end

-- The running task's cleanup begins (connect deleting its session): a
-- cancel() not yet seen by a wait must not skip it. The task still ends
-- "cancelled".
function M.shield()
  local task = tasks[coroutine.running()]
  if task and task.cancelled then task.told = true end
end

-- Inside an async coroutine: starts the call and yields until it ends.
function M.await(pump, call)
  local co = coroutine.running()
  local now = told_now(co, "request")
  if now then return nil, now end
  local h = pump:start(call, function(err, result)
    pending[co] = nil
    M.resume(co, result, err)
  end)
  if not h.done then pending[co] = h end
  return settle(co, "request", coroutine.yield())
end

-- Waits without blocking the host inside an async coroutine (a loop timer),
-- else sleeps. Returns true, or nil and a "cancelled" error. The coroutine
-- goes on through the loop's defer, not inside the timer's callback: in
-- Neovim that is a libuv callback, where the flow's ui could not use vim.api.
function M.sleep(client, seconds)
  local co = coroutine.running()
  if not (co and M.threads[co]) then
    require("beeper.core").sleep(seconds)
    return true
  end
  local now = told_now(co, "wait")
  if now then return nil, now end
  local loop = client:pump().loop
  local waiter = {}
  waiter.timer = loop.start_timer(math.max(1, math.floor(seconds * 1000)), function()
    pending[co] = nil
    loop.defer(function() M.resume(co, true) end)
  end)
  function waiter.cancel()
    loop.stop_timer(waiter.timer)
    pending[co] = nil
    loop.defer(function() M.resume(co, nil, cancelled_error("wait")) end)
    return true
  end
  pending[co] = waiter
  return settle(co, "wait", coroutine.yield())
end

-- The two forms of a flow: with a callback, a task (non-blocking, has
-- cancel()); without, flow(client, ...) runs now and returns its results.
function M.flow(callback, flow, client, ...)
  if callback == nil then return flow(client, ...) end
  local n, args = select("#", ...), { ... }
  return M.task(function() return flow(client, unpack(args, 1, n)) end, callback, client)
end

-- Where a task reports a raising callback: its client's loop, once it has one.
local function loop_of(client)
  return client and client._pump and client._pump.loop
end

-- Runs fn() as an async coroutine and hands its (result, err) to
-- callback(err, result). The returned task's cancel() aborts what fn is
-- waiting for, which then sees a "cancelled" error and can clean up; a
-- cancel() that returns true always ends the task "cancelled". An error fn
-- raises before its first wait is raised here (a programming mistake at
-- the call); one raised later is the callback's error value (kind
-- "internal"), never thrown into the host loop.
function M.task(fn, callback, client)
  local task = { done = false, starting = true }
  local co
  co = coroutine.create(function()
    local ok, result, err = protect.pcall(fn)
    forget(co)
    task.done = true
    if not ok then
      if task.starting then error(result, 0) end
      result, err = nil, errors.new { kind = "internal", message = tostring(result), cause = result }
    end
    if task.cancelled and not (errors.is(err) and err.kind == "cancelled") then
      result, err = nil, cancelled_error("task")
    end
    if callback then call_user(loop_of(client), "a task callback", callback, err, result) end
  end)
  M.threads[co] = true
  tasks[co] = task
  function task.cancel()
    if task.done or task.cancelled then return false end
    task.cancelled = true
    local p = pending[co]
    -- A request that already finished cannot be stopped; its answer, still
    -- on its way, is turned into "cancelled" by settle().
    if p then p:cancel() end
    return true
  end
  M.resume(co)
  task.starting = false
  return task
end

local Handle = {}
Handle.__index = Handle
M.Handle = Handle

local Pump = {}
Pump.__index = Pump

local WATCH = { [1] = "r", [2] = "w", [3] = "rw" } -- changes() codes to watch modes

function M.pump(client, loop)
  local pump = setmetatable({ client = client, loop = loop, by_id = {}, handles = {},
                              interval = 1, now = require("beeper.core").now, budget = 0 }, Pump)
  if loop.watch then
    -- Event mode: the host watches the engine's sockets and curl's
    -- deadline; nothing runs while nothing is ready.
    pump.watching, pump.on_fd, pump.buf, pump.fresh = {}, {}, {}, {}
    pump.budget, pump.slice_end = math.huge, -1
  elseif loop.add_io_waiter then
    -- A loop that can wait on the engine's sockets (the blocking loop) gets
    -- woken by I/O instead of sleeping out the pump interval.
    loop.add_io_waiter(pump)
  end
  return pump
end

local function internal_error(h, raised)
  return errors.new { kind = "internal", message = tostring(raised), cause = raised,
    method = h.call.method, path = h.call.path, retries = h.retries }
end

-- Every way the host enters the pump (its timers, socket events, wait_io)
-- goes through here: `ticking` tells the client to hand log lines to the
-- loop's defer (the host may forbid its API inside this callback), and an
-- error that escapes is reported and leaves the pump armed while work
-- remains.
function Pump:enter(fn, ...)
  local was = self.ticking
  self.ticking = true
  local ok, err = pcall(fn, self, ...)
  self.ticking = was
  if not ok then
    loops.report(self.loop, "beeper: error in the request pump: " .. tostring(err))
    if next(self.by_id) ~= nil and self.client._core then self:recover() end
  end
end

-- For loops with add_io_waiter: waits up to ms for this client's sockets,
-- then pumps; false when nothing is in flight.
function Pump:wait_io(ms)
  local c = self.client._core
  if c == nil or next(self.by_id) == nil then return false end
  c:wait(ms)
  self:enter(Pump.tick)
  return true
end

-- Hands the result to the user once, on the loop, protected.
function Pump:finish(h, value, err)
  if h.done then return end
  h.done = true
  self.handles[h] = nil
  if h.timer then self.loop.stop_timer(h.timer); h.timer = nil end
  local loop, callback = self.loop, h.callback
  loop.defer(function() call_user(loop, "a callback", callback, err, value) end)
end

-- A call that fails before it starts (no token): a done handle, and the
-- error delivered like any other.
function Pump:fail(call, callback, err)
  local h = setmetatable({ pump = self, call = call, callback = callback, retries = 0,
                           done = false }, Handle)
  self:finish(h, nil, err)
  return h
end

-- Timer mode: (re)arms the pump timer to fire within ms. A tick already due
-- at once is kept: starting a hundred requests arms one timer, not a hundred.
function Pump:arm(ms)
  if self.timer then
    if self.armed_ms == 0 then return end
    self.loop.stop_timer(self.timer)
  end
  self.armed_ms = ms
  self.timer = self.loop.start_timer(ms, function()
    self.timer = nil
    self:enter(Pump.tick)
  end)
end

-- Event mode: applies what the engine asks of the host since the last call
-- (sockets to watch or forget, curl's next deadline). Called after every
-- start, cancel and socket action. With now_ok, what cannot wait is left
-- to the caller (see act_now): returns due (curl's deadline is at 0 ms; it
-- is not armed) and fresh (the sockets newly watched for writing only, in
-- a list reused by the next call), else nil.
function Pump:sync(now_ok)
  local c = self.client._core
  if c == nil then return end
  local buf = self.buf
  local n, ms = c:changes(buf)
  if n == 0 and not ms then return end
  local loop, watching, fresh = self.loop, self.watching, nil
  for i = 1, 2 * n, 2 do
    local fd, what = buf[i], buf[i + 1]
    local w = watching[fd]
    if what == 0 then
      if w then
        watching[fd] = nil
        loop.unwatch(w)
      end
    elseif w and loop.update then
      loop.update(w, WATCH[what])
    else
      if w then loop.unwatch(w) end
      local ok, handle = pcall(loop.watch, fd, WATCH[what], self:on_ready(fd))
      if not ok then return self:fall_back(handle) end
      watching[fd] = handle
      if what == 2 and now_ok then
        if fresh == nil then
          fresh = self.fresh
          for k = #fresh, 1, -1 do fresh[k] = nil end
        end
        fresh[#fresh + 1] = fd
      end
    end
  end
  if ms then
    if ms == 0 and now_ok then
      self:deadline(-1)
      return true, fresh
    end
    self:deadline(ms)
  end
  return false, fresh
end

-- The host refused a watch (say, a uv_poll already on that fd number):
-- this pump polls the engine on timers from now on; perform() keeps
-- working in event mode.
function Pump:fall_back(err)
  loops.report(self.loop, "beeper: cannot watch the engine's sockets, polling instead: "
    .. tostring(err))
  local loop = self.loop
  if self.timer then loop.stop_timer(self.timer); self.timer = nil end
  if self.later then loop.stop_timer(self.later); self.later = nil end
  for fd, w in pairs(self.watching) do
    self.watching[fd] = nil
    loop.unwatch(w)
  end
  self.watching, self.on_fd, self.slice_end = nil, nil, nil
  self.interval = 1
  self:arm(0)
end

-- The callback for one fd number's watches, made once per pump and fd.
function Pump:on_ready(fd)
  local fn = self.on_fd[fd]
  if fn == nil then
    fn = function(readable, writable, err)
      self:enter(Pump.act, fd, (readable and 1 or 0) + (writable and 2 or 0) + (err and 4 or 0))
    end
    self.on_fd[fd] = fn
  end
  return fn
end

-- curl's deadline: -1 none, else ms from now. One due at once is kept.
function Pump:deadline(ms)
  local loop = self.loop
  if self.timer then
    if ms == 0 and self.armed_ms == 0 then return end
    loop.stop_timer(self.timer)
    self.timer = nil
  end
  if ms >= 0 then
    self.armed_ms = ms
    self.timer = loop.start_timer(ms, function()
      self.timer = nil
      self:enter(Pump.act)
    end)
  end
end

-- A socket is ready (fd, events) or curl's deadline passed (no fd).
function Pump:act(fd, events)
  local c = self.client._core
  if c == nil then return end -- closed meanwhile
  if fd then c:socket_action(fd, events) else c:socket_action() end
  self:begin_slice()
  self:drain(c)
  local due, fresh = self:sync(true)
  if due or fresh then self:act_now(due, fresh) end
end

-- Once more at once, for what sync() said cannot wait: curl's deadline at
-- 0 ms (connect and send a new request: a turn of the host loop saved), or
-- sockets just watched for writing, connects in progress. Checked now, a
-- loopback connect is done and the request sent, and a refused one is seen
-- by curl itself: left to the poll, libuv reports POLLERR as EBADF, which
-- luv 1.44 prints on stderr (in Neovim, over the screen).
function Pump:act_now(due, fresh)
  for _ = 1, 3 do -- a deadline at 0 ms, the connect it starts, the send
    local c = self.client._core
    if c == nil then return end
    if fresh then
      for i = 1, #fresh do c:socket_action(fresh[i], 2) end
    end
    if due then c:socket_action() end
    self:begin_slice()
    self:drain(c)
    due, fresh = self:sync(true)
    if not (due or fresh) then return end
  end
  if due then self:deadline(0) end -- curl still asks for more at once: next turn
end

-- After an error inside the pump: timer mode pumps again; event mode asks
-- curl's deadline at once, which looks at every transfer.
function Pump:recover()
  if self.watching == nil then
    if self.timer == nil then self:arm(self.interval) end
  else
    self:deadline(0)
  end
end

-- Starts an attempt. From a host timer (a retry) an error becomes the
-- request's error value; from the caller's start() it is raised to them.
function Pump:attempt(h, from_host)
  h.t0 = self.now()
  local ok, id, err
  if from_host then
    ok, id, err = pcall(self.client.attempt, self.client, h.call, h.settings, h.retries, h.t0)
    if not ok then id, err = nil, internal_error(h, id) end
  else
    id, err = self.client:attempt(h.call, h.settings, h.retries, h.t0)
  end
  if not id then return self:finish(h, nil, err) end
  h.id = id
  self.by_id[id] = h
  if self.watching then
    -- A request started alone is connected and sent now, as in the blocking
    -- form, not on the next turn of the host loop. Started among others,
    -- they all go on that turn, in one socket action: a hundred started in
    -- one callback do not hold up the host for a hundred.
    local alone = next(self.by_id, next(self.by_id)) == nil
    local due, fresh = self:sync(alone)
    if due or fresh then self:enter(Pump.act_now, due, fresh) end
    return
  end
  self.interval = 1
  self:arm(0) -- connect and send on the next turn of the host loop
end

local function judge(self, h, c, id)
  return self.client:outcome(h.call, h.settings, h.retries, h.t0, self.now(), c:take(id))
end

-- The result of one finished request, or its next try: an error judging it
-- becomes its error value, so its callback still comes.
function Pump:done(h, c, id)
  local ok, value, err, delay = pcall(judge, self, h, c, id)
  if not ok then value, err, delay = nil, internal_error(h, value), nil end
  if delay then
    h.retries = h.retries + 1
    h.timer = self.loop.start_timer(math.max(1, math.floor(delay * 1000)), function()
      h.timer = nil
      if not h.done then self:enter(Pump.attempt, h, true) end
    end)
  else
    self:finish(h, value, err)
  end
end

-- Takes the finished requests, as many as self.budget allows (timer mode)
-- or until self.slice_end (socket events); the rest on the next turn of the
-- host loop: decoding a hundred answers in one go would hold up the host's
-- own timers. True when some were this pump's.
function Pump:drain(c)
  local slice_end, now = self.slice_end, self.now
  if self.budget <= 0 or (slice_end and now() > slice_end) then
    self:more()
    return false
  end
  local progressed = false
  local id = c:next_done()
  while id do
    self.budget = self.budget - 1
    local h = self.by_id[id]
    self.by_id[id] = nil
    if h then
      progressed = true
      h.id = nil
      self:done(h, c, id)
    end
    if self.budget <= 0 or (slice_end and now() > slice_end) then
      self:more()
      return progressed
    end
    c = self.client._core
    if c == nil then return progressed end
    id = c:next_done()
  end
  return progressed
end

-- Socket events: answers are judged for SLICE seconds at most before the
-- host loop gets a turn, however many sockets one turn found ready. A
-- slice goes on across the events of one turn and ends after SLICE; the
-- next begins on the next turn (act_later) or with the next event.
function Pump:begin_slice()
  local now = self.now()
  if self.later == nil and now > self.slice_end then self.slice_end = now + SLICE end
end

-- Drains the rest of a batch on the next turn of the host loop.
function Pump:more()
  if self.watching == nil then
    self.batched = true
    return self:arm(0)
  end
  if self.later then return end
  self.later = self.loop.start_timer(0, function()
    self.later = nil
    self:enter(Pump.act_later)
  end)
end

function Pump:act_later()
  local c = self.client._core
  if c == nil then return end
  self.slice_end = self.now() + SLICE
  self:drain(c)
  self:sync()
end

-- A blocking call on the same client drove the engine itself (perform):
-- applies the socket changes it made and takes what it finished, which no
-- socket event may ever announce. For the client, after c:run().
function Pump:resync()
  if self.watching then self:enter(Pump.act_later) end
end

-- Timer mode: one pump of the engine.
function Pump:tick()
  local c = self.client._core
  if c == nil then return end -- closed meanwhile
  c:perform()
  self.batched, self.budget = false, PER_TICK
  local progressed = self:drain(c)
  c = self.client._core
  if c == nil or self.batched then return end -- closed, or more() armed the next tick
  if next(self.by_id) ~= nil then
    if not progressed then self.interval = math.min(self.interval * 2, MAX_INTERVAL) end
    local ms = c:timeout()
    if ms < 0 or ms > self.interval then ms = self.interval end
    self:arm(math.max(ms, 1))
  end
end

function Pump:start(call, callback)
  local h = setmetatable({ pump = self, call = call, callback = callback, retries = 0,
                           settings = self.client:settings(call, self.now()), done = false }, Handle)
  self.handles[h] = true
  local ok, err = pcall(self.attempt, self, h)
  if not ok then
    self.handles[h] = nil -- a programming mistake in the call: raised to the caller
    error(err, 0)
  end
  return h
end

-- Stops the request at once; its callback gets a "cancelled" error and
-- nothing else. Cancelling a finished request does nothing.
---@class beeper.Request
---@field cancel fun(self: beeper.Request): boolean true when it was still running
---@field is_done fun(self: beeper.Request): boolean

---@return boolean cancelled false when the request had already finished
function Handle:cancel()
  if self.done then return false end
  local pump = self.pump
  if self.id then
    pump.by_id[self.id] = nil
    local c = pump.client._core
    if c then
      c:cancel(self.id)
      if pump.watching then pump:sync() end
    end
    self.id = nil
  end
  pump:finish(self, nil, errors.new { kind = "cancelled", message = "request was cancelled",
    method = self.call.method, path = self.call.path, retries = self.retries })
  return true
end

---@return boolean
function Handle:is_done()
  return self.done
end

-- Cancels everything (client:close(), before the engine closes its
-- sockets): the host is left with no timer and no watch of this client.
function Pump:cancel_all()
  local list = {}
  for h in pairs(self.handles) do list[#list + 1] = h end
  for _, h in ipairs(list) do h:cancel() end
  local loop = self.loop
  if self.timer then loop.stop_timer(self.timer); self.timer = nil end
  if self.later then loop.stop_timer(self.later); self.later = nil end
  if self.watching then
    for fd, w in pairs(self.watching) do
      self.watching[fd] = nil
      loop.unwatch(w)
    end
  end
end

return M
