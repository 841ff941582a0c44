-- Step dispatch and submit bodies (pure logic) for every step and display type.
local steps = require "beeper.flows.steps"

describe("steps.dispatch", function()
  local function recorder()
    local seen = {}
    local handlers = {}
    for _, t in ipairs { "user_input", "cookies", "complete" } do
      handlers[t] = function(step, extra) seen[#seen + 1] = { t, step.stepID, extra }; return t end
    end
    handlers.display_and_wait = function(step, display, kind, extra)
      seen[#seen + 1] = { "display_and_wait", kind, display.data or display.imageURL, extra }
      return kind
    end
    return handlers, seen
  end

  it("calls the handler for each step type with extra arguments", function()
    local h, seen = recorder()
    assert.are.equal("user_input", steps.dispatch({ type = "user_input", stepID = "s1", fields = {} }, h, "x"))
    assert.are.equal("cookies", steps.dispatch({ type = "cookies", stepID = "s2", fields = {}, url = "u" }, h))
    assert.are.equal("complete", steps.dispatch({ type = "complete" }, h))
    assert.are.same({ { "user_input", "s1", "x" }, { "cookies", "s2" }, { "complete" } }, seen)
  end)

  it("hands display_and_wait the display and its sub-type", function()
    local h, seen = recorder()
    for _, d in ipairs { { type = "qr", data = "2@q" }, { type = "emoji", imageURL = "https://e/img" },
                         { type = "code", data = "12-34" }, { type = "nothing" } } do
      assert.are.equal(d.type, steps.dispatch({ type = "display_and_wait", stepID = "d", display = d }, h, 7))
    end
    assert.are.same({ { "display_and_wait", "qr", "2@q", 7 }, { "display_and_wait", "emoji", "https://e/img", 7 },
      { "display_and_wait", "code", "12-34", 7 }, { "display_and_wait", "nothing", nil, 7 } }, seen)
  end)

  it("takes display handlers keyed by sub-type", function()
    local got = steps.dispatch({ type = "display_and_wait", display = { type = "code", data = "9" } },
      { display_and_wait = { qr = function() return "qr" end, code = function(_, d) return "code " .. d.data end } })
    assert.are.equal("code 9", got)
  end)

  it("sends unknown step and display types to default, or returns an error value", function()
    local h = { default = function(step) return "default " .. step.type end }
    assert.are.equal("default webauthn", steps.dispatch({ type = "webauthn" }, h))
    assert.are.equal("default display_and_wait",
      steps.dispatch({ type = "display_and_wait", display = { type = "hologram" } }, h))
    local r, err = steps.dispatch({ type = "webauthn" }, {})
    assert.is_nil(r)
    assert.are.equal("step", err.kind)
    assert.matches("unknown step type 'webauthn'", err.message)
    r, err = steps.dispatch({ type = "display_and_wait", display = { type = "hologram" } }, { display_and_wait = function() end })
    assert.is_nil(r)
    assert.matches("unknown display type 'hologram'", err.message)
    r, err = steps.dispatch({ type = "display_and_wait" }, { display_and_wait = function() end })
    assert.is_nil(r)
    assert.matches("unknown display type 'nil'", err.message)
    r, err = steps.dispatch(nil, {})
    assert.is_nil(r)
    assert.matches("no current step", err.message)
    r, err = steps.dispatch({ type = "cookies" }, {})
    assert.is_nil(r)
    assert.matches("no handler for step type 'cookies'", err.message)
  end)
end)

describe("submit bodies", function()
  local step = { type = "user_input", stepID = "s", fields = {
    { id = "phone" }, { id = "password", optional = true }, { id = "name", initialValue = "x" } } }

  it("maps field ids to values and leaves empty optional ones out", function()
    local body = assert(steps.user_input(step, { phone = "+1", password = "", name = "n" }))
    assert.are.same({ type = "user_input", fields = { phone = "+1", name = "n" } }, body)
  end)

  it("refuses a missing required field and an unknown one", function()
    local body, err = steps.user_input(step, { name = "n" })
    assert.is_nil(body)
    assert.are.equal("MISSING_FIELD", err.code)
    assert.are.equal("phone", err.details.field)
    body, err = steps.user_input(step, { phone = "1", name = "n", pin = "0" })
    assert.is_nil(body)
    assert.are.equal("UNKNOWN_FIELD", err.code)
  end)

  it("builds a cookies body with the last URL", function()
    local c = { type = "cookies", fields = { { id = "token", name = "token", type = "local_storage" } } }
    assert.are.same({ type = "cookies", fields = { token = "t" }, last_url = "https://x/app" },
      steps.cookies(c, { token = "t" }, "https://x/app"))
    assert.are.same({ type = "display_and_wait" }, steps.display_and_wait())
  end)
end)
