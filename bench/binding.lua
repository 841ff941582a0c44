-- This binding: lua binding.lua BASE_URL N MODE
--   get          blocking login_sessions.get
--   post         blocking app.login.response
--   callback     login_sessions.get with a callback, one after another, on the
--                blocking loop (which waits on the sockets)
--   luv          the same on a luv loop (timer-driven pump, as in hosts)
local lib = require "bench.lib"
local beeper = require "beeper"

local base, n, mode = arg[1], tonumber(arg[2]), arg[3] or "get"
local client = beeper.new { base_url = base, access_token = "bench-token", max_retries = 0,
                            loop = mode == "luv" and "luv" or nil }
local sessions = client.bridges.login_sessions

local function check(r, err)
  if not r then error(tostring(err)) end
  return r
end

if mode == "get" then
  lib.measure(n, function() check(sessions.get(lib.BRIDGE, lib.SESSION)) end)
elseif mode == "post" then
  local body = { response = "123456", setup_request_id = "req_bench_1" }
  lib.measure(n, function() check(client.app.login.response(body)) end)
elseif mode == "callback" or mode == "luv" then
  local uv = mode == "luv" and require "luv"
  local line
  lib.chain(n, function(next_one)
    sessions.get(lib.BRIDGE, lib.SESSION, function(err, r)
      check(r, err)
      next_one()
    end)
  end, function(k, wall, cpu) line = string.format("%d %.6f %.6f\n", k, wall, cpu) end)
  if uv then uv.run() else beeper.run() end
  io.write(line)
else
  error("unknown mode " .. tostring(mode))
end
client:close()
