-- chats.list per request: a 50-chat page (bench/fixtures/chats-page.json,
-- ~62 KB, made by bench/make_chats_fixture.lua) fetched and decoded by each
-- contender from the same nginx, in interleaved rounds:
--   lua5.4 bench/chats_list.lua BASE_URL [ROUNDS]
-- Every contender sends the same request, GET /v1/chats?accountIDs=...
-- (five repeated keys); the C loop has it spelled out, the clients build it.
local lib = require "bench.lib"
local stats = require "bench.stats"
local cjson = require "cjson"

local base, rounds = arg[1], tonumber(arg[2] or os.getenv("BENCH_ROUNDS") or 5)
local scale = tonumber(os.getenv("BENCH_SCALE") or 1)
local function n(x) return math.max(10, math.floor(x * scale)) end

-- The simulator's accounts: the fixture is its answer for all five.
local ACCOUNTS = { "matrix", "imessage", "telegram_existing_1", "telegram_existing_2", "discordgo" }
local page = cjson.decode(lib.fixture("chats-page.json"))
local known = {}
for _, id in ipairs(ACCOUNTS) do known[id] = true end
for _, chat in ipairs(page.items) do assert(known[chat.accountID], "fixture chat of another account") end
assert(#page.items == 50, "the fixture must hold a 50-chat page")

local query = {}
for i, id in ipairs(ACCOUNTS) do query[i] = "accountIDs=" .. id end
local url = base .. "/v1/chats?" .. table.concat(query, "&")
local ids = table.concat(ACCOUNTS, ",")

local function lua(version, interpreter)
  return string.format('env LUA_PATH="./?.lua;lua/?.lua;lua/?/init.lua;;" LUA_CPATH="build/%s/?.so;;" '
    .. '%s bench/chats_client.lua %s %d %s', version, interpreter, base, n(2000), ids)
end

-- { name, command printing "n wall cpu" }
local contenders = {
  { "C libcurl + cjson", string.format("build/c_loop '%s' %d", url, n(2000)) },
  { "beeper-lua Lua 5.4", lua("5.4", "lua5.4") },
  { "beeper-lua LuaJIT", lua("jit", "luajit") },
}
if require("bench.commands").have_node() then
  contenders[#contenders + 1] = { "Node @beeper/desktop-api",
    string.format("node bench/node/sdk.mjs %s %d chats %s", base, n(2000), ids) }
else
  io.stderr:write("node or bench/node/node_modules missing: the Node SDK is skipped\n")
end

local wall, cpu = stats.rounds(rounds, #contenders,
  function(i) return stats.capture(contenders[i][2] .. " 2>&1") end, "chats ")

local ref_w, ref_u = stats.median(wall[1]), stats.median(cpu[1])
print(string.format("\nchats.list, a 50-chat page (%d bytes), per request, median of %d rounds (min-max), "
  .. "ratio to the C loop:", #lib.fixture("chats-page.json"), rounds))
print(string.format("%-26s %20s %8s %10s %8s", "contender", "time us (min-max)", "x C", "cpu us", "x C"))
for i, c in ipairs(contenders) do
  local w, u = stats.median(wall[i]), stats.median(cpu[i])
  local lo, hi = stats.range(wall[i])
  local time = string.format("%s (%s-%s)", stats.us(w), stats.us(lo), stats.us(hi))
  print(string.format("%-26s %20s %7.2fx %10s %7.2fx", c[1], time, w / ref_w, stats.us(u), u / ref_u))
end
