-- Small helpers shared by the Desktop route modules: error answers and
-- literal word matching as the search endpoints describe it.
local M = {}

function M.err(status, code, message, details)
  return status, { code = code, message = message, details = details }
end

function M.not_found(what, id)
  return M.err(404, "NOT_FOUND", what .. " '" .. tostring(id) .. "' not found")
end

-- Lower-case for matching (ASCII; other bytes as they are).
local function fold(s)
  return (s or ""):lower()
end
M.fold = fold

-- The words of a query ("ALL must match", case-insensitive, literal).
function M.words(query)
  local out = {}
  for w in fold(query):gmatch("%S+") do out[#out + 1] = w end
  return out
end

-- True when every word occurs in one of the strings.
function M.matches(words, ...)
  local parts = {}
  for i = 1, select("#", ...) do parts[#parts + 1] = select(i, ...) end -- skips nils
  local hay = fold(table.concat(parts, "\n"))
  for _, w in ipairs(words) do
    if not hay:find(w, 1, true) then return false end
  end
  return true
end

function M.set(list)
  if not list then return nil end
  local s = {}
  for _, v in ipairs(list) do s[v] = true end
  return s
end

return M
