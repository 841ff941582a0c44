-- A loop for scripts and tests with no event loop of their own: timers and
-- deferred calls wait until run() is called, which returns when none remain.
local M = {}

local Loop = {}
Loop.__index = Loop

function M.new()
  local core = require "beeper.core"
  local self = setmetatable({ timers = {}, queue = {}, now = core.now, sleep = core.sleep }, Loop)
  -- Adapter functions are called without self.
  self.start_timer = function(ms, fn)
    local t = { at = self.now() + ms / 1000, fn = fn }
    self.timers[#self.timers + 1] = t
    return t
  end
  self.stop_timer = function(t) t.stopped = true end
  self.defer = function(fn) self.queue[#self.queue + 1] = fn end
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
      if wait > 0 then self.sleep(wait) end
      t.stopped = true
      t.fn()
    end
  end
end

return M
