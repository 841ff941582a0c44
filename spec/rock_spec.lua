-- Issue 15: LuaRocks. The rockspecs lint clean, the release one has a real
-- source and the client's version; the .src.rock packed from the checkout
-- installs offline into a fresh tree on 5.1 and 5.4 and works from there;
-- the external dependencies' headers are checked, found in a plain layout
-- (CURL_DIR) and in Debian's multiarch one (CURL_INCDIR).
local beeper = require "beeper"

local VERSION = os.getenv("BEEPER_TEST_LUA_VERSION") or _VERSION:match("%d+%.%d+")
if VERSION == "jit" or (VERSION == _VERSION:match("%d+%.%d+") and jit) then VERSION = "jit" end
-- LuaRocks builds for the PUC interpreters it knows; LuaJIT and 5.3 are
-- covered by the same rock built for 5.1 and by `make` (spec/run).
local INSTALLS = VERSION == "5.1" or VERSION == "5.4"

local PREFIX = os.getenv("BEEPER_CHILD_PREFIX") or "" -- `make asan`: children without its runtime

local function sh(cmd)
  local p = assert(io.popen(PREFIX .. " sh -c '" .. cmd:gsub("'", "'\\''") .. "' 2>&1; echo \"rc=$?\""))
  local out = p:read("*a")
  p:close()
  local rc = tonumber(out:match("rc=(%d+)%s*$"))
  return rc, (out:gsub("rc=%d+%s*$", ""))
end

local load_rockspec = require("spec.helper").load_rockspec

local function modules(spec)
  local out = {}
  for k, v in pairs(spec.build.modules) do
    out[#out + 1] = k .. "=" .. (type(v) == "string" and v or table.concat(v.sources, ","))
  end
  table.sort(out)
  return table.concat(out, "\n")
end

-- Any attempt to reach the network in these commands fails at once.
local OFFLINE = "http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 "
local INCDIR = "CURL_INCDIR=$(pkg-config --variable=includedir libcurl)"
local LUAROCKS = OFFLINE .. "luarocks --lua-version=" .. (INSTALLS and VERSION or "5.4")

describe("the rocks", function()
  local release, scm = load_rockspec("beeper-lua-0.1.0-1.rockspec"), load_rockspec("beeper-lua-scm-1.rockspec")

  it("lint clean", function()
    for _, name in ipairs { "beeper-lua-0.1.0-1.rockspec", "beeper-lua-scm-1.rockspec" } do
      local rc, out = sh("luarocks lint " .. name)
      assert.are.equal(0, rc, out)
    end
  end)

  it("have a real source, a homepage and the client's version", function()
    assert.are.equal("git+https://github.com/beeper-lua/beeper-lua.git", release.source.url)
    assert.are.equal("v" .. beeper._VERSION, release.source.tag)
    assert.are.equal(beeper._VERSION .. "-1", release.version)
    assert.matches("^%d+%.%d+%.%d+$", beeper._VERSION) -- semantic
    assert.are.equal(beeper._VERSION, beeper.VERSION)
    assert.are.equal("https://github.com/beeper-lua/beeper-lua", release.description.homepage)
    assert.are.equal("MIT", release.description.license)
    assert.are.equal("scm-1", scm.version)
    assert.is_nil(scm.source.tag)
    assert.are.equal(release.source.url, scm.source.url)
    -- the development rockspec builds the same modules
    assert.are.equal(modules(release), modules(scm),
      "beeper-lua-scm-1.rockspec must build what beeper-lua-0.1.0-1.rockspec builds: list a new module in both")
  end)

  it("do not make the client depend on LuaSocket", function()
    for _, spec in ipairs { release, scm } do
      for _, dep in ipairs(spec.dependencies) do assert.is_nil(dep:find("socket"), dep) end
      assert.are.equal("curl/curl.h", spec.external_dependencies.CURL.header)
      assert.are.equal("qrencode.h", spec.external_dependencies.QRENCODE.header)
      assert.are.equal("$(CURL_INCDIR)", spec.build.modules["beeper.core"].incdirs[1])
    end
  end)

  it("leave the client working without LuaSocket, and the simulator saying how to get it", function()
    -- a child where require "socket" fails, as on a machine without LuaSocket
    local code = [[
      package.preload.socket = function() error("module 'socket' not found") end
      local beeper = require "beeper"
      local c = beeper.new { base_url = "http://127.0.0.1:9", access_token = "t", max_retries = 0 }
      local _, err = c.info()
      print("client:", err.kind, package.loaded.socket == nil)
      local ok, why = pcall(require, "beeper.sim.http")
      print("sim:", ok, why)]]
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write(code)
    f:close()
    local lua = VERSION == "jit" and "luajit" or ("lua" .. VERSION)
    local rc, out = sh("LUA_PATH=\"$PWD/lua/?.lua;$PWD/lua/?/init.lua;;\" LUA_CPATH=\"$PWD/build/" .. VERSION
      .. "/?.so;;\" " .. lua .. " " .. path)
    os.remove(path)
    assert.are.equal(0, rc, out)
    assert.matches("client:%s+connection%s+true", out)
    assert.matches("sim:%s+false%s+beeper.sim needs LuaSocket: apt%-get install lua%-socket, or luarocks install luasocket",
      out)
  end)

  it("come with a LICENSE (MIT) and a CHANGELOG naming this version", function()
    local license = assert(io.open("LICENSE")):read("*a")
    assert.matches("MIT License", license, 1, true)
    local changelog = assert(io.open("CHANGELOG.md")):read("*a")
    assert.matches("## " .. beeper._VERSION, changelog, 1, true)
  end)

  describe("the .src.rock packed from the checkout", function()
    local work, rock
    setup(function()
      work = os.tmpname()
      os.remove(work)
      assert(os.execute("mkdir -p " .. work) ~= false)
      local rc, out = sh("sh .ci/pack-rock '' " .. work)
      assert.are.equal(0, rc, out)
      rock = out:match("(%S+%.src%.rock)%s*$")
    end)
    teardown(function() os.execute("rm -rf " .. work) end)

    it("holds the rockspec and the sources in beeper-lua/, no build output", function()
      local _, list = sh("unzip -Z1 " .. rock)
      assert.matches("\nbeeper%-lua%-0%.1%.0%-1%.rockspec\n", "\n" .. list)
      for _, f in ipairs { "csrc/core.c", "csrc/qrcode.c", "lua/beeper/init.lua", "bin/beeper-sim", "LICENSE" } do
        assert.matches("\nbeeper%-lua/" .. f:gsub("%p", "%%%0") .. "\n", "\n" .. list)
      end
      assert.is_nil(list:find("beeper-lua/build/", 1, true))
      assert.is_nil(list:find("%.so\n"))
    end)

    it("installs offline into a fresh tree and works from there", function()
      if not INSTALLS then return pending("LuaRocks installs for 5.1 and 5.4 here") end
      local tree = work .. "/tree"
      local rc, out = sh("cd " .. work .. " && " .. LUAROCKS .. " --tree " .. tree
        .. " install --deps-mode=none " .. rock .. " " .. INCDIR)
      assert.are.equal(0, rc, out)
      -- a child with only the tree's paths (and Debian's cjson), outside the checkout
      local code = [[
        local beeper = require "beeper"
        local src = debug.getinfo(beeper.new, "S").source
        local server = require("beeper.sim").start {}
        local c = beeper.new { base_url = server.url, access_token = server.token }
        local list = assert(c.bridges.list())
        server:stop()
        print(src, beeper._VERSION, #list.items)]]
      local f = assert(io.open(work .. "/check.lua", "w"))
      f:write(code)
      f:close()
      local lua = VERSION == "5.1" and "lua5.1" or "lua5.4"
      rc, out = sh("cd " .. work .. " && eval \"$(luarocks --lua-version=" .. VERSION .. " --tree " .. tree
        .. " path)\" && " .. lua .. " check.lua")
      assert.are.equal(0, rc, out)
      local src, version, n = out:match("^@(%S+)%s+(%S+)%s+(%d+)")
      assert.are.equal(tree, src:sub(1, #tree), out)
      assert.are.equal(beeper._VERSION, version)
      assert.are.equal("5", n)
    end)
  end)

  describe("external dependencies", function()
    local work
    setup(function()
      work = os.tmpname()
      os.remove(work)
      -- a plain layout: include/curl/*.h and lib/libcurl.so under one prefix
      assert.are.equal(0, (sh("mkdir -p " .. work .. "/plain/include " .. work .. "/plain/lib " .. work
        .. "/nohdr/lib && cp -r $(pkg-config --variable=includedir libcurl)/curl " .. work .. "/plain/include/"
        .. " && for d in plain nohdr; do ln -s $(pkg-config --variable=libdir libcurl)/libcurl.so "
        .. work .. "/$d/lib/; done && cp -r csrc lua bin types doc *.rockspec " .. work .. "/")))
    end)
    teardown(function() os.execute("rm -rf " .. work) end)

    it("checks curl's header: a prefix without it is refused before building", function()
      local rc, out = sh(LUAROCKS .. " --tree " .. work .. "/t0 make --deps-mode=none"
        .. " beeper-lua-0.1.0-1.rockspec CURL_DIR=" .. work .. "/nohdr")
      assert.are_not.equal(0, rc)
      assert.matches("Could not find header file for CURL", out, 1, true)
    end)

    it("finds it in a plain layout (CURL_DIR) and compiles with that include dir", function()
      if not INSTALLS then return pending("LuaRocks installs for 5.1 and 5.4 here") end
      local rc, out = sh("cd " .. work .. " && " .. LUAROCKS
        .. " --tree " .. work .. "/t1 make --deps-mode=none beeper-lua-0.1.0-1.rockspec CURL_DIR=" .. work .. "/plain")
      assert.are.equal(0, rc, out)
      assert.matches("-I" .. work:gsub("%p", "%%%0") .. "/plain/include", out)
    end)

    it("finds it in Debian's multiarch layout with CURL_INCDIR, as `make rock` passes it", function()
      if not INSTALLS then return pending("LuaRocks installs for 5.1 and 5.4 here") end
      local rc, out = sh("cd " .. work .. " && " .. LUAROCKS .. " --tree " .. work .. "/t2 make --deps-mode=none"
        .. " beeper-lua-0.1.0-1.rockspec " .. INCDIR)
      assert.are.equal(0, rc, out)
      local _, incdir = sh("pkg-config --variable=includedir libcurl")
      assert.matches("-I" .. incdir:gsub("%s+$", ""):gsub("%p", "%%%0") .. "%s", out)
    end)
  end)
end)
