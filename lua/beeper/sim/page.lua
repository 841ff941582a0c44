-- Cursor pagination as the Desktop API does it: a list ordered newest first,
-- each item with a numeric key that falls along the list; a cursor is an
-- item's key. Without a cursor: the newest page. direction "before" (the
-- default with a cursor): the items older than the cursor; "after": the
-- newer ones closest to it. hasMore says whether more lie beyond the page in
-- that direction; oldestCursor/newestCursor are the page's ends.
local clock = require "beeper.sim.clock"
local NULL = require("cjson").null

local M = {}

-- A cursor string as a key, or nil when it is not one of ours.
function M.key(cursor)
  if type(cursor) ~= "string" or not cursor:match("^%d+$") then return nil end
  return tonumber(cursor)
end

-- items: newest first; key(item) -> number, decreasing along the list.
-- Returns the page table (items not yet shaped) : items, hasMore, cursors.
function M.page(items, key, cursor, direction, limit)
  local out, has_more = {}
  if cursor == nil then
    for i = 1, math.min(limit, #items) do out[#out + 1] = items[i] end
    has_more = #items > limit
  elseif direction == "after" then
    local j = 0
    while j < #items and key(items[j + 1]) > cursor do j = j + 1 end
    local from = math.max(1, j - limit + 1)
    for i = from, j do out[#out + 1] = items[i] end
    has_more = from > 1
  else
    local i = 1
    while i <= #items and key(items[i]) >= cursor do i = i + 1 end
    local last = math.min(#items, i + limit - 1)
    for k = i, last do out[#out + 1] = items[k] end
    has_more = last < #items
  end
  return { items = out, hasMore = has_more,
    oldestCursor = #out > 0 and clock.int(key(out[#out])) or NULL,
    newestCursor = #out > 0 and clock.int(key(out[1])) or NULL }
end

return M
