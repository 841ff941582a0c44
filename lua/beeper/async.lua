-- Non-blocking calls: a pump per client drives the C engine from host timers.
-- Timers run only while requests are in flight; user callbacks are always
-- delivered through the loop's defer, never from inside the engine.
local errors = require "beeper.errors"

local M = {}

local unpack = table.unpack or unpack

local MAX_INTERVAL = 10 -- ms between engine pumps while waiting on sockets
local PER_TICK = 8 -- finished requests handled per pump tick

-- Coroutines started by beeper.async: calls inside them yield, not block.
M.threads = setmetatable({}, { __mode = "k" })

function M.resume(co, ...)
  local ok, err = coroutine.resume(co, ...)
  if not ok then error(err, 0) end
end

function M.run(fn, ...)
  local co = coroutine.create(fn)
  M.threads[co] = true
  M.resume(co, ...)
  return co
end

-- What each async coroutine is waiting for (a request handle or a sleep),
-- so cancelling its task can abort exactly that.
local pending = setmetatable({}, { __mode = "k" })
local tasks = setmetatable({}, { __mode = "k" })

local function cancelled_error(what)
  return errors.new { kind = "cancelled", message = what .. " was cancelled" }
end

-- Inside an async coroutine: starts the call and yields until it ends.
function M.await(pump, call)
  local co = coroutine.running()
  local task = tasks[co]
  if task and task.cancel_next then
    task.cancel_next = false
    return nil, cancelled_error("request")
  end
  local h = pump:start(call, function(err, result)
    pending[co] = nil
    M.resume(co, result, err)
  end)
  if not h.done then pending[co] = h end
  return coroutine.yield()
end

-- Waits without blocking the host inside an async coroutine (a loop timer),
-- else sleeps. Returns true, or nil and a "cancelled" error.
function M.sleep(client, seconds)
  local co = coroutine.running()
  if not (co and M.threads[co]) then
    require("beeper.core").sleep(seconds)
    return true
  end
  local task = tasks[co]
  if task and task.cancel_next then
    task.cancel_next = false
    return nil, cancelled_error("wait")
  end
  local loop = client:pump().loop
  local waiter = {}
  waiter.timer = loop.start_timer(math.max(1, math.floor(seconds * 1000)), function()
    pending[co] = nil
    M.resume(co, true)
  end)
  function waiter.cancel()
    loop.stop_timer(waiter.timer)
    pending[co] = nil
    loop.defer(function() M.resume(co, nil, cancelled_error("wait")) end)
  end
  pending[co] = waiter
  return coroutine.yield()
end

-- The two forms of a flow: with a callback, a task (non-blocking, has
-- cancel()); without, flow(...) runs now and returns its results.
function M.flow(callback, flow, ...)
  if callback == nil then return flow(...) end
  local n, args = select("#", ...), { ... }
  return M.task(function() return flow(unpack(args, 1, n)) end, callback)
end

-- Runs fn(...) as an async coroutine and hands its (result, err) to
-- callback(err, result). The returned task's cancel() aborts what fn is
-- waiting for, which then sees a "cancelled" error and can clean up.
function M.task(fn, callback)
  local task = { done = false }
  local co = coroutine.create(function()
    local result, err = fn()
    task.done = true
    if callback then callback(err, result) end
  end)
  M.threads[co] = true
  tasks[co] = task
  function task.cancel()
    if task.done or task.cancelled then return false end
    task.cancelled = true
    local p = pending[co]
    if p then p:cancel() else task.cancel_next = true end
    return true
  end
  M.resume(co)
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

-- For loops with add_io_waiter: waits up to ms for this client's sockets,
-- then pumps; false when nothing is in flight.
function Pump:wait_io(ms)
  local c = self.client._core
  if c == nil or next(self.by_id) == nil then return false end
  c:wait(ms)
  self:tick()
  return true
end

-- Hands the result to the user once, on the loop.
function Pump:finish(h, value, err)
  if h.done then return end
  h.done = true
  self.handles[h] = nil
  if h.timer then self.loop.stop_timer(h.timer); h.timer = nil end
  local callback = h.callback
  self.loop.defer(function() callback(err, value) end)
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
    self:tick()
  end)
end

function Pump:attempt(h)
  h.t0 = self.now()
  local id, err = self.client:attempt(h.call, h.settings, h.retries, h.t0)
  if not id then return self:finish(h, nil, err) end
  h.id = id
  self.by_id[id] = h
  self.interval = 1
  self:arm(0) -- connect and send on the next turn of the host loop
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
      local value, err, delay = self.client:outcome(h.call, h.settings, h.retries, h.t0, self.now(),
        c:take(id))
      if delay then
        h.retries = h.retries + 1
        h.timer = self.loop.start_timer(math.max(1, math.floor(delay * 1000)), function()
          h.timer = nil
          if not h.done then self:attempt(h) end
        end)
      else
        self:finish(h, value, err)
      end
    end
    -- Give the host loop a turn between batches: decoding a hundred answers
    -- in one go would hold up its own timers.
    if handled == PER_TICK then return self:arm(0) end
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
  self:attempt(h)
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
