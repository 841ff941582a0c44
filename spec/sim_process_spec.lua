-- The simulator's process handle (issue 11 #9, #10): usable inside Neovim,
-- and a simulator never outlives, nor holds up, the process that started it.
local helper = require "spec.helper"
local common = require "spec.hosts.common"
local core = require "beeper.core"
local socket = require "socket"

local version = os.getenv("BEEPER_TEST_LUA_VERSION")

-- True when nothing listens on the url's port any more.
local function refuses(url)
  local host, port = url:match("^http://([^:/]+):(%d+)")
  local s = socket.tcp()
  s:settimeout(1)
  local ok, err = s:connect(host, tonumber(port))
  s:close()
  return not ok and err == "connection refused"
end

-- Seconds until the url's port refuses connections, or nil after `limit`.
local function until_refused(url, limit)
  local t0 = core.now()
  repeat
    if refuses(url) then return core.now() - t0 end
    core.sleep(0.05)
  until core.now() - t0 > limit
end

-- Runs a script in a child interpreter (capped at 20 s): its output, how
-- long it took, and its exit status. The output goes to a file, not a pipe:
-- a simulator left behind would hold a pipe open and stall the read.
local function run_script(code)
  local tmp, log = os.tmpname(), os.tmpname()
  local f = assert(io.open(tmp, "w"))
  f:write(code)
  f:close()
  local t0 = core.now()
  os.execute(string.format("timeout 20 %s %s >%s 2>&1; echo \"exit=$?\" >>%s", helper.lua_binary(), tmp, log, log))
  local seconds = core.now() - t0
  f = assert(io.open(log, "r"))
  local out = f:read("*a")
  f:close()
  os.remove(tmp)
  os.remove(log)
  return out, seconds, tonumber(out:match("exit=(%d+)%s*$"))
end

local START = 'local h = require("beeper.sim").start() print("url=" .. h.url) io.stdout:flush()\n'

describe("the simulator's process", function()
  it("#11.10 a script that errors before stop() exits at once and takes its simulator along", function()
    local out, seconds, status = run_script(START .. 'error("a failed assert")\n')
    local url = out:match("url=(%S+)")
    assert.is_string(url, out)
    local gone = until_refused(url, 5)
    print(string.format("# #11.10 error: child exited (status %s) in %.2f s, port refused %.2f s later",
      tostring(status), seconds, gone or -1))
    assert.are.equal(1, status, out)
    assert.matches("a failed assert", out)
    assert.is_true(seconds < 3, "child took " .. seconds .. " s")
    assert.is_number(gone, "the simulator still listens at " .. url)
  end)

  it("#11.10 a script that exits without closing its state (os.exit) leaves no simulator behind", function()
    -- No lua_close, so no finaliser: the simulator must notice on its own.
    local out, seconds, status = run_script(START .. "os.exit(3)\n")
    local url = out:match("url=(%S+)")
    assert.is_string(url, out)
    local gone = until_refused(url, 5)
    print(string.format("# #11.10 os.exit: child exited (status %s) in %.2f s, port refused %.2f s later",
      tostring(status), seconds, gone or -1))
    assert.are.equal(3, status, out)
    assert.is_true(seconds < 3, "child took " .. seconds .. " s")
    assert.is_number(gone, "the simulator still listens at " .. url)
    assert.is_true(gone < 3, "the simulator went after " .. tostring(gone) .. " s")
  end)

  it("#11.10 a handle dropped without stop() stops its simulator when collected", function()
    local out, seconds = run_script([[
      local socket = require "socket"
      local function start() return require("beeper.sim").start().url end
      local url = start()
      local t0 = socket.gettime()
      collectgarbage() collectgarbage()
      local port = tonumber(url:match(":(%d+)$"))
      local refused
      repeat
        local s = socket.tcp()
        local ok, err = s:connect("127.0.0.1", port)
        s:close()
        refused = not ok and err == "connection refused"
        if not refused then socket.sleep(0.02) end
      until refused or socket.gettime() - t0 > 2
      print((refused and "refused " or "still listening ") .. url)
    ]])
    print(string.format("# #11.10 collected: %s (child ran %.2f s)", (out:gsub("%s+", " ")), seconds))
    assert.matches("^refused%s+http://", out)
    assert.is_true(seconds < 5, "child took " .. seconds .. " s")
  end)

  it("stop() waits for the simulator to exit and can be called twice", function()
    local h = helper.start_sim()
    h:reset()
    h:stop()
    assert.is_true(refuses(h.url))
    h:stop()
  end)

  local nvim = (version == "jit") and it or pending
  nvim("#11.9 a test inside nvim --headless drives the simulator and leaves none behind", function()
    local out = os.tmpname()
    local p = assert(io.popen(string.format("BEEPER_ROOT='%s' BEEPER_HOST_OUT='%s' timeout 30 nvim --headless "
      .. "-u NONE -i NONE -n -c 'luafile spec/hosts/nvim_sim.lua' >/dev/null 2>&1; echo $?", os.getenv("PWD"), out)))
    local status = tonumber(p:read("*a"))
    p:close()
    local result = common.read(out)
    os.remove(out)
    print("# #11.9 nvim exit status " .. tostring(status))
    assert.are.equal(0, status)
    assert.is_table(result, "nvim wrote no result")
    assert.are.equal("true", result.ok, result.err)
    assert.is_true(tonumber(result.bridges) > 0, result.bridges)
    assert.are.equal("422 SIM_FAULT", result.fault)
    assert.are.equal("2", result.seen)
    assert.are.equal("0", result.after_reset)
    assert.are.equal("table", result.sessions)
    assert.are.equal("connection", result.after_stop)
    assert.are.equal("false", result.socket_loaded)
    -- The simulator it left running goes with Neovim.
    local gone = until_refused(result.left_url, 5)
    print(string.format("# #11.9 the simulator left in nvim refused %.2f s after nvim quit", gone or -1))
    assert.is_number(gone, "still listening: " .. result.left_url)
  end)
end)
