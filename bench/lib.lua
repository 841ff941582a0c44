-- Timing for the Lua contenders: wall clock, CPU of this process and of the
-- children it waited for (curl per request), and the one result line.
local socket = require "socket"

local M = {}

M.now = socket.gettime

local TICK = 100 -- USER_HZ on Linux

-- Seconds of CPU: this process (os.clock) plus reaped children (/proc).
function M.cpu()
  local f = io.open("/proc/self/stat")
  local children = 0
  if f then
    local stat = f:read("*l")
    f:close()
    -- Fields after the ")" of the command name: 14..17 are utime stime cutime cstime.
    local rest = stat:match("%) (.*)$")
    local fields = {}
    for x in rest:gmatch("%S+") do fields[#fields + 1] = x end
    children = (tonumber(fields[14]) + tonumber(fields[15])) / TICK
  end
  return os.clock() + children
end

-- Voluntary context switches of a process's main thread: the host
-- programs' counter (spec/hosts/common.lua), so both count alike.
M.switches = dofile("spec/hosts/common.lua").switches

-- Runs one(next) n + 1 times, each from the previous one's callback (the
-- first is a warm-up), then done(n, wall, cpu) of the n measured.
function M.chain(n, one, done, now, cpu)
  now, cpu = now or M.now, cpu or M.cpu
  local left, w0, c0 = n + 1, nil, nil
  local function next_one()
    if left == n then w0, c0 = now(), cpu() end
    if left == 0 then return done(n, now() - w0, cpu() - c0) end
    left = left - 1
    one(next_one)
  end
  next_one()
end

-- Runs once(i) n times after one warm-up call; prints "n wall cpu".
function M.measure(n, once)
  once(0)
  local w0, c0 = M.now(), M.cpu()
  for i = 1, n do once(i) end
  io.write(string.format("%d %.6f %.6f\n", n, M.now() - w0, M.cpu() - c0))
end

-- Reads a fixture file next to this script.
function M.fixture(name)
  local dir = arg[0]:match("^(.*)/[^/]*$") or "."
  local f = assert(io.open(dir .. "/fixtures/" .. name, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

M.BRIDGE = "local-telegram"
M.SESSION = "ls_01JDW5Q2M8X4R7T9V3B6N1K0PZ"
M.GET_PATH = "/v1/bridges/" .. M.BRIDGE .. "/login-sessions/" .. M.SESSION
M.POST_PATH = "/v1/app/setup/response"
M.POST_BODY = '{"response":"123456","setupRequestID":"req_bench_1"}'

return M
