-- Request paths: ids are percent-encoded so that no id can change the
-- request line ("/", "?", "#", "%", space, CR, LF, NUL all become %XX).
local M = {}

local format, byte, find = string.format, string.byte, string.find

local function escape(c)
  return format("%%%02X", byte(c))
end

-- Keeps what the TypeScript SDK keeps literal in a path segment, except
-- that "." and ".." are encoded too: URL normalisation would otherwise
-- remove them and send the request to another path.
function M.encode(segment)
  if not find(segment, "[^A-Za-z0-9_~-]") then return segment end -- the usual id: nothing to do
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

-- Splits a template into its literal pieces around the "{name}" holes:
-- "/a/{x}/b/{y}" -> { "/a/", "/b/", "" }, names { "x", "y" }.
function M.compile(template)
  local pieces, names, at = {}, {}, 1
  for s, name, e in template:gmatch("(){([%w_]+)}()") do
    pieces[#pieces + 1] = template:sub(at, s - 1)
    names[#names + 1] = name
    at = e
  end
  pieces[#pieces + 1] = template:sub(at)
  return pieces, names
end

-- Fills the holes of a compiled template with encoded ids, in order.
function M.expand(pieces, ids)
  local n = #ids
  if n == 1 then return pieces[1] .. M.encode(ids[1]) .. pieces[2] end
  if n == 2 then return pieces[1] .. M.encode(ids[1]) .. pieces[2] .. M.encode(ids[2]) .. pieces[3] end
  local out = { pieces[1] }
  for i = 1, n do
    out[#out + 1] = M.encode(ids[i])
    out[#out + 1] = pieces[i + 1]
  end
  return table.concat(out)
end

return M
