-- The reconnect policy of a subscription: exponential backoff with jitter,
-- capped, and reset once a connection stayed healthy for a while.
local M = {}

local Backoff = {}
Backoff.__index = Backoff

-- opts: min (s, 0.25), max (s, 30), healthy (s, 30: a connection open that
-- long resets the backoff), random (a function -> [0, 1), math.random).
function M.new(opts)
  opts = opts or {}
  return setmetatable({ min = opts.min or 0.25, max = opts.max or 30, healthy = opts.healthy or 30,
    random = opts.random or math.random, attempt = 0 }, Backoff)
end

-- The delay before the next attempt; opened_for: how long the connection
-- that just ended was open (nil: it never opened).
function Backoff:next(opened_for)
  if opened_for and opened_for >= self.healthy then self.attempt = 0 end
  local base = math.min(self.max, self.min * 2 ^ self.attempt)
  self.attempt = math.min(self.attempt + 1, 30)
  -- "Equal jitter": half fixed, half random, so clients that lost the same
  -- server do not all come back at once, yet never retry at once either.
  return base / 2 + base / 2 * self.random()
end

return M
