-- Request paths: ids are percent-encoded so that no id can change the
-- request line ("/", "?", "#", "%", space, CR, LF, NUL all become %XX).
local M = {}

local format, byte = string.format, string.byte

local function escape(c)
  return format("%%%02X", byte(c))
end

-- Keeps what the TypeScript SDK keeps literal in a path segment, except
-- that "." and ".." are encoded too: URL normalisation would otherwise
-- remove them and send the request to another path.
function M.encode(segment)
  if segment == "." or segment == ".." then return (segment:gsub("%.", "%%2E")) end
  return (segment:gsub("[^A-Za-z0-9%-%._~!%$&'%(%)%*%+,;=:@]", escape))
end

-- Checks a path id argument; a bad one is a programmer error (raised).
function M.check_id(value, name, level)
  local t = type(value)
  if t == "number" then value = tostring(value) elseif t ~= "string" then
    error(format("beeper: %s must be a string, got %s", name, t), level + 1)
  end
  if value == "" then
    error(format("beeper: %s must not be empty", name), level + 1)
  end
  return value
end

-- Fills "{name}" holes of a template with encoded ids, in order.
function M.expand(template, ids)
  local i = 0
  return (template:gsub("{[%w_]+}", function()
    i = i + 1
    return M.encode(ids[i])
  end))
end

return M
