-- Non-blocking calls: a pump per client drives the C engine from host timers.
-- Timers run only while requests are in flight; user callbacks are always
-- delivered through the loop's defer, never from inside the engine, and
-- protected: user code (callbacks, loggers) never stops the pump.
local errors = require "beeper.errors"
local loops = require "beeper.loop"
local protect = require "beeper.protect"

local M = {}

local unpack = table.unpack or unpack

local MAX_INTERVAL = 10 -- ms between engine pumps while waiting on sockets
local PER_TICK = 8 -- finished requests handled per pump tick

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

function M.run(fn, ...)
  local co = coroutine.create(fn)
  M.threads[co] = true
  M.resume(co, ...)
  return co
end

-- Calls user code that may not raise into the engine or the host loop: an
-- error goes to the loop's report (stderr without one).
local function call_user(loop, what, fn, ...)
  -- The blocking loop is driven by the script itself (beeper.run()): its
  -- callback errors, assertions in specs included, surface from run(),
  -- after the pump has settled.
  if loop and loop.rethrow then return fn(...) end
  local ok, err = pcall(fn, ...)
  if not ok then loops.report(loop, "beeper: error in " .. what .. ": " .. tostring(err)) end
end

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

function M.pump(client, loop)
  local pump = setmetatable({ client = client, loop = loop, by_id = {}, handles = {},
                              interval = 1, now = require("beeper.core").now }, Pump)
  -- A loop that can wait on the engine's sockets (the blocking loop) gets
  -- woken by I/O instead of sleeping out the pump interval.
  if loop.add_io_waiter then loop.add_io_waiter(pump) end
  return pump
end

local function internal_error(h, raised)
  return errors.new { kind = "internal", message = tostring(raised), cause = raised,
    method = h.call.method, path = h.call.path, retries = h.retries }
end

-- Every way the host enters the pump (its timers, wait_io) goes through
-- here: `ticking` tells the client to hand log lines to the loop's defer
-- (the host may forbid its API inside this callback), and an error that
-- escapes is reported and leaves the pump armed while work remains.
function Pump:enter(fn, ...)
  local was = self.ticking
  self.ticking = true
  local ok, err = pcall(fn, self, ...)
  self.ticking = was
  if not ok then
    loops.report(self.loop, "beeper: error in the request pump: " .. tostring(err))
    if self.timer == nil and next(self.by_id) ~= nil and self.client._core then
      self:arm(self.interval)
    end
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

-- (Re)arms the pump timer to fire within ms. A tick already due at once is
-- kept: starting a hundred requests arms one timer, not a hundred.
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

-- Starts an attempt. From a host timer (a retry) an error becomes the
-- request's error value; from the caller's start() it is raised to them.
function Pump:attempt(h, from_host)
  h.t0 = self.now()
  local ok, id, err = true, nil, nil
  if from_host then
    ok, id, err = pcall(self.client.attempt, self.client, h.call, h.settings, h.retries, h.t0)
    if not ok then id, err = nil, internal_error(h, id) end
  else
    id, err = self.client:attempt(h.call, h.settings, h.retries, h.t0)
  end
  if not id then return self:finish(h, nil, err) end
  h.id = id
  self.by_id[id] = h
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

function Pump:tick()
  local c = self.client._core
  if c == nil then return end -- closed meanwhile
  c:perform()
  local progressed, handled = false, 0
  local id = c:next_done()
  while id do
    handled = handled + 1
    local h = self.by_id[id]
    self.by_id[id] = nil
    if h then
      progressed = true
      h.id = nil
      self:done(h, c, id)
    end
    -- Give the host loop a turn between batches: decoding a hundred answers
    -- in one go would hold up its own timers.
    if handled == PER_TICK then return self:arm(0) end
    c = self.client._core
    if c == nil then return end
    id = c:next_done()
  end
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
function Handle:cancel()
  if self.done then return false end
  local pump = self.pump
  if self.id then
    pump.by_id[self.id] = nil
    local c = pump.client._core
    if c then c:cancel(self.id) end
    self.id = nil
  end
  pump:finish(self, nil, errors.new { kind = "cancelled", message = "request was cancelled",
    method = self.call.method, path = self.call.path, retries = self.retries })
  return true
end

function Handle:is_done()
  return self.done
end

-- Cancels everything (client:close()).
function Pump:cancel_all()
  local list = {}
  for h in pairs(self.handles) do list[#list + 1] = h end
  for _, h in ipairs(list) do h:cancel() end
  if self.timer then self.loop.stop_timer(self.timer); self.timer = nil end
end

return M
