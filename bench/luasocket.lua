-- LuaSocket's socket.http + cjson: lua luasocket.lua BASE_URL N get|post
-- (socket.http opens a new connection for every request.)
local lib = require "bench.lib"
local http = require "socket.http"
local ltn12 = require "ltn12"
local cjson = require "cjson"

local base, n, mode = arg[1], tonumber(arg[2]), arg[3] or "get"
local headers = { Accept = "application/json", Authorization = "Bearer bench-token" }
if mode == "post" then
  headers["Content-Type"] = "application/json"
  headers["Content-Length"] = tostring(#lib.POST_BODY)
end

lib.measure(n, function()
  local out = {}
  local _, status = http.request {
    url = base .. (mode == "post" and lib.POST_PATH or lib.GET_PATH),
    method = mode == "post" and "POST" or "GET",
    headers = headers,
    source = mode == "post" and ltn12.source.string(lib.POST_BODY) or nil,
    sink = ltn12.sink.table(out),
  }
  assert(status == 200, status)
  assert(type(cjson.decode(table.concat(out))) == "table")
end)
