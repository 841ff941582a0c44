-- Time for the simulator: ISO 8601 timestamps (what the API sends) to and
-- from Unix milliseconds, computed by hand because os.time reads local time.
local M = {}

local ok, socket = pcall(require, "socket")
local gettime = ok and socket.gettime or os.time

-- Unix time now, in whole milliseconds.
function M.now_ms()
  return math.floor(gettime() * 1000)
end

-- An integer as a decimal string on every Lua (5.3 would print 3.0).
function M.int(n)
  return string.format("%.0f", n)
end

-- "2026-05-05T20:11:54.000Z" for a Unix time in ms.
function M.iso(ms)
  local s = math.floor(ms / 1000)
  return os.date("!%Y-%m-%dT%H:%M:%S", s) .. string.format(".%03dZ", ms - s * 1000)
end

-- Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
local function days(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local doy = math.floor((153 * ((m + 9) % 12) + 2) / 5) + d - 1
  return era * 146097 + yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy - 719468
end

-- Unix ms of an RFC 3339 date-time (with a zone: Z or +hh:mm), or nil.
function M.parse(s)
  if type(s) ~= "string" then return nil end
  local y, mo, d, h, mi, sec, frac, zone =
    s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)[Tt](%d%d):(%d%d):(%d%d)(%.?%d*)(.*)$")
  if not y then return nil end
  y, mo, d, h, mi, sec = tonumber(y), tonumber(mo), tonumber(d), tonumber(h), tonumber(mi), tonumber(sec)
  if mo < 1 or mo > 12 or d < 1 or d > 31 or h > 23 or mi > 59 or sec > 60 then return nil end
  if frac == "." then return nil end
  local offset
  if zone == "Z" or zone == "z" then
    offset = 0
  else
    local sign, zh, zm = zone:match("^([+-])(%d%d):(%d%d)$")
    if not sign then return nil end
    offset = (tonumber(zh) * 60 + tonumber(zm)) * (sign == "+" and 1 or -1)
  end
  local ms = frac ~= "" and math.floor(tonumber("0" .. frac) * 1000 + 0.5) or 0
  return ((days(y, mo, d) * 24 + h) * 60 + mi - offset) * 60000 + sec * 1000 + ms
end

return M
