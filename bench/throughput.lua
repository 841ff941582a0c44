-- Time and CPU per request for every contender against the same nginx, in
-- interleaved rounds: lua5.4 bench/throughput.lua BASE_URL [ROUNDS]
-- Prints medians with min-max over rounds and the ratio to the C loop.
local stats = require "bench.stats"

local base, rounds = arg[1], tonumber(arg[2] or os.getenv("BENCH_ROUNDS") or 5)
local scale = tonumber(os.getenv("BENCH_SCALE") or 1)
local commands = require "bench.commands"

local function n(x) return math.max(10, math.floor(x * scale)) end

-- { name, call, command }
-- The C loop and the blocking binding run next to each other (their ratio
-- is a target, taken round by round).
local contenders = {
  { "C libcurl + cjson", "get", commands.c_loop(base, n(10000), "get") },
  { "beeper-lua blocking", "get", commands.binding(base, n(10000), "get") },
  { "C libcurl + cjson", "post", commands.c_loop(base, n(10000), "post") },
  { "beeper-lua blocking", "post", commands.binding(base, n(10000), "post") },
  { "beeper-lua callback", "get", commands.binding(base, n(10000), "callback") },
  { "beeper-lua luv loop", "get", commands.binding(base, n(1000), "luv") },
  { "beeper-lua LuaJIT", "get", commands.binding(base, n(10000), "get", "luajit") },
  { "beeper-lua Lua 5.1", "get", commands.binding(base, n(10000), "get", "lua5.1") },
  { "beeper-lua Lua 5.1", "post", commands.binding(base, n(10000), "post", "lua5.1") },
  { "lua-curl 5.1 + cjson", "get", commands.luacurl(base, n(10000), "get") },
  { "lua-curl 5.1 + cjson", "post", commands.luacurl(base, n(10000), "post") },
  { "LuaSocket + cjson", "get", commands.luasocket(base, n(2000), "get") },
  { "LuaSocket + cjson", "post", commands.luasocket(base, n(2000), "post") },
  { "curl per request", "get", commands.curl_spawn(base, n(100), "get") },
  { "curl per request", "post", commands.curl_spawn(base, n(100), "post") },
}
if commands.have_node() then
  table.insert(contenders, { "Node @beeper/desktop-api", "get", commands.node(base, n(2000), "get") })
  table.insert(contenders, { "Node @beeper/desktop-api", "post", commands.node(base, n(2000), "post") })
else
  io.stderr:write("node or bench/node/node_modules missing: the Node SDK is skipped\n")
end

local wall, cpu = stats.rounds(rounds, #contenders,
  function(i) return stats.capture(contenders[i][3] .. " 2>&1") end)

-- The reference for each call is the C loop's median.
local reference = {}
for i, c in ipairs(contenders) do
  if c[1]:find("^C ") then reference[c[2]] = { stats.median(wall[i]), stats.median(cpu[i]) } end
end

print(string.format("\nPer request, median of %d rounds (min-max), ratio to the C loop:", rounds))
print(string.format("%-26s %-5s %20s %8s %14s %8s", "contender", "call", "time us (min-max)", "x C", "cpu us", "x C"))
for i, c in ipairs(contenders) do
  local w, u = stats.median(wall[i]), stats.median(cpu[i])
  local lo, hi = stats.range(wall[i])
  local ref = reference[c[2]]
  print(string.format("%-26s %-5s %8s (%s-%s) %7.2fx %14s %7.2fx", c[1], c[2], stats.us(w), stats.us(lo),
    stats.us(hi), w / ref[1], stats.us(u), u / ref[2]))
end

-- The issue's targets, printed (not asserted).
local function find(name, call)
  for i, c in ipairs(contenders) do
    if c[1] == name and c[2] == call then return i end
  end
end
local function med(name, call) return stats.median(wall[find(name, call)]) end
print("\nTargets:")
for _, call in ipairs { "get", "post" } do
  local b, cl = med("beeper-lua blocking", call), med("C libcurl + cjson", call)
  print(string.format("  %s: binding / C loop time = %.2fx round by round, %.2fx of the medians (target <= 1.10x)",
    call, stats.paired(wall[find("C libcurl + cjson", call)], wall[find("beeper-lua blocking", call)]), b / cl))
  local node = med("Node @beeper/desktop-api", call)
  if node then print(string.format("  %s: Node SDK / binding = %.1fx (target >= 5x)", call, node / b)) end
  print(string.format("  %s: curl per request / binding = %.0fx (target >= 200x)", call,
    med("curl per request", call) / b))
end
