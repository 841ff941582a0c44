-- When to retry and how long to wait, as the official TypeScript SDK does it.
local M = {}

local floor, min, random = math.floor, math.min, math.random

local RETRY_STATUS = { [408] = true, [409] = true, [429] = true }

-- Should a failed attempt be tried again?  kind is the error kind; status,
-- meta come from the HTTP answer (meta holds x-should-retry and friends).
function M.wanted(kind, status, meta)
  if kind == "connection" or kind == "timeout" then return true end
  if kind ~= "http" then return false end
  local hint = meta and meta.should_retry
  if hint == "true" then return true end
  if hint == "false" then return false end
  return RETRY_STATUS[status] or status >= 500
end

local MONTHS = { Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6,
                 Jul = 7, Aug = 8, Sep = 9, Oct = 10, Nov = 11, Dec = 12 }

-- Seconds since the epoch for an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT").
function M.parse_http_date(s)
  local d, mon, y, h, mi, sec = s:match("^%a+, (%d%d) (%a%a%a) (%d%d%d%d) (%d%d):(%d%d):(%d%d) GMT$")
  if not d or not MONTHS[mon] then return nil end
  -- Days from civil date (proleptic Gregorian), so no timezone is involved.
  y, mon, d = tonumber(y), MONTHS[mon], tonumber(d)
  if mon <= 2 then y = y - 1 end
  local era = floor(y / 400)
  local yoe = y - era * 400
  local mp = (mon + 9) % 12
  local doy = floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy
  local days = era * 146097 + doe - 719468
  return days * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(sec)
end

-- Seconds to wait before retry number `done + 1`.  now is the wall clock.
function M.delay(done, meta, now)
  if meta then
    local ms = tonumber(meta.retry_after_ms)
    if ms and ms >= 0 then return ms / 1000 end
    local after = meta.retry_after
    if after then
      local s = tonumber(after)
      if s and s >= 0 then return s end
      local at = M.parse_http_date(after)
      if at then return math.max(0, at - (now or os.time())) end
    end
  end
  return min(0.5 * 2 ^ done, 8) * (1 - random() * 0.25)
end

-- Would waiting `delay` before another try break the call's limits?
-- settings holds max_retries and the optional deadline (seconds).
function M.give_up(settings, retries, delay, elapsed)
  return delay == nil or retries >= settings.max_retries
      or (settings.deadline ~= nil and elapsed + delay >= settings.deadline)
end

return M
