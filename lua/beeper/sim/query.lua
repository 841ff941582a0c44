-- Query strings as the Desktop API reads them: application/x-www-form-urlencoded
-- pairs ('+' is a space), every value kept, so a repeated key is an array
-- (accountIDs=a&accountIDs=b).
local M = {}

local function decode(s)
  s = s:gsub("%+", " ")
  if s:find("%%%X") or s:find("%%%x%X") or s:find("%%%x?$") then return nil end
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- name -> list of values, or nil and a message for a malformed escape.
function M.parse(raw)
  local params = {}
  for pair in (raw or ""):gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=?(.*)$")
    local dk, dv = decode(k), decode(v)
    if not dk or not dv then return nil, "malformed percent-encoding in '" .. pair .. "'" end
    local list = params[dk]
    if not list then list = {}; params[dk] = list end
    list[#list + 1] = dv
  end
  return params
end

return M
