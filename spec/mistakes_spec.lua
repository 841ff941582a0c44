-- Issue 15: a new user's mistakes get messages that say what to write
-- instead, at the line that made them, not a nil index deep inside.
local helper = require "spec.helper"
local beeper = require "beeper"

-- The message without the "file:line: " position error() adds.
local function raised(fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "expected an error")
  return (tostring(err):gsub("^[^:]*:%d+: ", ""))
end

describe("mistakes", function()
  describe("beeper.new", function()
    it("refuses a misspelt option and names the right one", function()
      assert.are.equal("beeper.new: unknown option 'baseurl' (did you mean 'base_url'?)",
        raised(beeper.new, { baseurl = "http://127.0.0.1:1" }))
      assert.are.equal("beeper.new: unknown option 'token' (did you mean 'access_token'?)",
        raised(beeper.new, { token = "t" }))
      assert.are.equal("beeper.new: unknown option 'maxRetries' (did you mean 'max_retries'?)",
        raised(beeper.new, { maxRetries = 1 }))
      assert.are.equal("beeper.new: unknown option 'colour'", raised(beeper.new, { colour = "red" }))
    end)

    it("takes every documented option", function()
      local c = beeper.new { base_url = "http://127.0.0.1:1", access_token = "t", timeout = 1,
        connect_timeout = 1, max_retries = 0, max_body = 1024, max_depth = 8, proxy = "http://127.0.0.1:2",
        loop = "blocking", log_level = "error", logger = function() end, headers = { ["X-A"] = "1" } }
      assert.is_true(c:has_token())
      c:close()
    end)

    it("refuses an unknown loop name at once, listing the known ones", function()
      assert.are.equal("beeper.new: unknown loop 'glib' (known: neovim, awesome, luv, blocking;"
        .. " or an adapter table)", raised(beeper.new, { loop = "glib" }))
    end)

    it("refuses a base_url ending in /v1 and says what to use", function()
      for _, url in ipairs { "http://localhost:23373/v1", "http://localhost:23373/v1/" } do
        assert.are.equal("beeper.new: base_url must not end in /v1 (the client adds it): use http://localhost:23373",
          raised(beeper.new, { base_url = url }))
      end
      -- a path that merely contains v1 is someone's reverse proxy: allowed
      beeper.new({ base_url = "http://localhost:23373/v1beeper" }):close()
    end)
  end)

  describe("colons and dots", function()
    local client
    setup(function() client = beeper.new { base_url = "http://127.0.0.1:1", access_token = "t" } end)
    teardown(function() client:close() end)

    it("explains client.bridges:list() (a colon where a dot belongs)", function()
      assert.are.equal("beeper: bridges.list called with a colon: write client.bridges.list(...),"
        .. " not client.bridges:list(...)", raised(function() return client.bridges:list() end))
      assert.are.equal("beeper: bridges.login_sessions.create called with a colon: write"
        .. " client.bridges.login_sessions.create(...), not client.bridges.login_sessions:create(...)",
        raised(function() return client.bridges.login_sessions:create("local-whatsapp") end))
      assert.are.equal("beeper: info called with a colon: write client.info(...), not client:info(...)",
        raised(function() return client:info() end))
      assert.are.equal("beeper: chats.list called with a colon: write client.chats.list(...),"
        .. " not client.chats:list(...)", raised(function() return beeper.chats:list() end))
    end)

    it("explains client.close() (a dot where a colon belongs)", function()
      assert.are.equal("beeper: write client:close(...) with a colon, not client.close(...)",
        raised(function() return client.close() end))
      assert.are.equal("beeper: write client:server_version(...) with a colon, not client.server_version(...)",
        raised(function() return client.server_version() end))
      assert.are.equal("beeper: write client:has_token(...) with a colon, not client.has_token(...)",
        raised(function() return client.has_token() end))
    end)

    it("points at the caller's line", function() -- (not a tail call, which has no line)
      local ok, err = pcall(function() local list = client.bridges:list(); return list end)
      assert.is_false(ok)
      assert.matches("mistakes_spec%.lua:%d+: beeper: bridges%.list called with a colon", err)
    end)
  end)

  describe("a refused connection", function()
    local client
    setup(function()
      client = beeper.new { base_url = "http://127.0.0.1:" .. helper.closed_port(), access_token = "t",
        max_retries = 0 }
    end)
    teardown(function() client:close() end)

    local HINT = "is Beeper Desktop running, with its API enabled in Settings > Developers?"

    it("hints that Beeper Desktop may not be running (blocking)", function()
      local value, err = client.bridges.list()
      assert.is_nil(value)
      assert.are.equal("connection", err.kind)
      assert.matches(HINT, err.message, 1, true)
      assert.matches(HINT, tostring(err), 1, true)
    end)

    it("hints the same in the callback form", function()
      local got
      client.info(function(err) got = err end)
      beeper.run()
      assert.are.equal("connection", got.kind)
      assert.matches(HINT, got.message, 1, true)
    end)

    it("gives no such hint when a server answered", function()
      local sim = helper.start_sim()
      local c = helper.client(sim, { access_token = "wrong" })
      local _, err = c.bridges.list()
      assert.are.equal("http", err.kind)
      assert.is_nil(tostring(err):find("Beeper Desktop running", 1, true))
      c:close()
      sim:stop()
    end)
  end)
end)
