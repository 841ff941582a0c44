--- Walks every item of a paginated list across pages:
--   for chat, err in beeper.each(client.chats.list, { account_ids = { id } }) do ... end
-- The call is any list or search function of the call tree (chats.list,
-- chats.search, messages.list, messages.search, accounts.contacts.list),
-- with its ids and parameters as usual. Pages are fetched as the loop goes
-- (blocking in scripts; inside beeper.async each fetch yields to the loop –
-- on PUC Lua 5.1, which cannot yield inside a for loop's iterator, call the
-- iterator by hand there: `while true do local item, err = it() ... end`).
-- An error ends the walk after one last (false, err): a generic for stops
-- at a nil first value, so the error could not reach the loop body. The cursor follows the
-- direction asked for: older pages (oldestCursor) by default, newer ones
-- (newestCursor) with direction = "after".
local M = {}

local unpack = table.unpack or unpack

-- Paged call functions -> { field = the list's items field, nids = how many
-- ids come before the parameters }; filled by beeper.api.
M.registry = setmetatable({}, { __mode = "k" })

local function copy(t)
  local out = {}
  for k, v in pairs(t or {}) do out[k] = v end
  return out
end

--- Every item of a list or search across pages (also `beeper.each`):
--- `for item, err in beeper.each(client.chats.list, params) do ... end`.
---@param call function a paged call: chats.list, chats.search, messages.list...
---@param ... any the call's ids, params and options
---@return fun(): any, beeper.Error?
function M.each(call, ...)
  local paged = M.registry[call]
  if paged == nil then error("beeper.each: not a paginated call (chats.list, messages.search, ...)", 2) end
  local field = paged.field
  local n = select("#", ...)
  local args = { ... }
  -- The parameters come right after the call's ids (then options, if any).
  local params_at = paged.nids + 1
  if args[params_at] ~= nil and type(args[params_at]) ~= "table" then
    error("beeper.each: parameters must be a table, got " .. type(args[params_at]), 2)
  end
  if n < params_at then n = params_at end
  local params = copy(args[params_at])
  local newer = params.direction == "after"
  local items, i, more, done = nil, 0, false, false
  return function()
    while not done do
      if items and i < #items then
        i = i + 1
        return items[i]
      end
      if items and not more then done = true; break end
      args[params_at] = params
      local page, err = call(unpack(args, 1, n))
      if not page then done = true; return false, err end
      items, i = page[field] or {}, 0
      local cursor = newer and page.newestCursor or page.oldestCursor
      more = page.hasMore == true and type(cursor) == "string"
      params = copy(params)
      params.cursor, params.direction = cursor, newer and "after" or "before"
    end
    return nil
  end
end

return M
