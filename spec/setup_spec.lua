-- App sign-in (setup) calls: the public ones send no Authorization header.
local helper = require "spec.helper"
local beeper = require "beeper"

describe("app setup", function()
  local sim, client

  local served = helper.serve(function(s, c) sim, client = s, c end)
  setup(served.start)
  teardown(served.stop)
  before_each(function() sim:reset() end)

  local function auth_of(req) return req.headers.authorization end

  it("signs in with an emailed code, sending no token on the public calls", function()
    local state = assert(client.app.setup.get())
    assert.are.equal("needs-login", state.state)
    assert.are.equal("Bearer " .. sim.token, auth_of(helper.last_request(sim)))

    local start = assert(client.app.setup.start())
    assert.is_string(start.setupRequestID)
    assert.are.same({ "email" }, start.signInMethods)
    assert.is_true(client.app.setup.email { email = "ada@example.com", setup_request_id = start.setupRequestID })

    local bad, err = client.app.login.response { response = "999999", setup_request_id = start.setupRequestID }
    assert.is_nil(bad)
    assert.are.equal("INVALID_CODE", err.code)
    assert.are.equal(400, err.status)

    local done = assert(client.app.login.response { response = "123456", setup_request_id = start.setupRequestID })
    assert.is_string(done.matrix.accessToken)
    assert.are.equal("ready", done.session.state)

    local log = sim:requests()
    local public = 0
    for _, req in ipairs(log) do
      if req.path:match("^/v1/app/setup/") then
        public = public + 1
        assert.is_nil(auth_of(req), req.path)
      end
    end
    assert.are.equal(4, public)
    assert.are.same({ response = "123456", setupRequestID = start.setupRequestID },
      require("cjson").decode(log[#log].body))
  end)

  it("goes through registration when the account is new", function()
    local start = assert(client.app.setup.start())
    assert(client.app.setup.email { email = "new-user@example.com", setup_request_id = start.setupRequestID })
    local reg = assert(client.app.setup.response { response = "123456", setup_request_id = start.setupRequestID })
    assert.is_true(reg.registrationRequired)
    assert.is_string(reg.leadToken)
    assert.are.equal("Choose your username", reg.copy.title)
    assert.is_true(#reg.usernameSuggestions > 0)
    local done = assert(client.app.setup.register {
      accept_terms = true, lead_token = reg.leadToken,
      setup_request_id = reg.setupRequestID, username = reg.usernameSuggestions[1],
    })
    assert.is_string(done.matrix.accessToken)
    local body = require("cjson").decode(helper.last_request(sim).body)
    assert.is_true(body.acceptTerms)
    assert.are.equal(reg.leadToken, body.leadToken)
  end)

  it("keeps non-integral numbers as floats", function()
    local start = assert(client.app.setup.start())
    assert(client.app.setup.email { email = "ada@example.com", setup_request_id = start.setupRequestID })
    assert(client.app.setup.response { response = "123456", setup_request_id = start.setupRequestID })
    local state = assert(client.app.setup.get())
    assert.are.equal(1700000000.5, state.e2ee.recoveryKeyGeneratedAt)
  end)

  it("works without any token for the public calls", function()
    local anon = helper.client(sim, { access_token = "" })
    assert.is_false(anon:has_token())
    assert(anon.app.setup.start())
    local r, err = anon.app.setup.get()
    assert.is_nil(r)
    assert.are.equal("auth", err.kind)
    assert.are.equal("app.setup.get needs an access token: pass access_token to beeper.new or set BEEPER_ACCESS_TOKEN",
      err.message)
    anon:close()
  end)

  it("offers app.login as the same table as app.setup, on clients and on the module", function()
    assert.are.equal(client.app.setup, client.app.login)
    assert.are.equal(beeper.app.setup, beeper.app.login)
    assert.is_function(beeper.app.login.response)
    assert.is_function(beeper.bridges.login_sessions.create)
    assert.is_function(beeper.bridges.login_sessions.get)
  end)

  it("checks parameters before sending", function()
    assert.has_error(function() client.app.setup.email { email = "a@b.c" } end,
      "beeper: app.setup.email: missing required parameter 'setup_request_id'")
    assert.has_error(function() client.app.setup.register { accept_terms = "yes" } end,
      "beeper: app.setup.register: accept_terms must be a boolean, got string")
  end)
end)
