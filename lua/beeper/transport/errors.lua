--- Error values: every failure the network or the server causes is returned
-- as one of these tables, never raised.
--   kind    "http" | "timeout" | "connection" | "decode" | "cancelled" |
--           "auth" (no token for a call that needs one); the flows add
--           "failed", "aborted", "ui" (a ui function raised) and "internal"
--           (beeper itself failed judging an answer: a bug to report)
--   status  HTTP status, or nil when no answer arrived
--   code, message, details   from the API's {code, message, details} body
--   retries how many retries were made before giving up
--   method, path             the request, for the message (never the token)

--- An error value: returned as `nil, err` or passed to callback(err).
---@alias beeper.ErrorKind
---| "http"       # the server answered with a non-2xx status
---| "timeout"    # an attempt or the call's deadline ran out
---| "connection" # no answer: refused (is Beeper Desktop running?), reset, DNS
---| "decode"     # an answer that is not the JSON it should be, or too large
---| "cancelled"  # handle:cancel(), client:close(), a cancelled login session
---| "auth"       # no access token for a call that needs one
---| "io"         # a file to upload or to write could not be used
---| "failed"     # a login session ended in failure (connect)
---| "aborted"    # a ui function returned nil/false: the user gave up (flows)
---| "step"       # a login step or display type beeper does not know
---| "ui"         # a ui function raised (callback form; err.cause holds it)
---| "internal"   # beeper failed judging an answer: a bug, please report it
---@class beeper.Error
---@field kind beeper.ErrorKind
---@field status integer? HTTP status; nil when no answer arrived
---@field code string? the API's error code, when its body had one
---@field message string? what went wrong
---@field details any? the API's error details
---@field retries integer? retries made before giving up
---@field method string? the request's method
---@field path string? the request's path (never the token)
---@field server_version string? X-Beeper-Desktop-Version of the answer
---@field curl_code integer? libcurl's code for a transfer without an answer
---@field cause any? the value a ui function raised (kind "ui")
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

--- Makes an error value of fields.
---@param fields table kind, message, status...
---@return beeper.Error
function M.new(fields)
  return setmetatable(fields, Error)
end

--- Whether value is an error value of beeper's (also `beeper.is_error`).
---@param value any
---@return boolean
function M.is(value)
  return getmetatable(value) == Error
end

-- Keeps a server's non-JSON answer readable in one short line.
---@param raw string
---@param limit integer? characters (default 200)
---@return string
function M.snippet(raw, limit)
  limit = limit or 200
  local s = raw:gsub("<[^>]*>", " "):gsub("[%c%s]+", " "):gsub("^ ", ""):gsub(" $", "")
  if #s > limit then s = s:sub(1, limit) .. "..." end
  return s
end

return M
