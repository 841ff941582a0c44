-- A loop for scripts and tests with no event loop of their own: timers and
-- deferred calls wait until run() is called, which returns when none remain.
local M = {}

local Loop = {}
Loop.__index = Loop

function M.new()
  local core = require "beeper.core"
  local self = setmetatable({ timers = {}, queue = {}, waiters = setmetatable({}, { __mode = "k" }), now = core.now,
                              sleep = core.sleep }, Loop)
  -- Adapter functions are called without self.
  self.start_timer = function(ms, fn)
    local t = { at = self.now() + ms / 1000, fn = fn }
    self.timers[#self.timers + 1] = t
    return t
  end
  self.stop_timer = function(t) t.stopped = true end
  self.defer = function(fn) self.queue[#self.queue + 1] = fn end
  self.report = function(message) io.stderr:write(message, "\n") end
  -- A callback that raises raises out of run(), to the script that drives it.
  self.rethrow = true
  -- Optional adapter extension: a waiter's wait_io(ms) waits up to ms for its
  -- sockets and returns true, or false when it has nothing in flight. Held
  -- weakly, so a forgotten client can still be collected.
  self.add_io_waiter = function(waiter) self.waiters[waiter] = true end
  return self
end

local shared
function M.default()
  shared = shared or M.new()
  return shared
end

-- Removes stopped timers and returns the one due first.
function Loop:next_timer()
  local first, live = nil, {}
  for _, t in ipairs(self.timers) do
    if not t.stopped then
      live[#live + 1] = t
      if first == nil or t.at < first.at then first = t end
    end
  end
  self.timers = live
  return first
end

-- Lets the first waiter with requests in flight wait for I/O; false when
-- none has any (then the loop just sleeps until its next timer).
function Loop:wait_io(seconds)
  for waiter in pairs(self.waiters) do
    if waiter:wait_io(math.max(1, math.floor(seconds * 1000))) then return true end
  end
  return false
end

-- Runs until no timer and no deferred call is left, or until done() is true.
function Loop:run(done)
  while not (done and done()) do
    if #self.queue > 0 then
      local fn = table.remove(self.queue, 1)
      fn()
    else
      local t = self:next_timer()
      if t == nil then return end
      local wait = t.at - self.now()
      if wait <= 0 then
        t.stopped = true
        t.fn()
      elseif not self:wait_io(wait) then
        self.sleep(wait)
      end
    end
  end
end

return M
