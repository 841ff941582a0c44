-- The rock installs what the tree has: every Lua module and C source under
-- lua/ and csrc/ is listed in the rockspec, and every listed file exists.
local function rockspec()
  local p = assert(io.popen("ls *.rockspec"))
  local name = p:read("*l")
  p:close()
  return require("spec.helper").load_rockspec(name)
end

local function files(cmd)
  local out, p = {}, assert(io.popen(cmd))
  for line in p:lines() do out[line] = true end
  p:close()
  return out
end

describe("the rockspec", function()
  local spec = rockspec()
  local listed_lua, listed_c = {}, {}
  for _, v in pairs(spec.build.modules) do
    if type(v) == "string" then listed_lua[v] = true
    else for _, src in ipairs(v.sources) do listed_c[src] = true end end
  end

  it("lists every Lua module of lua/ and nothing that is missing", function()
    local tree = files("find lua -name '*.lua'")
    for f in pairs(tree) do assert.is_true(listed_lua[f] ~= nil, f .. " is not in the rockspec") end
    for f in pairs(listed_lua) do assert.is_true(tree[f] ~= nil, f .. " is listed but missing") end
  end)

  it("builds every C source of csrc/ into a module", function()
    local tree = files("find csrc -name '*.c'")
    for f in pairs(tree) do assert.is_true(listed_c[f] ~= nil, f .. " is not in the rockspec") end
  end)
end)
