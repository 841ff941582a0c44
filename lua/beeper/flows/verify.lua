-- Device verification after sign-in (REFERENCE.md §4.6–4.17): a new device
-- proves itself with the account's recovery key, or another signed-in
-- device confirms it (SAS emoji comparison, or that device scans our QR).
--   beeper.verify(client, ui, opts) --> setup state ("ready") | nil, err
-- The client must hold the new device's token (sign_in does this by
-- itself when the ui has a verify function). ui:
--   verify(info)        -> "recovery_key" | "sas" | "qr" (nil aborts); info has
--                          state (the setup state) and methods
--   recovery_key(info)  -> the key (info.error: why the last one was refused)
--   sas(verification)   -> true when verification.sas.emojis match the other
--                          device's, false when they do not (cancels)
--   qr(verification)    shows verification.qr.data for the other device to
--                          scan; returning false aborts
--   progress(verification) optional, with every state seen
-- opts: interval (seconds between reads, default 1), deadline (seconds),
-- key_attempts (default 3), callback (non-blocking: a task).
local async = require "beeper.transport.async"
local errors = require "beeper.transport.errors"
local ui_call = require "beeper.ui.call"

local M = {}

local ask, ui_error, aborted = ui_call.ask, ui_call.ui_error, ui_call.aborted
local NEEDS = { ["needs-verification"] = true, ["needs-secrets"] = true }

function M.needed(state)
  return type(state) == "table" and NEEDS[state.state] == true
end

local function failed(v, message)
  local e = v and v.error or {}
  return errors.new { kind = "failed", code = e.code, message = e.reason or message, verification = v }
end

local function recovery_key(client, ui, state, opts)
  local err
  for _ = 1, opts.key_attempts or 3 do
    local ok, key = ask(ui, "recovery_key", { state = state, error = err })
    if not ok then return nil, ui_error(key) end
    if key == nil then return nil, aborted("verification") end
    local r
    r, err = client.app.setup.recovery_key.verify { recovery_key = tostring(key) }
    if r then return r.session end
    if err.kind ~= "http" or err.status ~= 400 then return nil, err end
  end
  return nil, err
end

-- Re-reads the verification until want(v) or it ends; returns it.
local function wait_for(client, v, want, ui, opts, started)
  local now = require("beeper.core").now
  while not want(v) do
    if v.state == "cancelled" or v.state == "error" then return nil, failed(v, "verification " .. v.state) end
    if opts.deadline and now() - started > opts.deadline then
      return nil, errors.new { kind = "timeout", message = "verification did not finish within "
        .. opts.deadline .. " s", verification = v }
    end
    local ok, werr = async.sleep(client, opts.interval or 1)
    if not ok then return nil, werr end
    local r, err = client.app.setup.verifications.get(v.id)
    if not r then return nil, err end
    v = r.verification or v
    local asked, raised = ask(ui, "progress", v)
    if not asked then return nil, ui_error(raised) end
  end
  return v
end

local function state_is(name) return function(v) return v.state == name end end

-- The other device confirms us, by emojis or by scanning our QR code.
local function interactive(client, ui, method, opts)
  local started = require("beeper.core").now()
  local r, err = client.app.setup.verifications.create { purpose = "login" }
  if not r then return nil, err end
  local v = r.verification
  if not v then return r.session end -- nothing left to verify
  local function give_up(e)
    async.shield()
    client.app.setup.verifications.cancel(v.id, { code = "m.user", reason = "cancelled" }, { max_retries = 0 })
    return nil, e
  end
  v, err = wait_for(client, v, function(x) return x.state ~= "requested" end, ui, opts, started)
  if not v then return give_up(err) end
  if method == "sas" then
    r, err = client.app.setup.verifications.sas.start(v.id)
    if not r then return give_up(err) end
    v = r.verification
    local ok, same = ask(ui, "sas", v)
    if not ok then return give_up(ui_error(same)) end
    if same ~= true then
      client.app.setup.verifications.cancel(v.id, { code = "m.mismatched_sas", reason = "emojis differ" })
      return nil, failed(nil, "the emojis did not match")
    end
    r, err = client.app.setup.verifications.sas.confirm(v.id)
    if not r then return give_up(err) end
    v = r.verification
  else
    local ok, keep = ask(ui, "qr", v)
    if not ok then return give_up(ui_error(keep)) end
    if keep == false then return give_up(aborted("verification")) end
    v, err = wait_for(client, v, state_is("qr_scanned"), ui, opts, started)
    if not v then return give_up(err) end
    r, err = client.app.setup.verifications.qr.confirm_scanned(v.id)
    if not r then return give_up(err) end
    v = r.verification
  end
  if v and v.state ~= "done" then return nil, failed(v, "verification " .. tostring(v.state)) end
  return r.session
end

local function verify(client, ui, opts)
  local state, err = client.app.setup.get()
  if not state then return nil, err end
  if not M.needed(state) then return state end
  local ok, method = ask(ui, "verify", { state = state, methods = { "recovery_key", "sas", "qr" } })
  if not ok then return nil, ui_error(method) end
  if method == nil then return nil, aborted("verification") end
  local session
  if method == "recovery_key" then
    session, err = recovery_key(client, ui, state, opts)
  elseif method == "sas" or method == "qr" then
    session, err = interactive(client, ui, method, opts)
  else
    return nil, ui_error("ui.verify returned an unknown method '" .. tostring(method) .. "'")
  end
  if not session then return nil, err end
  if session.state ~= "ready" then
    local now
    now, err = client.app.setup.get()
    if not now then return nil, err end
    session = now
  end
  return session
end
M.run = verify

return M
