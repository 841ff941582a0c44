-- Whole flows against the simulator: connect (every step kind, aborts,
-- failures, server-side cancel) and sign-in (both branches).
local helper = require "spec.helper"
local beeper = require "beeper"

-- A scripted ui that records what it was shown.
local function script(answers)
  local seen = {}
  local ui = {
    user_input = function(step)
      seen[#seen + 1] = "user_input"
      return table.remove(answers, 1)
    end,
    cookies = function(step)
      seen[#seen + 1] = "cookies " .. step.url
      return { token = "t", session = "s" }, "https://discord.com/channels/@me"
    end,
    display = function(step, display, kind)
      seen[#seen + 1] = kind
      return answers.keep_waiting ~= false
    end,
    code = function(info)
      seen[#seen + 1] = "code" .. (info.error and (" after " .. info.error.code) or "")
      return table.remove(answers, 1)
    end,
    register = function(reply)
      seen[#seen + 1] = "register"
      return reply.usernameSuggestions[2]
    end,
  }
  return ui, seen
end

local function deletes(sim)
  local n = 0
  for _, r in ipairs(sim:requests()) do if r.method == "DELETE" then n = n + 1 end end
  return n
end

describe("beeper.connect", function()
  local sim, client

  local served = helper.serve(function(s, c) sim, client = s, c end, { loop = "blocking" })
  setup(served.start)
  teardown(served.stop)
  before_each(function()
    sim:reset()
    sim:config { qr_polls = 2 }
  end)

  it("connects through a QR display", function()
    local ui, seen = script {}
    local r = assert(beeper.connect(client, "local-whatsapp", ui, { interval = 0.05 }))
    assert.are.equal("connected", r.account.status)
    assert.is_string(r.login.loginID)
    assert.are.same({ "qr" }, seen)
    assert.are.equal(0, deletes(sim))
  end)

  it("connects through user input steps, listing flows first", function()
    local ui, seen = script { { phone = "+15555550100" }, { code = "424242" } }
    ui.choose_flow = function(flows) return flows[1].id end
    local r = assert(beeper.connect(client, "telegram", ui, { interval = 0.05 }))
    assert.are.equal("complete", r.session.status)
    assert.are.same({ "user_input", "user_input" }, seen)
    assert.are.equal("/v1/bridges/telegram/login-flows", sim:requests()[1].path)
  end)

  it("connects through a cookies step", function()
    local ui, seen = script {}
    assert(beeper.connect(client, "discordgo", ui))
    assert.are.same({ "cookies https://discord.com/login" }, seen)
  end)

  for _, flow in ipairs { "emoji", "code", "nothing" } do
    it("connects through a " .. flow .. " display", function()
      local ui, seen = script {}
      assert(beeper.connect(client, "signal", ui, { flow_id = flow, interval = 0.05 }))
      assert.are.same({ flow }, seen)
    end)
  end

  it("returns a failed flow's error without cancelling", function()
    local ui = script { { phone = "+1" }, { code = "000000" } }
    local r, err = beeper.connect(client, "telegram", ui)
    assert.is_nil(r)
    assert.are.equal("failed", err.kind)
    assert.are.equal("WRONG_CODE", err.code)
    assert.are.equal(0, deletes(sim))
  end)

  it("cancels the session on the server when the ui aborts", function()
    local ui = script {}
    local r, err = beeper.connect(client, "telegram", ui)
    assert.is_nil(r)
    assert.are.equal("aborted", err.kind)
    assert.are.equal(1, deletes(sim))
    local sessions = sim:state().sessions
    for _, s in pairs(sessions) do assert.are.equal("cancelled", s.status) end
  end)

  it("cancels the session on the server when the deadline passes", function()
    sim:config { qr_polls = 1000 }
    local _, err = beeper.connect(client, "local-whatsapp", script {}, { interval = 0.05, deadline = 0.4 })
    assert.are.equal("timeout", err.kind)
    assert.are.equal(1, deletes(sim))
  end)

  it("cancels the session on the server when a ui error escapes, and re-raises it", function()
    local ui = script {}
    ui.display = function() error("terminal went away") end
    assert.has_error(function() beeper.connect(client, "local-whatsapp", ui) end, "terminal went away")
    assert.are.equal(1, deletes(sim))
  end)

  it("returns an error value for a step type it does not know", function()
    sim:fault { method = "POST", path = "/login%-sessions$", status = 200,
      json = { bridgeID = "local-whatsapp", loginSessionID = "ls_x", status = "waiting_for_input",
               currentStep = { type = "webauthn", stepID = "w" } } }
    local _, err = beeper.connect(client, "local-whatsapp", script {})
    assert.are.equal("step", err.kind)
    assert.matches("webauthn", err.message)
  end)

  it("runs without blocking, and cancelling it cancels on the server", function()
    sim:config { qr_polls = 1000 }
    local got
    local task = beeper.connect(client, "local-whatsapp", script {}, { interval = 0.05,
      callback = function(err, r) got = { err, r } end })
    require("beeper.loop.blocking").default().start_timer(300, function() task.cancel() end)
    beeper.run()
    assert.are.equal("cancelled", got[1].kind)
    assert.are.equal(1, deletes(sim))
  end)
end)

describe("beeper.sign_in", function()
  local sim, client

  local served = helper.serve(function(s, c) sim, client = s, c end, { access_token = "" })
  setup(served.start)
  teardown(served.stop)
  before_each(function() sim:reset() end)

  it("signs in an existing account, asking again after a wrong code", function()
    local ui, seen = script { "111111", "123456" }
    local creds = assert(beeper.sign_in(client, "ada@example.com", ui))
    assert.are.equal(sim.token, creds.access_token)
    assert.are.same({ "code", "code after INVALID_CODE" }, seen)
    assert.is_nil(tostring(creds):find(sim.token, 1, true))
    assert.are.equal("ready", creds.session.state)
  end)

  it("registers a new account with a suggested username", function()
    local ui, seen = script { "123456" }
    local creds = assert(beeper.sign_in(client, "new-person@example.com", ui))
    assert.are.same({ "code", "register" }, seen)
    assert.matches("^@newperson42:", creds.user_id)
  end)

  it("stops when the user gives no code", function()
    local _, err = beeper.sign_in(client, "ada@example.com", script {})
    assert.are.equal("aborted", err.kind)
  end)

  it("signs in without blocking", function()
    local got
    beeper.sign_in(client, "ada@example.com", script { "123456" }, {
      callback = function(err, c) got = { err, c } end })
    beeper.run()
    assert.is_nil(got[1])
    assert.are.equal(sim.token, got[2].access_token)
  end)
end)
