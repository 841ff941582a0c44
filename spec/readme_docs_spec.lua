-- Issue 15: the README documents what the code does: every error kind the
-- sources can produce, every fault option the simulator reads, every
-- option beeper.new takes, the install list the rockspec needs, where a
-- token comes from, and the upstream API reference.
local read = require("spec.helper").read_file

local function lines_of(cmd)
  local p = assert(io.popen(cmd))
  local s = p:read("*a")
  p:close()
  return s
end

describe("the README", function()
  local readme = read("README.md")

  it("explains every error kind the sources make", function()
    local kinds = {}
    local src = lines_of("find lua/beeper -name '*.lua' -not -path '*/sim/*' | xargs cat; cat csrc/result.c") -- result.c: kinds of failed transfers
    for k in src:gmatch('kind%s*=%s*"([%w_]+)"') do kinds[k] = true end
    for k in src:gmatch('lua_pushliteral%(L, "([%w_]+)"%)') do kinds[k] = true end
    for k in src:gmatch('why == "([%w_]+)"') do kinds[k] = true end
    assert.is_true(kinds.aborted and kinds.connection and kinds.timeout and true or false)
    for kind in pairs(kinds) do
      if kind ~= "table" then
        assert.matches('%- `"' .. kind .. '"`', readme, nil, false, "kind " .. kind .. " is not explained")
      end
    end
  end)

  it("documents every fault option the simulator reads", function()
    local server = read("lua/beeper/sim/server.lua")
    local seen = {}
    for opt in server:gmatch("fault%.([%a_]+)") do seen[opt] = true end
    for opt in server:gmatch("[^%w_]f%.([%a_]+)") do seen[opt] = true end
    assert.is_true(seen.status and seen.hang and true or false)
    local section = readme:match("server:fault%(f%)(.-)server:requests%(%)")
    assert.is_string(section)
    for opt in pairs(seen) do
      assert.is_true(section:find("`" .. opt .. "`", 1, true) ~= nil or section:find("`f." .. opt .. "`", 1, true) ~= nil
        or section:find("`" .. opt .. " = ", 1, true) ~= nil,
        "fault option " .. opt)
    end
    for _, m in ipairs { "server:requests()", "server:reset()", "server:clear_faults()", "server:stop()" } do
      assert.matches(m, readme, 1, true)
    end
  end)

  it("names every option of beeper.new", function()
    local client = read("lua/beeper/client.lua")
    local list = client:match("local OPTIONS = (%b{})")
    for opt in list:gmatch("([%a_]+) = true") do
      assert.is_true(readme:find("`" .. opt .. "`", 1, true) ~= nil or readme:find("`" .. opt .. " = ", 1, true) ~= nil
        or readme:find("  " .. opt .. " = ", 1, true) ~= nil,
        "option " .. opt)
    end
  end)

  it("lists the Debian packages the rockspec needs, and says where the token comes from", function()
    local install = readme:match("## Install(.-)\n## ")
    for _, pkg in ipairs { "libcurl4-openssl-dev", "libqrencode-dev", "lua-cjson", "lua-socket" } do
      assert.matches(pkg, install, 1, true)
    end
    assert.matches("Settings → Developers", readme, 1, true)
    assert.matches("https://developers.beeper.com/desktop-api", readme, 1, true)
    assert.matches("make demo REAL=1", readme, 1, true)
    assert.matches("luarocks install luasocket", readme, 1, true)
  end)
end)
