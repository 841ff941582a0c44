-- Device verification and the recovery key, after app sign-in
-- (REFERENCE.md §4.6–4.17): the verification transactions under
-- /v1/app/setup/verifications and the recovery-key calls under
-- /v1/app/setup/verification. A verified device (or a right recovery key)
-- turns the setup state to "ready".
-- The other device is simulated; config says how it behaves:
--   verification_polls (2)  GETs of a verification (or of /v1/app/setup)
--                           before it accepts our request, and again before
--                           it scans the QR code we show
--   peer_scans_qr (true)    it scans our QR code once ready, unless SAS began
--   sas_mismatch (false)    its emojis differ: sas.confirm cancels the
--                           verification (m.mismatched_sas)
--   incoming_verification   (false) after sign-in it has already asked to
--                           verify us: an incoming request waits for accept
--   recovery_key, peer_qr   the account's recovery key; the QR code the
--                           other device shows (for qr/scan)
local clock = require "beeper.sim.clock"

local M = {}

M.RECOVERY_KEY = "EsTj 3yST y93F SLpB jJsz eAXc 2XzA ygD3 w69H fGaN TKBj jXEd"
M.PEER_QR = "MATRIX-SIM-PEER-QR"
M.EMOJIS = "🐶 🔑 🎸 🌵 🚀 🍕 ⚓"
M.DECIMALS = "1234 5678 9012"

local EMPTY = "\0[]"
local OTHER_DEVICE = { id = "SIMPHONE", name = "Beeper on Sim Phone" }

local function err(status, code, message)
  return status, { code = code, message = message }
end

local function cfg(state, key, default)
  local v = state.config[key]
  if v == nil then return default end
  return v
end

local function normal_key(k)
  return type(k) == "string" and k:gsub("%s+", "") or nil
end

local ACTIONS = {
  requested = function(v) return v.direction == "incoming" and { "accept", "cancel" } or { "cancel" } end,
  ready = function() return { "sas.start", "cancel" } end,
  qr_scanned = function() return { "qr.confirmScanned", "cancel" } end,
  sas_ready = function() return { "sas.confirm", "cancel" } end,
}

function M.json(v)
  local actions = ACTIONS[v.state] and ACTIONS[v.state](v) or EMPTY
  local out = { id = v.id, availableActions = actions, direction = v.direction, methods = v.methods,
    purpose = v.purpose, state = v.state, otherDevice = OTHER_DEVICE, otherUserID = v.otherUserID, error = v.error }
  if v.state == "ready" then out.qr = { data = "MATRIX-SIM-QR:" .. v.id } end
  if v.state == "sas_ready" then out.sas = { emojis = M.EMOJIS, decimals = M.DECIMALS } end
  return out
end

-- The verification the setup state shows: the newest one.
function M.current(state)
  local list = state.setup.verifications
  return list and list[#list]
end

local function finish(state)
  local setup = state.setup
  if setup.state == "needs-verification" or setup.state == "needs-secrets" then
    setup.state = "ready"
    setup.secrets = true
  end
end

local function new(state, f)
  local setup = state.setup
  setup.verifications = setup.verifications or {}
  local v = { id = state:next_id("verif_"), direction = f.direction, purpose = f.purpose or "device",
    methods = f.methods or { "sas", "qr" }, state = f.state or "requested", polls = 0, otherUserID = f.otherUserID }
  setup.verifications[#setup.verifications + 1] = v
  setup.by_id = setup.by_id or {}
  setup.by_id[v.id] = v
  return v
end

-- After sign-in: the other device's own request, when configured.
function M.signed_in(state)
  if state.setup.state == "needs-verification" and cfg(state, "incoming_verification", false) then
    new(state, { direction = "incoming", purpose = "login" })
  end
end

-- Time passes for the other device: a GET of the setup state or of a verification.
function M.tick(state)
  local n = cfg(state, "verification_polls", 2)
  for _, v in ipairs(state.setup.verifications or {}) do
    if v.state == "requested" and v.direction == "outgoing" then
      v.polls = v.polls + 1
      if v.polls >= n then v.state, v.polls = "ready", 0 end
    elseif v.state == "ready" and not v.sas and cfg(state, "peer_scans_qr", true) then
      v.polls = v.polls + 1
      if v.polls >= n then v.state, v.polls = "qr_scanned", 0 end
    end
  end
end

local function answer(state, v)
  return 200, { session = state:setup_state(), verification = v and M.json(v) or nil }
end

local function action(state, v, name, body)
  local allowed = ACTIONS[v.state] and ACTIONS[v.state](v) or {}
  local ok = false
  for _, a in ipairs(allowed) do ok = ok or a == name end
  if not ok then
    return err(409, "INVALID_VERIFICATION_STATE", "'" .. name .. "' is not available in state " .. v.state)
  end
  if name == "accept" then
    v.state = "ready"
  elseif name == "cancel" then
    v.state = "cancelled"
    v.error = { code = body.code or "m.user", reason = body.reason or "The user cancelled the verification" }
  elseif name == "sas.start" then
    v.state, v.sas = "sas_ready", true
  elseif name == "sas.confirm" then
    if cfg(state, "sas_mismatch", false) then
      v.state = "cancelled"
      v.error = { code = "m.mismatched_sas", reason = "The emojis did not match on the other device" }
    else
      v.state = "done"
      finish(state)
    end
  elseif name == "qr.confirmScanned" then
    v.state = "done"
    finish(state)
  end
  return answer(state, v)
end

local function check_string(body, name, required)
  local v = body[name]
  if v == nil and not required then return true end
  return type(v) == "string" and v ~= ""
end

-- A new recovery key, in the 12 groups of 4 the apps show.
local function new_key(state)
  local alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
  local x = 7919 * (state.counter + 17)
  local chars = { "E", "s", "T" }
  for _ = 4, 48 do
    x = (x * 16807) % 2147483647
    local i = x % #alphabet + 1
    chars[#chars + 1] = alphabet:sub(i, i)
  end
  local groups = {}
  for g = 0, 11 do groups[#groups + 1] = table.concat(chars, "", g * 4 + 1, g * 4 + 4) end
  return table.concat(groups, " ")
end

-- seg: v1 app setup <what> ...; body: the decoded JSON body.
function M.route(state, seg, req, body)
  local setup, m, n = state.setup, req.method, #seg
  if setup.state == "needs-login" then return err(409, "NOT_SIGNED_IN", "sign in first") end
  if seg[4] == "verification" then
    if m ~= "POST" or seg[5] ~= "recovery-key" then return err(404, "NOT_FOUND", "no such route") end
    local key = normal_key(body.recoveryKey)
    local current = normal_key(cfg(state, "recovery_key", M.RECOVERY_KEY))
    if n == 5 then
      if not check_string(body, "recoveryKey", true) then return err(400, "MISSING_RECOVERY_KEY", "recoveryKey is required") end
      if key ~= current then return err(400, "INVALID_RECOVERY_KEY", "That recovery key is not correct") end
      finish(state)
      return 200, { session = state:setup_state() }
    elseif n == 6 and seg[6] == "reset" then
      if not check_string(body, "existingRecoveryKey", false) then
        return err(400, "INVALID_RECOVERY_KEY", "existingRecoveryKey must be a non-empty string")
      end
      if body.existingRecoveryKey and normal_key(body.existingRecoveryKey) ~= current then
        return err(400, "INVALID_RECOVERY_KEY", "The existing recovery key is not correct")
      end
      state.counter = state.counter + 1
      setup.pending_key = new_key(state)
      return 200, { recoveryKey = setup.pending_key, session = state:setup_state() }
    elseif n == 7 and seg[6] == "reset" and seg[7] == "confirm" then
      if not check_string(body, "recoveryKey", true) then return err(400, "MISSING_RECOVERY_KEY", "recoveryKey is required") end
      if not setup.pending_key then return err(409, "NO_RESET_PENDING", "reset the recovery key first") end
      if key ~= normal_key(setup.pending_key) then
        return err(400, "INVALID_RECOVERY_KEY", "That is not the new recovery key")
      end
      state.config.recovery_key, setup.pending_key = setup.pending_key, nil
      setup.key_generated_at = clock.now_ms() / 1000
      finish(state)
      return 200, { session = state:setup_state() }
    end
    return err(404, "NOT_FOUND", "no such route")
  end
  -- /v1/app/setup/verifications...
  if n == 4 then
    if m == "GET" then
      M.tick(state)
      local items = {}
      for _, v in ipairs(setup.verifications or {}) do
        if v.state ~= "done" and v.state ~= "cancelled" then items[#items + 1] = M.json(v) end
      end
      return 200, { items = #items > 0 and items or EMPTY }
    elseif m == "POST" then
      if body.purpose ~= nil and body.purpose ~= "login" and body.purpose ~= "device" then
        return err(400, "INVALID_PURPOSE", "purpose must be login or device")
      end
      if not check_string(body, "userID", false) then return err(400, "INVALID_USER", "userID must be a string") end
      local me = setup.matrix and setup.matrix.userID
      local v = new(state, { direction = "outgoing", purpose = body.purpose,
        otherUserID = body.userID ~= me and body.userID or nil })
      return answer(state, v)
    end
    return err(405, "METHOD_NOT_ALLOWED", "use GET or POST")
  end
  if n == 6 and seg[5] == "qr" and seg[6] == "scan" and m == "POST" then
    if not check_string(body, "data", true) then return err(400, "MISSING_DATA", "data is required") end
    if body.data ~= cfg(state, "peer_qr", M.PEER_QR) then
      return err(400, "INVALID_QR_DATA", "That QR code is not from one of your devices")
    end
    local v = new(state, { direction = "outgoing", methods = { "qr" }, state = "done" })
    finish(state)
    return answer(state, v)
  end
  local v = setup.by_id and setup.by_id[seg[5]]
  if not v then return err(404, "NOT_FOUND", "unknown verification '" .. tostring(seg[5]) .. "'") end
  if n == 5 then
    if m ~= "GET" then return err(405, "METHOD_NOT_ALLOWED", "use GET") end
    M.tick(state)
    return answer(state, v)
  end
  if m ~= "POST" then return err(405, "METHOD_NOT_ALLOWED", "use POST") end
  local what = table.concat(seg, "/", 6)
  local name = ({ accept = "accept", cancel = "cancel", ["qr/confirm-scanned"] = "qr.confirmScanned",
    ["sas/start"] = "sas.start", ["sas/confirm"] = "sas.confirm" })[what]
  if not name then return err(404, "NOT_FOUND", "no such route") end
  if name == "cancel" and (not check_string(body, "code", false) or not check_string(body, "reason", false)) then
    return err(400, "INVALID_CANCEL", "code and reason must be strings")
  end
  return action(state, v, name, body)
end

return M
