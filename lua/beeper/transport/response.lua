-- Turns what the C core reports about one attempt into a result, or an
-- error value plus the delay before a retry (nil: do not retry).
local errors = require "beeper.transport.errors"
local retry = require "beeper.transport.retry"

local M = {}

local function failure(call, fields)
  fields.method, fields.path = call.method, call.path
  return errors.new(fields)
end

-- The message for a non-2xx answer whose body is not an API error object.
local function status_text(status, meta)
  if meta and meta.raw then
    local s = errors.snippet(meta.raw)
    if s ~= "" then return s end
  end
  if status >= 300 and status < 400 then return "redirect not followed" end
  return "HTTP status " .. status
end

M.REFUSED_HINT = " (is Beeper Desktop running, with its API enabled in Settings > Developers?)"
local REFUSED_HINT = M.REFUSED_HINT

-- status, a, b, meta are core:take()'s results:
--   an answer:    status, value, decode_error, meta
--   no answer:    nil, kind, message, curl_code
-- retries is how many retries were already made.
function M.outcome(call, retries, status, a, b, meta)
  if status == nil then
    -- CURLE_COULDNT_CONNECT (7): nothing listens at the base URL.
    if meta == 7 and type(b) == "string" then b = b .. REFUSED_HINT end
    local err = failure(call, { kind = a, message = b, curl_code = meta })
    return nil, err, retry.wanted(a) and retry.delay(retries) or nil
  end
  if status >= 200 and status < 300 then
    if b then
      return nil, failure(call, { kind = "decode", status = status,
        message = "invalid JSON in response: " .. b })
    end
    if a == nil then
      if meta and meta.path then -- streamed to a file (option output)
        return { path = meta.path, size = meta.size, content_type = meta.content_type }
      end
      if call.empty_ok or status == 204 then return true end
      return nil, failure(call, { kind = "decode", status = status,
        message = "empty response body" })
    end
    return a
  end
  local body = type(a) == "table" and a or nil
  local err = failure(call, {
    kind = "http",
    status = status,
    code = body and body.code,
    message = body and type(body.message) == "string" and body.message or status_text(status, meta),
    details = body and body.details,
  })
  if retry.wanted("http", status, meta) then
    return nil, err, retry.delay(retries, meta)
  end
  return nil, err
end

return M
