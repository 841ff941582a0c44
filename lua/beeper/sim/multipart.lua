-- multipart/form-data bodies (RFC 7578), split on their boundary. The bytes
-- of each part are kept exactly as sent: uploads may hold any byte values.
local M = {}

-- The boundary named by a Content-Type header, or nil.
function M.boundary(content_type)
  if type(content_type) ~= "string" or not content_type:lower():match("^%s*multipart/form%-data") then
    return nil
  end
  return content_type:match('[Bb][Oo][Uu][Nn][Dd][Aa][Rr][Yy]="([^"]+)"')
    or content_type:match("[Bb][Oo][Uu][Nn][Dd][Aa][Rr][Yy]=([^;%s]+)")
end

-- The value of a Content-Disposition parameter, quoted (with \-escapes) or not.
local function param(disposition, name)
  local lower = disposition:lower()
  do -- the first occurrence is the parameter
    local s, e = lower:find(";%s*" .. name .. "=")
    if not s then return nil end
    local rest = disposition:sub(e + 1)
    if rest:sub(1, 1) == '"' then
      local out, i = {}, 2
      while i <= #rest do
        local c = rest:sub(i, i)
        if c == "\\" then out[#out + 1] = rest:sub(i + 1, i + 1); i = i + 2
        elseif c == '"' then return table.concat(out)
        else out[#out + 1] = c; i = i + 1 end
      end
      return nil
    end
    return rest:match("^([^;]*)"):gsub("%s+$", "")
  end
end

local function part_of(head, data)
  local headers = {}
  for name, value in (head .. "\r\n"):gmatch("([^:\r\n]+):[ \t]*([^\r\n]*)\r\n") do
    headers[name:lower()] = value
  end
  local disposition = headers["content-disposition"] or ""
  return { name = param(disposition, "name"), filename = param(disposition, "filename"),
           content_type = headers["content-type"], data = data }
end

-- The parts ({name, filename, content_type, data}), or nil and why not.
function M.parse(body, boundary)
  local delim = "--" .. boundary
  local s, e = body:find(delim, 1, true)
  if not s or (s > 1 and body:sub(s - 2, s - 1) ~= "\r\n") then
    return nil, "the body does not start with the boundary"
  end
  local parts, pos = {}, e + 1
  while true do
    local after = body:sub(pos, pos + 1)
    if after == "--" then return parts end
    if after ~= "\r\n" then return nil, "malformed boundary line" end
    pos = pos + 2
    local head, data_start
    if body:sub(pos, pos + 1) == "\r\n" then
      head, data_start = "", pos + 2
    else
      local he = body:find("\r\n\r\n", pos, true)
      if not he then return nil, "a part has no end of headers" end
      head, data_start = body:sub(pos, he - 1), he + 4
    end
    local ds = body:find("\r\n" .. delim, data_start, true)
    if not ds then return nil, "a part is not terminated by the boundary" end
    parts[#parts + 1] = part_of(head, body:sub(data_start, ds - 1))
    pos = ds + 2 + #delim
  end
end

return M
