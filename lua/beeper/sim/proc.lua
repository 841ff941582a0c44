-- What Linux's /proc says about a process, for the simulator and its handle
-- (and the contract spec's Prism child): is it still running, and is it
-- still the process we mean? A pid's start time tells a reused pid apart
-- from the one we saw first. Also the shell quoting and file reading that
-- starting and watching a child need.
local M = {}

-- s as one word for /bin/sh.
function M.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- The whole file, or "" when it cannot be read (a child's log not yet made).
function M.read_file(path)
  local f = io.open(path, "r")
  if not f then return "" end
  local s = f:read("*a") or ""
  f:close()
  return s
end

-- The state letter and start time (clock ticks since boot) of pid, or nil
-- when there is no such process (or no /proc).
function M.stat(pid)
  if pid ~= "self" then pid = string.format("%d", pid) end
  local f = io.open("/proc/" .. pid .. "/stat", "r")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  -- The command name may hold spaces and parentheses: fields follow the last ')'.
  local rest = s and s:match("^.*%)%s+(.*)$")
  if not rest then return nil end
  local fields = {}
  for field in rest:gmatch("%S+") do fields[#fields + 1] = field end
  return fields[1], fields[20]
end

-- True while pid runs and, when born is given, is the process started then.
-- A zombie has finished: only its parent has not looked yet.
function M.alive(pid, born)
  local state, start = M.stat(pid)
  if state == nil or state == "Z" or state == "X" then return false end
  return born == nil or start == born
end

-- Whether this system has a /proc to ask at all.
function M.available()
  return M.stat("self") ~= nil
end

return M
