-- The command line of each contender: commands.X(base_url, n, call) runs n
-- requests of call ("get" or "post") and prints "n wall_seconds cpu_seconds".
local lib = require "bench.lib"

local M = {}

local function lua_env(version)
  return string.format('env LUA_PATH="./?.lua;lua/?.lua;lua/?/init.lua;;" LUA_CPATH="build/%s/?.so;;" ', version)
end

function M.c_loop(base, n, call)
  if call == "post" then return "build/c_loop " .. base .. lib.POST_PATH .. " " .. n .. " '" .. lib.POST_BODY .. "'" end
  return "build/c_loop " .. base .. lib.GET_PATH .. " " .. n
end

-- mode: get | post | callback | luv (see binding.lua)
function M.binding(base, n, mode, lua)
  lua = lua or "lua5.4"
  local version = lua == "luajit" and "jit" or lua:match("%d%.%d")
  return lua_env(version) .. lua .. " bench/binding.lua " .. base .. " " .. n .. " " .. mode
end

function M.luasocket(base, n, call)
  return lua_env("5.4") .. "lua5.4 bench/luasocket.lua " .. base .. " " .. n .. " " .. call
end

-- Debian's lua-curl builds only for Lua 5.1.
function M.luacurl(base, n, call)
  return lua_env("5.1") .. "lua5.1 bench/luacurl.lua " .. base .. " " .. n .. " " .. call
end

function M.curl_spawn(base, n, call)
  return lua_env("5.4") .. "lua5.4 bench/curl_spawn.lua " .. base .. " " .. n .. " " .. call
end

function M.node(base, n, call)
  return "node bench/node/sdk.mjs " .. base .. " " .. n .. " " .. call
end

function M.have_node()
  local ok = os.execute("command -v node >/dev/null 2>&1 && test -d bench/node/node_modules/@beeper")
  return ok == true or ok == 0
end

return M
