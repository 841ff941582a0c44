-- beeper-lua's side of the chats benchmark (bench/chats_list.lua):
--   lua chats_client.lua BASE_URL N ACCOUNT,IDS   blocking chats.list
-- prints "N wall_seconds cpu_seconds".
local lib = require "bench.lib"
local beeper = require "beeper"

local base, n, ids = arg[1], tonumber(arg[2]), {}
for id in (arg[3] or ""):gmatch("[^,]+") do ids[#ids + 1] = id end
local client = beeper.new { base_url = base, access_token = "bench-token", max_retries = 0 }

lib.measure(n, function()
  local page, err = client.chats.list { account_ids = ids }
  if not page then error(tostring(err)) end
  if #page.items ~= 50 then error("expected 50 chats, got " .. #page.items) end
end)
client:close()
