-- Issue 13: sign_in continues past the code when the new device must be
-- verified: recovery key, SAS emoji comparison, or a QR code the other
-- device scans; against the simulator's verification model.
local helper = require "spec.helper"
local beeper = require "beeper"

local KEY = "EsTj 3yST y93F SLpB jJsz eAXc 2XzA ygD3 w69H fGaN TKBj jXEd"

describe("#13 device verification", function()
  local sim, anon
  setup(function()
    sim = helper.start_sim()
    anon = helper.client(sim, { access_token = "" })
  end)
  teardown(function()
    anon:close()
    sim:stop()
  end)
  before_each(function() sim:reset() end)

  local function ui_for(method, seen)
    return {
      code = function() return "123456" end,
      register = function(r) return r.usernameSuggestions[1] end,
      verify = function(info) seen.state = info.state.state; return method end,
      recovery_key = function(info)
        seen.keys = (seen.keys or 0) + 1
        if seen.keys == 1 then return "not the key" end
        seen.refused = info.error and info.error.code
        return KEY
      end,
      sas = function(v) seen.emojis = v.sas.emojis; return seen.match ~= false end,
      qr = function(v) seen.qr = v.qr.data end,
      progress = function(v) seen.progress = (seen.progress or 0) + 1; seen.last = v.state end,
    }
  end

  for _, method in ipairs { "recovery_key", "sas", "qr" } do
    it("signs in and verifies with " .. method, function()
      local seen = {}
      local creds, err = beeper.sign_in(anon, "verify-" .. method .. "@example.com", ui_for(method, seen),
        { interval = 0.02 })
      assert.is_table(creds, tostring(err))
      assert.are.equal("needs-verification", seen.state)
      assert.are.equal("ready", creds.session.state)
      if method == "recovery_key" then
        assert.are.equal(2, seen.keys)
        assert.are.equal("INVALID_RECOVERY_KEY", seen.refused)
      elseif method == "sas" then
        assert.matches("🐶", seen.emojis)
      else
        assert.matches("^MATRIX%-SIM%-QR:", seen.qr)
        assert.is_true(seen.progress >= 1)
      end
      -- The server agrees: the device is verified.
      local authed = helper.client(sim, { access_token = creds.access_token })
      assert.are.equal("ready", assert(authed.app.setup.get()).state)
      authed:close()
    end)
  end

  it("ends with kind failed when the emojis differ, and cancels the verification", function()
    local seen = { match = false }
    local creds, err = beeper.sign_in(anon, "verify-sas@example.com", ui_for("sas", seen), { interval = 0.02 })
    assert.is_nil(creds)
    assert.are.equal("failed", err.kind)
    local cancels = 0
    for _, r in ipairs(sim:requests()) do
      if r.method == "POST" and r.path:match("/cancel$") then cancels = cancels + 1 end
    end
    assert.are.equal(1, cancels)
  end)

  it("runs as a task with a callback, never blocking", function()
    local seen, got = {}, nil
    local task = beeper.sign_in(anon, "verify-qr@example.com", ui_for("qr", seen),
      { interval = 0.02, callback = function(err, creds) got = { err, creds } end })
    assert.is_function(task.cancel)
    assert.is_nil(got)
    beeper.run()
    assert.is_nil(got[1])
    assert.are.equal("ready", got[2].session.state)
  end)

  it("aborts when ui.verify returns nil; without ui.verify the credentials say what is needed", function()
    local ui = ui_for(nil, {})
    local creds, err = beeper.sign_in(anon, "verify-x@example.com", ui, { interval = 0.02 })
    assert.is_nil(creds)
    assert.are.equal("aborted", err.kind)
    ui.verify = nil
    creds = assert(beeper.sign_in(anon, "verify-y@example.com", ui))
    assert.are.equal("needs-verification", creds.session.state)
    -- ...and beeper.verify finishes it later with the new token.
    local authed = helper.client(sim, { access_token = creds.access_token })
    local state = assert(beeper.verify(authed, { verify = function() return "recovery_key" end,
      recovery_key = function() return KEY end }))
    assert.are.equal("ready", state.state)
    authed:close()
  end)
end)
