-- One curl process per request, as plenary.curl or awful.spawn do, + cjson:
--   lua curl_spawn.lua BASE_URL N get|post
local lib = require "bench.lib"
local cjson = require "cjson"

local base, n, mode = arg[1], tonumber(arg[2]), arg[3] or "get"
local cmd = "curl -sS -H 'Accept: application/json' -H 'Authorization: Bearer bench-token' "
if mode == "post" then
  cmd = cmd .. "-H 'Content-Type: application/json' --data-binary '" .. lib.POST_BODY .. "' "
    .. base .. lib.POST_PATH
else
  cmd = cmd .. base .. lib.GET_PATH
end

lib.measure(n, function()
  local p = assert(io.popen(cmd, "r"))
  local body = p:read("*a")
  p:close()
  assert(type(cjson.decode(body)) == "table")
end)
