-- A standalone luv program, run to its natural exit by spec/luv_programs_spec.lua
-- with the interpreter under test. BEEPER_BASE_URL and BEEPER_ACCESS_TOKEN
-- point at the simulator; arg[1] picks the scenario. Each prints what it got;
-- the spec checks that and the exit status (a crash at exit is 139).
local scenario = arg[1]
local beeper = require "beeper"

local function say(...)
  io.stdout:write(table.concat({ ... }, " "), "\n")
  io.stdout:flush()
end

local function describe(err, value)
  if err then return "err " .. tostring(err.kind) end
  return "ok " .. type(value)
end

local scenarios = {}

-- #11.7: callback requests, uv.run() to its end, then exit (closing the
-- client first when arg[2] is "close").
function scenarios.requests()
  local uv = require "luv"
  local client = beeper.new { loop = "luv" }
  local got = {}
  client.bridges.list(function(err, l) got[#got + 1] = describe(err, l) end)
  client.bridges.get("nope", function(err, b) got[#got + 1] = describe(err, b) end)
  client.bridges.login_sessions.create("local-whatsapp", function(err, s) got[#got + 1] = describe(err, s) end)
  uv.run()
  table.sort(got)
  if arg[2] == "close" then client:close() end
  say("requests", #got, table.concat(got, ","))
end

-- #11.7: closing the client while requests are in flight, with the loop
-- run afterwards ("run") or never again ("norun", "once").
function scenarios.close_in_flight()
  local uv = require "luv"
  local client = beeper.new { loop = "luv" }
  local got = {}
  for _ = 1, 3 do client.bridges.list(function(err, l) got[#got + 1] = describe(err, l) end) end
  if arg[2] == "once" then uv.run("once") end
  client:close()
  if arg[2] == "run" then uv.run() end
  say("closed", #got, table.concat(got, ","))
end

-- #11.6: a logger and a callback that raise: the error is reported on
-- stderr, luv does not exit the process, and the next request still works.
function scenarios.raising_user_code()
  local uv = require "luv"
  local client = beeper.new { loop = "luv", log_level = "info",
    logger = function() error("logger boom") end }
  local got = {}
  client.bridges.list(function(err, l)
    got[#got + 1] = describe(err, l)
    client.bridges.get("telegram", function(err2, b)
      got[#got + 1] = describe(err2, b)
    end)
    error("callback boom")
  end)
  uv.run()
  say("raising", #got, table.concat(got, ","))
end

-- #11.8: the luv loop named in beeper.new, luv never required by the
-- program before; the first calls happen inside coroutines.
function scenarios.coroutines()
  local client = beeper.new { loop = "luv" }
  local got = {}
  beeper.async(function()
    local l, err = client.bridges.list()
    got[#got + 1] = "async " .. describe(err, l)
  end)
  local s = assert(client.bridges.login_sessions.create("local-whatsapp"))
  beeper.poll(client, "local-whatsapp", s.loginSessionID, { interval = 0.01,
    callback = function(err, r) got[#got + 1] = "poll " .. describe(err, r) end })
  require("luv").run()
  table.sort(got)
  say("coroutines", #got, table.concat(got, ","))
end

-- #11.8: luv first needed inside a coroutine: a clear error, no crash.
function scenarios.luv_in_coroutine()
  local message
  beeper.async(function()
    local ok, err = pcall(beeper.new, { loop = "luv" })
    message = ok and "no error" or tostring(err)
  end)
  say("message", message)
end

-- Voluntary context switches of this process's main thread.
local function switches()
  local common = dofile((os.getenv("BEEPER_ROOT") or ".") .. "/spec/hosts/common.lua")
  return common.switches(require("luv").os_getpid())
end

-- #12: one request the simulator answers after 1 s (the spec sets the
-- fault on /v1/bridges): how often the loop woke meanwhile.
function scenarios.slow()
  local uv = require "luv"
  local client = beeper.new { loop = "luv" }
  local got
  local before = switches()
  client.bridges.list(function(err, l) got = describe(err, l) end)
  uv.run()
  say("slow", got, "wakeups=" .. (switches() - before))
end

-- #12: requests, uv.run() to its end: no handle left active, and the
-- client, forgotten, is collected.
function scenarios.idle()
  local uv = require "luv"
  local gone = setmetatable({}, { __mode = "k" })
  local got = {}
  do
    local client = beeper.new { loop = "luv" }
    gone[client] = true
    for _ = 1, 3 do client.bridges.list(function(err, l) got[#got + 1] = describe(err, l) end) end
    client.bridges.get("nope", function(err, b) got[#got + 1] = describe(err, b) end)
  end
  uv.run()
  local active = 0
  uv.walk(function(h) if h:is_active() then active = active + 1 end end)
  collectgarbage()
  collectgarbage()
  table.sort(got)
  say("idle", table.concat(got, ","), "active=" .. active, "collected=" .. tostring(next(gone) == nil))
end

-- #12: a request the simulator never answers (the spec sets the fault),
-- cancelled from a timer once it is sent: the loop ends at once.
function scenarios.cancel()
  local uv = require "luv"
  local client = beeper.new { loop = "luv" }
  local got
  local h = client.bridges.list(function(err, l) got = describe(err, l) end)
  local t = uv.new_timer()
  local t0 = uv.hrtime()
  t:start(100, 0, function()
    t:close()
    h:cancel()
  end)
  uv.run()
  say("cancel", got, "fast=" .. tostring((uv.hrtime() - t0) / 1e9 < 1))
end

-- #12: the program ends with requests in flight and their sockets
-- watched: no close(), no more uv.run(); lua_close must not crash.
function scenarios.abandon()
  local uv = require "luv"
  local client = beeper.new { loop = "luv" }
  for _ = 1, 3 do client.bridges.list(function() end) end
  for _ = 1, 5 do uv.run("nowait") end
  local watched = 0
  for _ in pairs(client:pump().watching) do watched = watched + 1 end
  say("abandon", "watched=" .. tostring(watched > 0))
end

-- #12: a refused connection, tried twice, is an error value, not a crash
-- or a hang.
function scenarios.refused()
  local uv = require "luv"
  local client = beeper.new { loop = "luv", base_url = arg[2], max_retries = 1 }
  local got
  client.bridges.list(function(err, l) got = describe(err, l) .. " retries=" .. tostring(err and err.retries) end)
  uv.run()
  say("refused", got)
end

scenarios[scenario]()
