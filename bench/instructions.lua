-- Instructions per request under valgrind --tool=callgrind, which counts the
-- same on a busy or an idle machine: lua5.4 bench/instructions.lua BASE_URL
-- Each program runs twice (100 and 1100 requests); the difference / 1000 is
-- the cost of one request without start-up.
local stats = require "bench.stats"

local base = arg[1]
local commands = require "bench.commands"

local programs = {
  { "C libcurl + cjson", "get", function(n) return commands.c_loop(base, n, "get") end },
  { "C libcurl + cjson", "post", function(n) return commands.c_loop(base, n, "post") end },
  { "beeper-lua blocking", "get", function(n) return commands.binding(base, n, "get") end },
  { "beeper-lua blocking", "post", function(n) return commands.binding(base, n, "post") end },
  { "beeper-lua callback", "get", function(n) return commands.binding(base, n, "callback") end },
}

local VALGRIND = "valgrind --tool=callgrind --callgrind-out-file=/dev/null "

local function instructions(cmd)
  -- valgrind goes after the environment settings, on the program itself.
  local env, program = cmd:match('^(env .-LUA_CPATH="[^"]*" )(.*)$')
  cmd = env and (env .. VALGRIND .. program) or (VALGRIND .. cmd)
  local out = stats.capture(cmd .. " 2>&1 >/dev/null")
  local refs = out:match("Collected%s*:%s*([%d,]+)") or out:match("refs:%s*([%d,]+)")
  assert(refs, "no callgrind total in: " .. out)
  return tonumber((refs:gsub(",", "")))
end

local per = {}
print("\nInstructions per request (callgrind, (I(1100) - I(100)) / 1000):")
print(string.format("%-22s %-5s %12s %8s", "program", "call", "instr", "x C"))
for i, p in ipairs(programs) do
  per[i] = (instructions(p[3](1100)) - instructions(p[3](100))) / 1000
  local ref = p[1]:find("^C ") and per[i] or per[p[2] == "get" and 1 or 2]
  print(string.format("%-22s %-5s %12.0f %7.2fx", p[1], p[2], per[i], per[i] / ref))
end
print(string.format("Target: binding <= 1.15x the C loop: get %.2fx, post %.2fx", per[3] / per[1], per[4] / per[2]))
