-- The README's issue-13 host examples run as printed: the Neovim one in a
-- real `nvim --headless` (LuaJIT pass) fills a buffer with the unread chats.
local helper = require "spec.helper"
local common = require "spec.hosts.common"

describe("#13 README examples", function()
  local sim
  setup(function() sim = helper.start_sim() end)
  teardown(function() sim:stop() end)

  local nvim = os.getenv("BEEPER_TEST_LUA_VERSION") == "jit" and it or pending
  nvim("Neovim: the unread chats in a buffer", function()
    local client = helper.client(sim)
    local chat = assert(client.chats.list()).items[3]
    sim:incoming { chatID = chat.id, text = "ping from the spec" }
    client:close()
    local out = os.tmpname()
    local cmd = string.format("BEEPER_ROOT='%s' BEEPER_HOST_OUT='%s' BEEPER_BASE_URL='%s' BEEPER_ACCESS_TOKEN='%s' "
      .. "timeout 30 nvim --headless -u NONE -i NONE -n -c 'luafile spec/hosts/nvim_readme_unread.lua' "
      .. ">/dev/null 2>&1; echo $?", os.getenv("PWD"), out, sim.url, sim.token)
    local p = assert(io.popen(cmd))
    local status = p:read("*l")
    p:close()
    local result = common.read(out)
    os.remove(out)
    assert.are.equal("0", status)
    assert.is_table(result, "nvim wrote no result")
    assert.are.equal("true", result.ok, result.err)
    assert.matches(chat.title, result.lines, 1, true)
  end)
end)
