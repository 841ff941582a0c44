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

scenarios[scenario]()
