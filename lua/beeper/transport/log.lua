-- BEEPER_LOG (or beeper.new{ log_level = }) request logging to stderr, as
-- the official SDK does it: off, error, warn (default), info, debug.
-- Credentials are redacted before any line is formed.
local M = {}

M.LEVELS = { off = 0, error = 200, warn = 300, info = 400, debug = 500 }

local REDACT = { authorization = true, cookie = true, ["set-cookie"] = true }

function M.level(name)
  if name == nil or name == "" then return M.LEVELS.warn end
  local n = M.LEVELS[name]
  if n == nil then
    io.stderr:write("beeper: unknown log level '", tostring(name), "', using warn\n")
    return M.LEVELS.warn
  end
  return n
end

function M.default_sink(line)
  io.stderr:write(line, "\n")
end

-- "Name: value" lines with credentials replaced.
function M.redact(lines)
  local out = {}
  for i, line in ipairs(lines) do
    local name = line:match("^([^:]+):")
    out[i] = (name and REDACT[name:lower()]) and (name .. ": ***") or line
  end
  return out
end

-- The debug line for one attempt (the caller hands it to the logger).
function M.request(call, url, lines, attempt)
  return string.format("beeper: debug: -> %s %s (attempt %d) [%s]%s", call.method, url, attempt + 1,
    table.concat(M.redact(lines), "; "), call.body and (" body " .. #call.body .. " bytes") or "")
end

-- One line per attempt's outcome: status or error kind, and what happens next.
function M.outcome(call, err, ms, retry_in)
  local what = err and (err.kind .. (err.status and (" " .. err.status) or "")) or "ok"
  return string.format("beeper: info: %s %s -> %s in %.1f ms%s", call.method, call.path, what, ms,
    retry_in and string.format(", retrying in %.2f s", retry_in) or "")
end

return M
