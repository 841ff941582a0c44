-- Every benchmark in one run against one nginx (see bench/run for setup):
--   lua5.4 bench/run.lua   (BENCH_ONLY="throughput instructions ..." picks some)
local nginx = require "bench.nginx"

local LUA_ENV = 'env LUA_PATH="./?.lua;lua/?.lua;lua/?/init.lua;;" LUA_CPATH="build/5.4/?.so;;" '
local parts = {
  { "throughput", "lua5.4 bench/throughput.lua %s" },
  { "chats", "lua5.4 bench/chats_list.lua %s" },
  { "instructions", "lua5.4 bench/instructions.lua %s" },
  { "startup", "lua5.4 bench/startup.lua" },
  { "concurrency", "lua5.4 bench/concurrency.lua %s" },
  { "memory", "lua5.4 bench/memory.lua %s" },
  { "poll", "lua5.4 bench/poll_cpu.lua %s" },
  { "events", "lua5.4 bench/events.lua %s" },
  { "events_ws", "lua5.4 bench/events_ws.lua" }, -- issue 14: live events, on the simulator
}

local only = os.getenv("BENCH_ONLY")
local server = nginx.start("bench")
print("nginx on " .. server.url .. " serving bench/fixtures/*.json")
local failed = {}
for _, p in ipairs(parts) do
  if only == nil or only:find(p[1], 1, true) then
    local ok = os.execute(LUA_ENV .. p[2]:format(server.url))
    if not (ok == true or ok == 0) then failed[#failed + 1] = p[1] end
  end
end
server.stop()
if #failed > 0 then
  io.stderr:write("bench: failed: " .. table.concat(failed, ", ") .. "\n")
  os.exit(1)
end
