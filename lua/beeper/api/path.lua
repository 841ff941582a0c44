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
local function encode(segment)
  if segment == "." or segment == ".." then return (segment:gsub("%.", "%%2E")) end
  return (segment:gsub("[^A-Za-z0-9%-%._~!%$&'%(%)%*%+,;=:@]", escape))
end

-- Ids repeat (a session is polled for minutes): remember recent encodings
-- rather than pattern-match every time. M.encoded[id] is the encoding of a
-- string id already checked and encoded, or nil; emptied when it grows too
-- big (in place: callers keep a reference to the table).
local memo, memo_size = {}, 0
M.encoded = memo

function M.encode(segment)
  local done = memo[segment]
  if done then return done end
  done = encode(segment)
  if segment == "" then return done end -- never an id: check_id refuses it
  if memo_size >= 256 then
    for k in pairs(memo) do memo[k] = nil end
    memo_size = 0
  end
  memo[segment], memo_size = done, memo_size + 1
  return done
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
