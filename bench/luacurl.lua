-- Hand-rolled Debian lua-curl (luacurl 0.3, Lua 5.1 only) + cjson, one reused
-- easy handle: lua5.1 luacurl.lua BASE_URL N get|post
local lib = require "bench.lib"
local curl = require "curl"
local cjson = require "cjson"

local base, n, mode = arg[1], tonumber(arg[2]), arg[3] or "get"
local headers = { "Accept: application/json", "Authorization: Bearer bench-token" }
local handle = curl.easy_init()
local chunks = {}
handle:setopt(curl.OPT_NOSIGNAL, 1)
handle:setopt(curl.OPT_WRITEFUNCTION, function(data, size)
  chunks[#chunks + 1] = data
  return size
end)
if mode == "post" then
  headers[#headers + 1] = "Content-Type: application/json"
  headers[#headers + 1] = "Expect:"
  handle:setopt(curl.OPT_URL, base .. lib.POST_PATH)
  handle:setopt(curl.OPT_POSTFIELDS, lib.POST_BODY)
else
  handle:setopt(curl.OPT_URL, base .. lib.GET_PATH)
end
handle:setopt(curl.OPT_HTTPHEADER, headers)

lib.measure(n, function()
  chunks = {}
  local code, err = handle:perform()
  assert(code == 0, err)
  assert(type(cjson.decode(table.concat(chunks))) == "table")
end)
