-- Bridge calls and login sessions over real HTTP against the simulator.
local helper = require "spec.helper"

describe("bridges", function()
  local sim, client

  local served = helper.serve(function(s, c) sim, client = s, c end)
  setup(served.start)
  teardown(served.stop)
  before_each(function() sim:reset() end)

  it("lists bridges and gets one", function()
    local list = assert(client.bridges.list())
    local ids = {}
    for _, b in ipairs(list.items) do ids[b.id] = true end
    assert.is_true(ids["local-whatsapp"] and ids.telegram and true)
    local tg = assert(client.bridges.get("telegram"))
    assert.are.equal("telegram", tg.id)
    assert.is_string(tg.displayName)
  end)

  it("reads capabilities and login flows", function()
    local caps = assert(client.bridges.capabilities("local-whatsapp"))
    assert.is_table(caps.resolve_identifier)
    local flows = assert(client.bridges.login_flows.list("local-whatsapp"))
    assert.are.equal("qr", flows.items[1].id)
  end)

  it("runs a QR login that completes after the scripted polls", function()
    sim:config { qr_polls = 2 }
    local s = assert(client.bridges.login_sessions.create("local-whatsapp", { flow_id = "qr" }))
    assert.are.equal("waiting_for_display", s.status)
    assert.are.equal("display_and_wait", s.currentStep.type)
    assert.are.equal("qr", s.currentStep.display.type)
    assert.is_true(#s.currentStep.display.data > 0)
    local id = s.loginSessionID
    local polls = 0
    repeat
      s = assert(client.bridges.login_sessions.get("local-whatsapp", id))
      polls = polls + 1
    until s.status ~= "waiting_for_display" or polls > 10
    assert.are.equal(2, polls)
    assert.are.equal("complete", s.status)
    assert.is_nil(s.currentStep)
    assert.is_string(s.login.loginID)
    assert.are.equal("connected", s.account.status)
    local wa = assert(client.bridges.get("local-whatsapp"))
    assert.are.equal(1, #wa.accounts)
  end)

  it("sends an empty object when create has no parameters", function()
    assert(client.bridges.login_sessions.create("local-whatsapp"))
    local req = helper.last_request(sim)
    assert.are.equal("POST", req.method)
    assert.are.equal("/v1/bridges/local-whatsapp/login-sessions", req.path)
    assert.are.equal("{}", req.body)
  end)

  it("runs a user_input flow step by step", function()
    local s = assert(client.bridges.login_sessions.create("telegram", { flow_id = "phone" }))
    local step = s.currentStep
    assert.are.equal("user_input", step.type)
    local ids = {}
    for _, f in ipairs(step.fields) do ids[f.id] = f end
    assert.is_truthy(ids.phone)
    assert.is_true(ids.password.optional)
    s = assert(client.bridges.login_sessions.steps.submit("telegram", s.loginSessionID, step.stepID,
      { type = "user_input", fields = { phone = "+15555550100" } }))
    assert.are.equal("code", s.currentStep.fields[1].id)
    s = assert(client.bridges.login_sessions.steps.submit("telegram", s.loginSessionID,
      s.currentStep.stepID, { type = "user_input", fields = { code = "424242" } }))
    assert.are.equal("complete", s.status)
  end)

  it("returns the API error for a missing field", function()
    local s = assert(client.bridges.login_sessions.create("telegram", { flow_id = "phone" }))
    local r, err = client.bridges.login_sessions.steps.submit("telegram", s.loginSessionID,
      s.currentStep.stepID, { type = "user_input", fields = {} })
    assert.is_nil(r)
    assert.are.equal("http", err.kind)
    assert.are.equal(400, err.status)
    assert.are.equal("MISSING_FIELD", err.code)
    assert.are.equal("phone", err.details.field)
    assert.are.equal(0, err.retries)
  end)

  it("shows a failed session's error", function()
    local s = assert(client.bridges.login_sessions.create("telegram", { flow_id = "phone" }))
    s = assert(client.bridges.login_sessions.steps.submit("telegram", s.loginSessionID,
      s.currentStep.stepID, { type = "user_input", fields = { phone = "+15555550100" } }))
    s = assert(client.bridges.login_sessions.steps.submit("telegram", s.loginSessionID,
      s.currentStep.stepID, { type = "user_input", fields = { code = "000000" } }))
    assert.are.equal("failed", s.status)
    assert.are.equal("WRONG_CODE", s.error.code)
  end)

  it("submits a cookies step with lastURL on the wire", function()
    local s = assert(client.bridges.login_sessions.create("discordgo"))
    local step = s.currentStep
    assert.are.equal("cookies", step.type)
    assert.is_string(step.url)
    assert.is_string(step.extractJS)
    s = assert(client.bridges.login_sessions.steps.submit("discordgo", s.loginSessionID, step.stepID,
      { type = "cookies", fields = { token = "t0k", session = "s3s" }, last_url = "https://discord.com/app" }))
    assert.are.equal("complete", s.status)
    local body = require("cjson").decode(helper.last_request(sim).body)
    assert.are.equal("https://discord.com/app", body.lastURL)
    assert.are.equal("cookies", body.type)
    assert.are.equal("t0k", body.fields.token)
  end)

  it("cancels a session with DELETE", function()
    local s = assert(client.bridges.login_sessions.create("local-whatsapp"))
    local c = assert(client.bridges.login_sessions.cancel("local-whatsapp", s.loginSessionID))
    assert.are.same({ bridgeID = "local-whatsapp", loginSessionID = s.loginSessionID, status = "cancelled" }, c)
    assert.are.equal("DELETE", helper.last_request(sim).method)
    s = assert(client.bridges.login_sessions.get("local-whatsapp", s.loginSessionID))
    assert.are.equal("cancelled", s.status)
  end)

  it("reconnects with login and account ids spelled as the API wants", function()
    local s = assert(client.bridges.login_sessions.create("telegram",
      { flow_id = "phone", login_id = "login_7", account_id = "acct_7" }))
    assert.are.equal("login_7", s.loginID)
    local body = require("cjson").decode(helper.last_request(sim).body)
    assert.are.same({ flowID = "phone", loginID = "login_7", accountID = "acct_7" }, body)
  end)

  it("lists, gets and removes bridge logins", function()
    local s = assert(client.bridges.login_sessions.create("discordgo"))
    s = assert(client.bridges.login_sessions.steps.submit("discordgo", s.loginSessionID, s.currentStep.stepID,
      { type = "cookies", fields = { token = "a", session = "b" } }))
    local id = s.login.loginID
    local logins = assert(client.bridges.logins.list("discordgo"))
    assert.are.equal(id, logins.items[1].loginID)
    assert.are.equal(id, assert(client.bridges.logins.get("discordgo", id)).loginID)
    local removed = assert(client.bridges.logins.remove("discordgo", id, { scope = "current-device" }))
    assert.are.equal("removed", removed.status)
  end)

  it("answers 404 for an unknown bridge as an http error value", function()
    local r, err = client.bridges.get("no-such-bridge")
    assert.is_nil(r)
    assert.are.equal("http", err.kind)
    assert.are.equal(404, err.status)
    assert.are.equal("NOT_FOUND", err.code)
    assert.is_string(err.message)
    assert.matches("404 NOT_FOUND", tostring(err))
  end)

  it("reads /v1/info without a token", function()
    local anon = helper.client(sim, { access_token = "" })
    local info = assert(anon.info())
    assert.is_table(info.app)
    assert.is_nil(helper.last_request(sim).headers.authorization)
    anon:close()
  end)

  it("raises for programmer errors before sending anything", function()
    sim:clear_requests()
    assert.has_error(function() client.bridges.get("") end, "beeper: bridge_id must not be empty")
    assert.has_error(function() client.bridges.login_sessions.create("x", { flow = "qr" }) end,
      "beeper: bridges.login_sessions.create: unknown parameter 'flow'")
    assert.has_error(function() client.bridges.login_sessions.steps.submit("x", "y", "z", {}) end,
      "beeper: bridges.login_sessions.steps.submit: missing required parameter 'type'")
    assert.has_error(function() client.bridges.list({ timout = 1 }) end,
      "beeper: bridges.list: unknown option 'timout'")
    assert.are.equal(0, #sim:requests())
  end)
end)
