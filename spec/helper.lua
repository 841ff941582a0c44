-- Shared by the specs: a simulator per spec file and clients pointed at it.
local sim = require "beeper.sim"
local beeper = require "beeper"
local socket = require "socket"

local M = {}

-- Put before child commands that do not load the core (zbarimg): `make asan`
-- sets it so that the preloaded ASan runtime stays out of them.
M.child_prefix = os.getenv("BEEPER_CHILD_PREFIX") or ""

-- The interpreter running these specs, for child processes.
function M.lua_binary()
  local v = os.getenv("BEEPER_TEST_LUA_VERSION")
  if v == "jit" or (v == nil and jit) then return "luajit" end
  return "lua" .. (v or _VERSION:match("%d+%.%d+"))
end

function M.start_sim(opts)
  return sim.start(opts or {})
end

function M.client(h, opts)
  opts = opts or {}
  opts.base_url = opts.base_url or h.url
  if opts.access_token == nil then opts.access_token = h.token end
  return beeper.new(opts)
end

-- A simulator and a client on it for a describe block: pass the returned
-- start and stop to setup() and teardown(); set(sim, client) hands them to
-- the spec's locals.
function M.serve(set, client_opts)
  local sim, client
  return {
    start = function()
      sim = M.start_sim()
      client = M.client(sim, client_opts)
      set(sim, client)
    end,
    stop = function()
      client:close()
      sim:stop()
    end,
  }
end

-- A loopback port nobody listens on.
function M.closed_port()
  local s = assert(socket.bind("127.0.0.1", 0))
  local _, port = s:getsockname()
  s:close()
  return port
end

-- The requests the simulator saw, minus nothing: each {method, path, headers, body}.
function M.last_request(h)
  local log = h:requests()
  return log[#log]
end

function M.now()
  return require("beeper.core").now()
end

-- Turns a luv loop until cond() holds; fails after limit seconds (5).
function M.luv_until(uv, cond, limit)
  local t0 = M.now()
  while not cond() do
    assert(M.now() - t0 < (limit or 5), "condition not reached")
    uv.run("once")
  end
end

-- A rockspec's fields (it is Lua that sets globals).
function M.load_rockspec(name)
  local env = {}
  local chunk = assert(loadfile(name, "t", env) or loadfile(name))
  if setfenv then setfenv(chunk, env) end
  chunk()
  return env
end

-- A whole file's bytes; a missing file fails the spec.
function M.read_file(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

-- Runs a Lua snippet in a fresh interpreter with extra environment
-- variables; returns its stdout.
function M.run_lua(code, env)
  local parts = {}
  for k, v in pairs(env or {}) do
    parts[#parts + 1] = k .. "='" .. tostring(v):gsub("'", "'\\''") .. "'"
  end
  local tmp = os.tmpname()
  local f = assert(io.open(tmp, "w"))
  f:write(code)
  f:close()
  local cmd = "env -u BEEPER_ACCESS_TOKEN -u BEEPER_BASE_URL -u BEEPER_CUSTOM_HEADERS "
    .. table.concat(parts, " ") .. " " .. M.lua_binary() .. " " .. tmp .. " 2>&1"
  local p = assert(io.popen(cmd, "r"))
  local out = p:read("*a")
  p:close()
  os.remove(tmp)
  return out
end

return M
