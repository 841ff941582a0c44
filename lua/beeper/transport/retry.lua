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

local huge = math.huge
local MAX_SERVER_WAIT = 60 -- seconds: a longer server wait is not honoured (as the SDK)

-- A finite number, or nil (tonumber accepts "inf" and "nan" on 5.1 and
-- "1e999" everywhere).
local function finite(v)
  if v ~= nil and v == v and v > -huge and v < huge then return v end
  return nil
end

-- What the server asked for, in seconds, or nil: retry-after-ms, else
-- retry-after as seconds or an HTTP date. The first one that parses wins.
function M.server_wait(meta, now)
  if not meta then return nil end
  if meta.retry_after_ms then
    local ms = finite(tonumber(meta.retry_after_ms))
    if ms then return ms / 1000 end
  end
  local after = meta.retry_after
  if after then
    local s = tonumber(after)
    if s ~= nil then return finite(s) end
    local at = M.parse_http_date(after)
    if at then return at - (now or os.time()) end
  end
  return nil
end

-- Seconds to wait before retry number `done + 1`.  now is the wall clock.
-- A server wait is honoured only when it is above 0 and below a minute,
-- like the TypeScript SDK; otherwise (absent, negative, absurd, NaN, inf)
-- the usual backoff applies, so no answer can make a call sleep for hours.
function M.delay(done, meta, now)
  local wait = M.server_wait(meta, now)
  if wait and wait > 0 and wait < MAX_SERVER_WAIT then return wait end
  return min(0.5 * 2 ^ done, 8) * (1 - random() * 0.25)
end

-- libcurl's codes for "no connection was made": nothing reached the server.
local NOT_SENT = { [5] = true, [6] = true, [7] = true } -- proxy/host unresolved, refused

-- Did the failed attempt certainly not reach the server (so even a
-- non-idempotent send may be tried again)? A 429 is a refusal too.
function M.unsent(err)
  if err.kind == "connection" then return NOT_SENT[err.curl_code] == true end
  return err.kind == "http" and err.status == 429
end

-- Would waiting `delay` before another try break the call's limits?
-- settings holds max_retries and the optional deadline (seconds).
function M.give_up(settings, retries, delay, elapsed)
  return delay == nil or retries >= settings.max_retries
      or (settings.deadline ~= nil and elapsed + delay >= settings.deadline)
end

return M
