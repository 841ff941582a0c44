-- The access token never shows: not in error values or their messages, not
-- in tostring(client), not in a debug log, not in a failed assertion. A child
-- process does everything with BEEPER_LOG=debug and prints all it can; the
-- spec greps that output for the token, after checking the token was in use.
local helper = require "spec.helper"

local TOKEN = "tok-SECRET-7c1e9a52d04b"

local CHILD = [[
local beeper = require "beeper"
local url, token = os.getenv("SIM_URL"), os.getenv("SIM_TOKEN")
local client = beeper.new { base_url = url, access_token = token, max_retries = 0 }

local function dump(v, depth)
  depth = depth or 0
  if type(v) ~= "table" or depth > 3 then return tostring(v) end
  local parts = {}
  for k, x in pairs(v) do parts[#parts + 1] = tostring(k) .. "=" .. dump(x, depth + 1) end
  return "{" .. table.concat(parts, ", ") .. "}"
end
local function show(label, r, err)
  print(label, dump(r), tostring(err), dump(err))
  if err then print("assert:", select(2, pcall(assert, false, err))) end
  if err then print("error():", select(2, pcall(error, err))) end
end

print("client:", tostring(client), dump(client))
show("ok", client.bridges.list())
show("401", client.bridges.get("fail-401", { timeout = 2 }))
show("500", client.bridges.get("fail-500"))
show("timeout", client.bridges.get("hang", { timeout = 0.2 }))
show("redirect", client.bridges.get("redirect"))
local refused = beeper.new { base_url = os.getenv("CLOSED_URL"), access_token = token, max_retries = 0 }
show("refused", refused.bridges.list())
print("refused client:", tostring(refused), dump(refused))
local h = client.bridges.list(function(err, r) show("cancelled", r, err) end)
h:cancel()
beeper.run()
local ok, msg = pcall(beeper.new, { base_url = url, access_token = token .. "\r\nX: y" })
print("bad token:", ok, msg)
]]

describe("the access token", function()
  local sim

  setup(function() sim = helper.start_sim { token = TOKEN } end)
  teardown(function() sim:stop() end)

  it("appears nowhere in errors, tostring, debug logs or assertion messages", function()
    sim:fault { path = "^/v1/bridges/fail%-401$", status = 401, json = { code = "UNAUTHORIZED", message = "bad token" } }
    sim:fault { path = "^/v1/bridges/fail%-500$", status = 500, json = { code = "BOOM", message = "server fell over" } }
    sim:fault { path = "^/v1/bridges/hang$", hang = true }
    sim:fault { path = "^/v1/bridges/redirect$", status = 307,
                headers = { Location = "http://127.0.0.1:" .. helper.closed_port() .. "/x" } }
    local out = helper.run_lua(CHILD, { BEEPER_LOG = "debug", SIM_URL = sim.url, SIM_TOKEN = TOKEN,
                                        CLOSED_URL = "http://127.0.0.1:" .. helper.closed_port() })
    -- The child really made these calls with the token ...
    assert.matches("ok\t{", out, 1, true)
    assert.matches("401\tnil\tbeeper: http 401 UNAUTHORIZED", out, 1, true)
    assert.matches("500\tnil\tbeeper: http 500 BOOM", out, 1, true)
    assert.matches("timeout\tnil\tbeeper: timeout", out, 1, true)
    assert.matches("redirect\tnil\tbeeper: http 307", out, 1, true)
    assert.matches("refused\tnil\tbeeper: connection", out, 1, true)
    assert.matches("cancelled\tnil\tbeeper: cancelled", out, 1, true)
    assert.matches("bad token:\tfalse", out, 1, true)
    assert.matches("beeper: debug: -> GET", out, 1, true)
    assert.matches("Authorization: ***", out, 1, true)
    local sent = 0
    for _, req in ipairs(sim:requests()) do
      if req.headers.authorization == "Bearer " .. TOKEN then sent = sent + 1 end
    end
    assert.is_true(sent >= 5, "the token was sent " .. sent .. " times")
    -- ... and it is nowhere in what the child could print.
    local at = out:find(TOKEN, 1, true)
    assert.is_nil(at, at and out:sub(math.max(1, at - 200), at + 40))
    assert.is_nil(out:find("SECRET", 1, true))
  end)
end)
