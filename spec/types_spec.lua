-- Issue 15: LuaLS annotations. types/beeper.lua is what tools/gen-types.lua
-- writes now (so it follows lua/beeper/endpoints.lua), it has every call
-- with its ids and parameters, every type it names is defined, and every
-- public function of the documented modules carries ---@param/---@return.
local endpoints = require "beeper.endpoints"

local read = require("spec.helper").read_file

local function lua_binary()
  local v = os.getenv("BEEPER_TEST_LUA_VERSION")
  if v == "jit" or (v == nil and jit) then return "luajit" end
  return "lua" .. (v or _VERSION:match("%d+%.%d+"))
end

-- Every file the definitions come from: the generated one and the sources.
local function all_annotations()
  local p = assert(io.popen("ls types/*.lua; find lua -name '*.lua' | sort"))
  local text = {}
  for f in p:lines() do text[#text + 1] = read(f) end
  p:close()
  return table.concat(text, "\n")
end

describe("types/beeper.lua", function()
  local generated = read("types/beeper.lua")

  it("is what tools/gen-types.lua writes from the current endpoints (run `make types`)", function()
    local p = assert(io.popen((os.getenv("BEEPER_CHILD_PREFIX") or "") .. " " .. lua_binary() .. " tools/gen-types.lua"))
    local fresh = p:read("*a")
    p:close()
    assert.is_true(#fresh > 1000)
    assert.is_true(fresh == generated, "types/beeper.lua is stale: run `make types`")
  end)

  it("is a ---@meta file that loads as Lua", function()
    assert.matches("^%-%-%-@meta\n", generated)
    assert.is_not_nil((loadstring or load)(generated))
  end)

  it("has every call, with its ids in order and its parameter class", function()
    for _, ep in ipairs(endpoints) do
      local parent, name = ep[1]:match("^(.-)%.?([^.]+)$")
      local class = "---@class beeper.api" .. (parent ~= "" and ("." .. parent) or "") .. "\n"
      local at = generated:find(class, 1, true)
      assert.is_not_nil(at, class)
      local block = generated:sub(at, (generated:find("\n\n", at, true) or #generated))
      local line = block:match("\n%-%-%-@field " .. name:gsub("%p", "%%%0") .. " (fun%b().-)\n")
      assert.is_not_nil(line, ep[1])
      local ids = {}
      for id in ep[3]:gmatch("{([^}]+)}") do ids[#ids + 1] = id .. ": string" end
      if #ids > 0 then assert.matches("^fun%(" .. table.concat(ids, ", "):gsub("%p", "%%%0"), line) end
      if ep.body or ep.query then
        assert.matches("params%??: beeper%.params%." .. ep[1]:gsub("%p", "%%%0"), line)
        for k in pairs(ep.body or ep.query) do
          local from = generated:find("---@class beeper.params." .. ep[1] .. "\n", 1, true)
          assert.matches("\n%-%-%-@field " .. k .. "%??%s", generated:sub(from, from + 2000))
        end
      end
      assert.matches("beeper%.Error%? # " .. ep[2], line)
    end
  end)

  it("describes answers with the OpenAPI shapes", function()
    assert.matches("---@field list fun(params?: beeper.params.chats.list, options?: beeper.CallOptions):"
      .. " beeper.ListChatsOutput?, beeper.Error?", generated, 1, true)
    assert.matches("---@class beeper.Chat\n", generated, 1, true)
    assert.matches("---@field hasMore boolean", generated, 1, true)
  end)

  it("names only types that are defined somewhere", function()
    local text = all_annotations()
    local defined = {}
    for name in text:gmatch("%-%-%-@class ([%w_.]+)") do defined[name] = true end
    for name in text:gmatch("%-%-%-@alias ([%w_.]+)") do defined[name] = true end
    local missing = {}
    for line in text:gmatch("%-%-%-@[^\n]+") do
      for name in line:gmatch("beeper%.[%w_.]*[%w_]") do
        if not defined[name] and not line:match("^%-%-%-@class " .. name:gsub("%p", "%%%0") .. "$")
          and not line:find("beeper%.[a-z_]+:") then -- "beeper.steps: dispatch, ..." in a description
          missing[name] = true
        end
      end
    end
    -- "beeper.qr.render" and the like in descriptions are module paths, not types
    for name in pairs(missing) do
      if name:match("^beeper%.[a-z]") and not name:match("^beeper%.api") and not name:match("^beeper%.params")
        and not name:match("^beeper%.module") then missing[name] = nil end
    end
    assert.are.same({}, missing)
  end)
end)

describe("annotations in the sources", function()
  -- The public functions of the documented modules, each preceded by
  -- ---@param / ---@return lines (or a one-line ---@return for no arguments).
  local PUBLIC = {
    ["lua/beeper/client.lua"] = { "M.new", "Client:has_token", "Client:server_version", "Client:with_token",
                                  "Client:close" },
    ["lua/beeper/transport/errors.lua"] = { "M.new", "M.is", "M.snippet" },
    ["lua/beeper/init.lua"] = { "M.run", "M.default_client", "M.reset_default" },
    ["lua/beeper/transport/async.lua"] = { "M.run", "Handle:cancel", "Handle:is_done" },
    ["lua/beeper/flows/init.lua"] = { "M.connect", "M.verify", "M.sign_in" },
    ["lua/beeper/flows/poll.lua"] = { "M.poll" },
    ["lua/beeper/flows/steps.lua"] = { "M.dispatch", "M.user_input", "M.cookies", "M.is_end" },
    ["lua/beeper/ui/qr.lua"] = { "M.matrix", "M.lines", "M.render" },
    ["lua/beeper/api/pages.lua"] = { "M.each" },
    ["lua/beeper/sim/init.lua"] = { "M.serve", "M.start" },
    ["lua/beeper/sim/handle.lua"] = { "Handle:fault", "Handle:clear_faults", "Handle:reset", "Handle:requests",
                                      "Handle:clear_requests", "Handle:config", "Handle:state", "Handle:incoming",
                                      "Handle:asset", "Handle:stop" },
    ["lua/beeper/ui/tui.lua"] = { "M.new" },
  }

  for file, names in pairs(PUBLIC) do
    it(file, function()
      local src = "\n" .. read(file)
      for _, name in ipairs(names) do
        local at = src:find("\nfunction " .. name .. "(", 1, true)
        assert.is_not_nil(at, name .. " not found in " .. file)
        -- the run of ---lines right above the definition
        local lines = {}
        for line in (src:sub(1, at - 1) .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
        local doc = {}
        for i = #lines, 1, -1 do
          if lines[i]:sub(1, 3) ~= "---" then if #doc > 0 or lines[i] ~= "" then break end
          else table.insert(doc, 1, lines[i]) end
        end
        doc = table.concat(doc, "\n") .. "\n"
        local args = src:match("\nfunction " .. name:gsub("%p", "%%%0") .. "(%b())", at - 1)
        for arg in args:sub(2, -2):gmatch("[%w_]+") do
          assert.matches("---@param " .. arg .. "[%s?]", doc, 1, false, file .. " " .. name .. ": @param " .. arg)
        end
        assert.is_true(doc:find("---@", 1, true) ~= nil, file .. " " .. name .. " has no annotation")
      end
    end)
  end

  it("describes the error value's every kind", function()
    local errors = read("lua/beeper/transport/errors.lua")
    for _, kind in ipairs { "http", "timeout", "connection", "decode", "cancelled", "auth", "io", "failed",
                            "aborted", "step", "ui", "internal" } do
      assert.matches('---| "' .. kind .. '"', errors, 1, true)
    end
  end)
end)

describe("make docs", function()
  it("builds the LDoc reference of the public modules", function()
    local dir = os.tmpname()
    os.remove(dir)
    local p = assert(io.popen((os.getenv("BEEPER_CHILD_PREFIX") or "") .. " ldoc -d " .. dir .. " . 2>&1; echo rc=$?"))
    local out = p:read("*a")
    p:close()
    assert.matches("rc=0%s*$", out)
    assert.is_nil(out:match("[^\n]*%.lua:%d+:[^\n]*"), "no LDoc warning") -- annotations LDoc cannot read
    local f = io.open(dir .. "/modules/beeper.client.html")
    local html = f and f:read("*a") or ""
    if f then f:close() end
    os.execute("rm -rf " .. dir)
    assert.matches("Makes a client", html, 1, true)
    assert.matches("beeper.ClientOptions", html, 1, true)
  end)
end)
