-- What `require "beeper"` costs at start-up, timed by hyperfine against an
-- empty interpreter, `require "cjson"`, and loading the C core (libcurl)
-- that beeper defers to the first request: lua5.4 bench/startup.lua
local stats = require "bench.stats"
local cjson = require "cjson"

local env = 'LUA_PATH="./?.lua;lua/?.lua;lua/?/init.lua;;" LUA_CPATH="build/5.4/?.so;;"'
local cases = {
  { "lua5.4 -e ''", "lua5.4 -e ''" },
  { "require cjson", "lua5.4 -e 'require \"cjson\"'" },
  { "require beeper", "lua5.4 -e 'require \"beeper\"'" },
  { "require beeper.core (libcurl)", "lua5.4 -e 'require \"beeper.core\"'" },
  -- Lua 5.1, to compare with Debian's lua-curl, which links libcurl at require.
  { "lua5.1 -e ''", "lua5.1 -e ''" },
  { "lua5.1 require beeper", "env LUA_CPATH=build/5.1/?.so\\;\\; lua5.1 -e 'require \"beeper\"'" },
  { "lua5.1 require curl (lua-curl)", "lua5.1 -e 'require \"curl\"'" },
}
local json = os.tmpname()
local args = {}
for _, c in ipairs(cases) do
  args[#args + 1] = "-n '" .. c[1] .. "' \"" .. c[2]:gsub('"', '\\"') .. '"'
end
stats.capture(string.format("env %s hyperfine -N --warmup 20 --runs %d --export-json %s %s",
  env, tonumber(os.getenv("BENCH_STARTUP_RUNS") or 300), json, table.concat(args, " ")) .. " 2>/dev/null")
local f = assert(io.open(json))
local results = cjson.decode(f:read("*a")).results
f:close()
os.remove(json)

-- The empty run of each interpreter is the baseline of that interpreter's rows.
local empty = {}
for i, c in ipairs(cases) do
  local lua = c[2]:match("(lua%d%.%d) %-e ''$")
  if lua then empty[lua] = results[i].median end
end
local base = results[1].median
print("\nStart-up (hyperfine, median ms over runs, extra over an empty interpreter of the same Lua):")
print(string.format("%-32s %9s %9s %9s", "command", "median", "mean", "extra"))
for i, r in ipairs(results) do
  print(string.format("%-32s %9.2f %9.2f %9.2f", cases[i][1], r.median * 1000, r.mean * 1000,
    (r.median - empty[cases[i][2]:match("lua%d%.%d")]) * 1000))
end
local beeper = results[3].median - base
print(string.format("Target: require \"beeper\" <= 5 ms: %.2f ms (libcurl, loaded on the first request, adds %.2f ms)",
  beeper * 1000, (results[4].median - base) * 1000))
