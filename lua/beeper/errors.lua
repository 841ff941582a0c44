-- Error values: every failure the network or the server causes is returned
-- as one of these tables, never raised.
--   kind    "http" | "timeout" | "connection" | "decode" | "cancelled" |
--           "auth" (no token for a call that needs one); the flows add
--           "failed", "aborted", "ui" (a ui function raised) and "internal"
--           (beeper itself failed judging an answer: a bug to report)
--   status  HTTP status, or nil when no answer arrived
--   code, message, details   from the API's {code, message, details} body
--   retries how many retries were made before giving up
--   method, path             the request, for the message (never the token)
local M = {}

local Error = {}
Error.__index = Error
M.Error = Error

function Error.__tostring(e)
  local parts = { "beeper: " .. e.kind }
  if e.status then parts[#parts + 1] = tostring(e.status) end
  if e.code then parts[#parts + 1] = tostring(e.code) end
  local s = table.concat(parts, " ")
  if e.message then s = s .. ": " .. tostring(e.message) end
  if e.method and e.path then s = s .. " (" .. e.method .. " " .. e.path .. ")" end
  if e.retries and e.retries > 0 then
    s = s .. " after " .. e.retries .. (e.retries == 1 and " retry" or " retries")
  end
  return s
end

function M.new(fields)
  return setmetatable(fields, Error)
end

function M.is(value)
  return getmetatable(value) == Error
end

-- Keeps a server's non-JSON answer readable in one short line.
function M.snippet(raw, limit)
  limit = limit or 200
  local s = raw:gsub("<[^>]*>", " "):gsub("[%c%s]+", " "):gsub("^ ", ""):gsub(" $", "")
  if #s > limit then s = s:sub(1, limit) .. "..." end
  return s
end

return M
