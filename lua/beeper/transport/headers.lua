-- Request headers as ordered {name, value} pairs, merged case-insensitively,
-- then flattened into the "Name: value" lines the C core sends.
local M = {}

local TOKEN = "^[%w!#%$%%&'%*%+%.%^_`|~%-]+$"

-- Sets (or with value false, removes) a header; raises on a bad name or a
-- value that could smuggle another header. Values are never echoed.
function M.set(list, name, value, level)
  level = (level or 1) + 1
  if type(name) ~= "string" or not name:match(TOKEN) then
    error("beeper: invalid header name " .. string.format("%q", tostring(name)), level)
  end
  if value ~= false then
    if type(value) ~= "string" and type(value) ~= "number" then
      error("beeper: header '" .. name .. "' must be a string", level)
    end
    value = tostring(value)
    if value:find("[\r\n%z]") then
      error("beeper: header '" .. name .. "' contains CR, LF or NUL", level)
    end
  end
  local lower = name:lower()
  for i = 1, #list do
    if list[i][1]:lower() == lower then
      if value == false then table.remove(list, i) else list[i] = { name, value } end
      return list
    end
  end
  if value ~= false then list[#list + 1] = { name, value } end
  return list
end

-- Applies a name -> value map (false removes), sorted so the order is stable.
function M.merge(list, map, level)
  if map == nil then return list end
  if type(map) ~= "table" then error("beeper: headers must be a table", (level or 1) + 1) end
  local names = {}
  for name in pairs(map) do names[#names + 1] = tostring(name) end
  table.sort(names)
  for i = 1, #names do M.set(list, names[i], map[names[i]], (level or 1) + 1) end
  return list
end

function M.copy(list)
  local out = {}
  for i = 1, #list do out[i] = list[i] end
  return out
end

function M.lines(list)
  local out = {}
  for i = 1, #list do out[i] = list[i][1] .. ": " .. list[i][2] end
  return out
end

-- BEEPER_CUSTOM_HEADERS: newline-separated "Name: value" lines.
function M.parse_env(text)
  local map = {}
  if not text then return map end
  for line in text:gmatch("[^\r\n]+") do
    local name, value = line:match("^%s*([^:]-)%s*:%s*(.-)%s*$")
    if name and name ~= "" then map[name] = value end
  end
  return map
end

return M
