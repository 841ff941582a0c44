-- Issue 15: `beeper-sim` says its token and stops on Ctrl-C without a
-- traceback; `make demo` uses the simulator even with BEEPER_ACCESS_TOKEN
-- exported, and a real Beeper Desktop only with REAL=1.
local helper = require "spec.helper"

local version = os.getenv("BEEPER_TEST_LUA_VERSION") or "5.4"

-- Runs a shell script; returns its output and exit status.
local function sh(script)
  -- `make asan` preloads its runtime: keep it out of beeper-sim, make and gcc
  local p = assert(io.popen(helper.child_prefix .. " sh -c '" .. script:gsub("'", "'\\''")
    .. "' 2>&1; echo \"rc=$?\""))
  local out = p:read("*a")
  p:close()
  return (out:gsub("rc=%d+%s*$", "")), tonumber(out:match("rc=(%d+)%s*$"))
end

local ENV = "LUA_PATH=\"$PWD/lua/?.lua;$PWD/lua/?/init.lua;;\" LUA_CPATH=\"$PWD/build/" .. version .. "/?.so;;\" "

-- Starts bin/beeper-sim in the background, waits for its listening line,
-- sends it `signal`, and reports its stdout, stderr and exit status.
local function run_sim(args, signal)
  local dir = os.tmpname()
  os.remove(dir)
  local out = sh(table.concat({
    "mkdir -p " .. dir,
    ENV .. helper.lua_binary() .. " bin/beeper-sim --port 0 " .. args .. " >" .. dir .. "/out 2>" .. dir .. "/err &",
    "pid=$!",
    "i=0; until grep -q 'Ctrl-C stops it' " .. dir .. "/out 2>/dev/null || [ $i -gt 200 ]; do sleep 0.05; i=$((i+1)); done",
    "url=$(grep -o 'http://[0-9.:]*' " .. dir .. "/out | head -n 1)",
    -- it answers before the signal
    "curl -s -o /dev/null -w 'status=%{http_code}\\n' $url/v1/info",
    "kill -" .. signal .. " $pid",
    "wait $pid; echo \"exit=$?\"",
  }, "\n"))
  local function slurp(name)
    local f = io.open(dir .. "/" .. name)
    local s = f and f:read("*a") or ""
    if f then f:close() end
    return s
  end
  local stdout, stderr = slurp("out"), slurp("err")
  os.execute("rm -rf " .. dir)
  return { status = tonumber(out:match("exit=(%d+)")), info = out:match("status=(%d+)"), stdout = stdout,
           stderr = stderr }
end

describe("beeper-sim", function()
  it("prints its URL and access token, ready to export", function()
    local r = run_sim("--token my-sim-token", "INT")
    assert.are.equal("200", r.info)
    local url = r.stdout:match("BEEPER_SIM_LISTENING (http://%S+)")
    assert.is_not_nil(url, r.stdout)
    assert.matches("access token my-sim-token", r.stdout, 1, true)
    assert.matches("export BEEPER_BASE_URL=" .. url .. " BEEPER_ACCESS_TOKEN=my-sim-token", r.stdout, 1, true)
  end)

  it("stops on Ctrl-C (SIGINT) with status 0 and nothing on stderr", function()
    local r = run_sim("", "INT")
    assert.are.equal("200", r.info)
    assert.are.equal(0, r.status, r.stderr)
    assert.are.equal("", r.stderr)
    assert.matches("beeper%-sim: stopped\n$", r.stdout)
  end)

  it("still reports a real failure with its traceback", function()
    -- a port that is taken: the second simulator cannot listen
    local out, rc = sh(table.concat({
      ENV .. helper.lua_binary() .. " bin/beeper-sim --port 0 > /tmp/beeper-sim-cli.$$ 2>&1 &",
      "pid=$!",
      "i=0; until grep -q LISTENING /tmp/beeper-sim-cli.$$ || [ $i -gt 200 ]; do sleep 0.05; i=$((i+1)); done",
      "port=$(grep -o ':[0-9]*$' /tmp/beeper-sim-cli.$$ | head -n 1 | tr -d :)",
      ENV .. helper.lua_binary() .. " bin/beeper-sim --port $port; echo \"second=$?\"",
      "kill -INT $pid; wait $pid; rm -f /tmp/beeper-sim-cli.$$",
    }, "\n"))
    assert.are.equal(0, rc)
    assert.matches("second=1", out, 1, true)
    assert.matches("stack traceback", out, 1, true)
  end)
end)

describe("make demo", function()
  if version ~= "5.4" then
    it("runs on Lua 5.4 (its Makefile target's)", function() pending("the 5.4 pass runs it") end)
    return
  end

  it("uses the simulator even when BEEPER_ACCESS_TOKEN is exported", function()
    -- a token and a base URL that would fail if used: nothing listens there
    local out, rc = sh("BEEPER_ACCESS_TOKEN=not-for-the-demo BEEPER_BASE_URL=http://127.0.0.1:"
      .. helper.closed_port() .. " make --no-print-directory demo </dev/null")
    assert.are.equal(0, rc, out)
    assert.matches("No BEEPER_ACCESS_TOKEN: using the bundled simulator", out, 1, true)
    assert.matches("Connected local%-whatsapp_", out)
  end)

  it("talks to the Beeper Desktop of BEEPER_BASE_URL only with REAL=1", function()
    local desktop = helper.start_sim { token = "real-desktop-token" } -- standing in for Beeper Desktop
    local out, rc = sh("BEEPER_DEMO=1 BEEPER_ACCESS_TOKEN=real-desktop-token BEEPER_BASE_URL=" .. desktop.url
      .. " make --no-print-directory demo REAL=1 </dev/null")
    local log = desktop:requests()
    desktop:stop()
    assert.are.equal(0, rc, out)
    assert.matches("Using Beeper Desktop at " .. desktop.url, out, 1, true)
    assert.matches("Connected local%-whatsapp_", out)
    assert.is_true(#log > 0)
    assert.are.equal("Bearer real-desktop-token", log[1].headers.authorization)
  end)

  it("refuses REAL=1 without a token", function()
    local out, rc = sh("env -u BEEPER_ACCESS_TOKEN make --no-print-directory demo REAL=1 </dev/null")
    assert.are.equal(2, rc, out)
    assert.matches("make demo REAL=1 needs BEEPER_ACCESS_TOKEN", out, 1, true)
  end)
end)
