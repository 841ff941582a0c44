-- Issue 11 items 6, 7 and 8 in real standalone luv programs
-- (spec/hosts/luv_program.lua) run with the interpreter under test to their
-- natural exit: the exit status (139 is a SIGSEGV at exit, 255 luv's exit on
-- an uncaught error) and what they printed.
local helper = require "spec.helper"

-- Asked of a child: luv must not be loaded in this process here (spec files
-- may be loaded inside a coroutine, which luv would bind itself to: item 8).
local has_luv = helper.run_lua("io.write(tostring(pcall(require, 'luv')))") == "true"

-- Runs one scenario; returns its exit status, stdout and stderr.
local function program(sim, args)
  local err_file = os.tmpname()
  local cmd = string.format("BEEPER_BASE_URL='%s' BEEPER_ACCESS_TOKEN='%s' timeout 20 %s "
    .. "spec/hosts/luv_program.lua %s 2>%s; echo \"exit=$?\"", sim.url, sim.token,
    helper.lua_binary(), args, err_file)
  local p = assert(io.popen(cmd, "r"))
  local out = p:read("*a")
  p:close()
  local f = assert(io.open(err_file, "r"))
  local err = f:read("*a")
  f:close()
  os.remove(err_file)
  local status = tonumber(out:match("exit=(%d+)%s*$"))
  return status, out:gsub("exit=%d+%s*$", ""), err
end

local check = has_luv and describe or pending

check("luv programs", function()
  local sim
  setup(function() sim = helper.start_sim() end)
  teardown(function() sim:stop() end)
  before_each(function() sim:reset() end)

  for _, variant in ipairs { "", "close" } do
    it("#11.7 callback requests, uv.run() and exit" .. (variant == "" and "" or ", client:close() first")
        .. ": exit 0", function()
      local status, out, err = program(sim, "requests " .. variant)
      assert.are.equal("requests 3 err http,ok table,ok table\n", out, err)
      assert.are.equal(0, status, err)
    end)
  end

  for _, variant in ipairs { "run", "norun", "once" } do
    it("#11.7 client:close() with requests in flight, loop " .. variant .. ": exit 0", function()
      local status, out, err = program(sim, "close_in_flight " .. variant)
      if variant == "run" then
        assert.are.equal("closed 3 err cancelled,err cancelled,err cancelled\n", out, err)
      else
        assert.matches("^closed %d", out, err)
      end
      assert.are.equal(0, status, err)
    end)
  end

  it("#14 live events in a luv program: event, close from the callback, uv.run() returns, exit 0", function()
    local err_file = os.tmpname()
    local p = assert(io.popen(string.format("BEEPER_BASE_URL='%s' BEEPER_ACCESS_TOKEN='%s' timeout 20 %s "
      .. "spec/hosts/luv_events.lua 2>%s; echo \"exit=$?\"", sim.url, sim.token, helper.lua_binary(), err_file)))
    local out = p:read("*a")
    p:close()
    local f = assert(io.open(err_file))
    local err = f:read("*a")
    f:close()
    os.remove(err_file)
    assert.are.equal("ready,subscriptions.updated,message.upserted,luv program closed\nexit=0\n", out, err)
    assert.matches("raising events callback", err)
  end)

  it("#11.6 a raising logger and callback under luv: reported on stderr, the next request works, exit 0", function()
    local status, out, err = program(sim, "raising_user_code")
    assert.are.equal("raising 2 ok table,ok table\n", out, err)
    assert.matches("logger boom", err)
    assert.matches("callback boom", err)
    assert.are.equal(0, status, err)
  end)

  it("#11.8 beeper.new{ loop = 'luv' }, first calls inside beeper.async and a poll task: exit 0", function()
    local status, out, err = program(sim, "coroutines")
    assert.are.equal("coroutines 2 async ok table,poll ok table\n", out, err)
    assert.are.equal(0, status, err)
  end)

  it("#12 a request answered after 1 s wakes the luv loop a handful of times; exit 0", function()
    sim:fault { path = "^/v1/bridges$", delay = 1 }
    local status, out, err = program(sim, "slow")
    local wakeups = tonumber(out:match("wakeups=(%d+)"))
    print("#12 luv program: " .. out:gsub("%s+$", ""))
    assert.matches("^slow ok table", out, nil, err)
    -- A 1 to 10 ms poll wakes it 100 to 1000 times in that second.
    assert.is_true(wakeups < 25, out)
    assert.are.equal(0, status, err)
  end)

  it("#12 after its requests nothing is left active and the forgotten client is collected; exit 0", function()
    local status, out, err = program(sim, "idle")
    assert.are.equal("idle err http,ok table,ok table,ok table active=0 collected=true\n", out, err)
    assert.are.equal(0, status, err)
  end)

  it("#12 cancel of a request the server never answers ends the loop at once; exit 0", function()
    sim:fault { path = "^/v1/bridges$", hang = true }
    local status, out, err = program(sim, "cancel")
    assert.are.equal("cancel err cancelled fast=true\n", out, err)
    assert.are.equal(0, status, err)
  end)

  it("#12 the program ends with sockets watched, without close() or uv.run(): exit 0", function()
    sim:fault { path = "^/v1/bridges$", hang = true, times = 3 }
    local status, out, err = program(sim, "abandon")
    assert.are.equal("abandon watched=true\n", out, err)
    assert.are.equal(0, status, err)
  end)

  it("#12 a refused connection, retried, is a connection error, nothing on stderr; exit 0", function()
    local status, out, err = program(sim, "refused http://127.0.0.1:" .. helper.closed_port())
    assert.are.equal("refused err connection retries=1\n", out, err)
    -- libuv reports a refused socket's POLLERR as EBADF, and luv 1.44 prints
    -- that on stderr: curl must see the refusal first.
    assert.are.equal("", err)
    assert.are.equal(0, status, err)
  end)

  it("#11.8 luv first needed inside a coroutine: a clear error, no crash", function()
    local status, out, err = program(sim, "luv_in_coroutine")
    assert.matches("luv must be loaded outside a coroutine", out, err)
    assert.are.equal(0, status, err)
  end)
end)
