-- The simulated Beeper Desktop: bridges, scripted login flows and app
-- sign-in (with device verification, beeper.sim.verification), held in
-- memory, and the Desktop API's chats, messages and the rest
-- (beeper.sim.desktop). handle(req) returns status, value, headers and, for
-- a binary answer, the raw body.
local cjson = require("cjson").new()
local desktop = require "beeper.sim.desktop"
local verification = require "beeper.sim.verification"

local M = {}

local NULL = cjson.null
local EMPTY = "\0[]" -- encodes as "\u0000[]", turned into [] by M.encode

function M.encode(v)
  return (cjson.encode(v):gsub('"\\u0000%[%]"', "[]"))
end

local function list(t)
  if #t == 0 then return EMPTY end
  return t
end

local function err(status, code, message, details)
  return status, { code = code, message = message, details = details }
end

local BRIDGES = {
  { id = "local-whatsapp", displayName = "WhatsApp", provider = "local", type = "whatsapp",
    network = "WhatsApp", flows = { { id = "qr", name = "QR code", description = "Scan with WhatsApp on your phone" } } },
  -- telegram's two existing logins and discordgo's come from beeper.sim.desktop.seed.
  { id = "telegram", displayName = "Telegram", provider = "cloud", type = "telegram", network = "Telegram",
    statusText = NULL,
    flows = { { id = "phone", name = "Phone number", description = "Sign in with a code sent to Telegram" } } },
  { id = "discordgo", displayName = "Discord", provider = "cloud", type = "discordgo", network = "Discord",
    flows = { { id = "cookies", name = "Browser", description = "Sign in on discord.com" } } },
  { id = "signal", displayName = "Signal", provider = "local", type = "signal", network = "Signal",
    flows = { { id = "emoji", name = "Emoji" }, { id = "code", name = "Code" }, { id = "nothing", name = "Wait" } } },
  { id = "failing", displayName = "Broken bridge", provider = "local", type = "broken",
    flows = { { id = "default", name = "Default" } } },
}

-- Each flow is a list of steps; a step says how it moves on.
local function display_step(display) return { type = "display_and_wait", display = display, polls = true } end
local FLOWS = {
  qr = { display_step { type = "qr", data = "2@c2ltdWxhdGVk,ZGVza3RvcA==,YmVlcGVyLWx1YQ==" } },
  emoji = { display_step { type = "emoji", imageURL = "https://example.invalid/emoji.png" } },
  code = { display_step { type = "code", data = "123-456" } },
  nothing = { display_step { type = "nothing" } },
  default = { { type = "display_and_wait", display = { type = "nothing" }, fails = true } },
  phone = {
    { type = "user_input", instructions = "Enter your phone number",
      fields = { { id = "phone", type = "text", label = "Phone number", placeholder = "+1 555 555 0100" },
                 { id = "password", type = "password", label = "Two-step password", optional = true } } },
    { type = "user_input", instructions = "Enter the code Telegram sent you",
      fields = { { id = "code", type = "text", label = "Code" } }, wrong = "000000" },
  },
  cookies = {
    { type = "cookies", url = "https://discord.com/login", userAgent = "Mozilla/5.0 (beeper-sim)",
      extractJS = "return localStorage.token", expectedFinalURLRegex = "^https://discord%.com/channels",
      instructions = "Sign in to Discord in the browser",
      fields = { { id = "token", name = "token", type = "local_storage" },
                 { id = "session", name = "__session", type = "cookie" } } },
  },
}

local SETUP_COPY = { submit = "Continue", title = "Choose your username", usernamePlaceholder = "Username",
  terms = "By continuing, you agree to the Terms of Use and acknowledge the Privacy Policy." }

local State = {}
State.__index = State

function M.new(config)
  local self = setmetatable({ config = config, counter = 0, sessions = {}, bridges = {},
    setup = { state = "needs-login", requests = {}, leads = {} } }, State)
  for _, b in ipairs(BRIDGES) do
    self.bridges[b.id] = { def = b, accounts = {}, logins = {} }
  end
  self.desktop = desktop.new(config, function(account)
    local b = self.bridges[account.bridge.id]
    if b then b.accounts[#b.accounts + 1] = account end
  end)
  return self
end

function State:next_id(prefix)
  self.counter = self.counter + 1
  return prefix .. self.counter
end

function State:bridge_json(id)
  local b = self.bridges[id]
  local d = b.def
  return { id = d.id, accounts = list(b.accounts), activeAccountCount = #b.accounts, displayName = d.displayName,
    provider = d.provider, status = "available", supportsMultipleAccounts = true, type = d.type,
    network = d.network, statusText = d.statusText }
end

function State:session_json(s)
  local out = { bridgeID = s.bridge, loginSessionID = s.id, status = s.status, error = s.error,
    login = s.login, account = s.account, loginID = s.loginID, accountID = s.accountID }
  if s.status ~= "complete" and s.status ~= "failed" and s.status ~= "cancelled" then
    local step = FLOWS[s.flow][s.step]
    out.currentStep = { type = step.type, stepID = s.id .. "_step" .. s.step, instructions = step.instructions,
      fields = step.fields, display = step.display, url = step.url, userAgent = step.userAgent,
      extractJS = step.extractJS, expectedFinalURLRegex = step.expectedFinalURLRegex }
  end
  return out
end

local STATUS_OF = { user_input = "waiting_for_input", cookies = "waiting_for_cookies",
                    display_and_wait = "waiting_for_display" }

function State:advance(s)
  s.step = s.step + 1
  local step = FLOWS[s.flow][s.step]
  if step then
    s.status, s.polls = STATUS_OF[step.type], 0
    return
  end
  local b = self.bridges[s.bridge]
  local n = self.counter + 1
  local login_id = s.loginID or self:next_id("login_")
  local account = { accountID = s.accountID or (s.bridge .. "_ba_" .. n),
    bridge = { id = s.bridge, provider = b.def.provider, type = b.def.type }, status = "connected",
    user = { id = "@simuser" .. n .. ":beeper.local", fullName = "Sim User " .. n, isSelf = true },
    loginID = login_id, network = b.def.network }
  s.status = "complete"
  s.account = account
  s.login = { bridgeID = s.bridge, loginID = login_id, removeScopes = { "current-device", "all-devices" },
    status = "connected", accountIDs = { account.accountID } }
  b.accounts[#b.accounts + 1] = account
  b.logins[#b.logins + 1] = s.login
  self.desktop:add_account(account)
end

-- A GET (or a display_and_wait submit) on a session: time passes.
function State:poll(s)
  local step = FLOWS[s.flow][s.step]
  if s.status ~= "waiting_for_display" or not step then return end
  if step.fails then
    s.status = "failed"
    s.error = { code = "BRIDGE_UNAVAILABLE", message = "The bridge is not reachable", details = { retryable = false } }
    return
  end
  s.polls = s.polls + 1
  if s.polls >= self.config.qr_polls then self:advance(s) end
end

function State:create_session(bridge_id, body)
  local b = self.bridges[bridge_id]
  local flow = body.flowID or b.def.flows[1].id
  local known = false
  for _, f in ipairs(b.def.flows) do known = known or f.id == flow end
  if not known or not FLOWS[flow] then return err(400, "UNKNOWN_FLOW", "unknown flow '" .. tostring(flow) .. "'") end
  local s = { id = self:next_id("ls_"), bridge = bridge_id, flow = flow, step = 0,
    loginID = body.loginID, accountID = body.accountID }
  self.sessions[s.id] = s
  self:advance(s)
  return 200, self:session_json(s)
end

function State:submit(s, step_id, body)
  if s.status == "complete" or s.status == "failed" or s.status == "cancelled" then
    return err(409, "SESSION_ENDED", "the login session has ended")
  end
  local step = FLOWS[s.flow][s.step]
  if step_id ~= s.id .. "_step" .. s.step then return err(409, "STEP_MISMATCH", "not the current step") end
  if body.type ~= step.type then return err(400, "STEP_TYPE_MISMATCH", "the current step is " .. step.type) end
  if step.type == "display_and_wait" then
    self:poll(s)
    return 200, self:session_json(s)
  end
  local fields = type(body.fields) == "table" and body.fields or {}
  for _, f in ipairs(step.fields) do
    if not f.optional and (type(fields[f.id]) ~= "string" or fields[f.id] == "") then
      return err(400, "MISSING_FIELD", "field '" .. f.id .. "' is required", { field = f.id })
    end
  end
  if step.wrong and fields.code == step.wrong then
    s.status = "failed"
    s.error = { code = "WRONG_CODE", message = "The code is not correct", details = { attempts = 1 } }
  else
    self:advance(s)
  end
  return 200, self:session_json(s)
end

function State:bridges_route(seg, req, body)
  local m, n = req.method, #seg
  if n == 2 then
    if m ~= "GET" then return err(405, "METHOD_NOT_ALLOWED", "use GET") end
    local items = {}
    for _, d in ipairs(BRIDGES) do items[#items + 1] = self:bridge_json(d.id) end
    return 200, { items = items }
  end
  local b = self.bridges[seg[3]]
  if not b then return err(404, "NOT_FOUND", "unknown bridge '" .. seg[3] .. "'") end
  local what = seg[4]
  if n == 3 and m == "GET" then return 200, self:bridge_json(seg[3]) end
  if n == 4 and what == "capabilities" and m == "GET" then
    return 200, { group_creation = { dm = { type = "dm", max_participants = 2 } }, image_pack_import = false,
      resolve_identifier = { any_phone = true, contact_list = true, create_dm = true, lookup_email = false,
        lookup_phone = true, lookup_username = false, search = false } }
  end
  if n == 4 and what == "login-flows" and m == "GET" then return 200, { items = b.def.flows } end
  if n == 4 and what == "login-sessions" and m == "POST" then return self:create_session(seg[3], body) end
  if what == "login-sessions" and n >= 5 then
    local s = self.sessions[seg[5]]
    if not s or s.bridge ~= seg[3] then return err(404, "NOT_FOUND", "unknown login session") end
    if n == 5 and m == "GET" then
      self:poll(s)
      return 200, self:session_json(s)
    elseif n == 5 and m == "DELETE" then
      if s.status ~= "complete" and s.status ~= "failed" then s.status = "cancelled" end
      return 200, { bridgeID = s.bridge, loginSessionID = s.id, status = "cancelled" }
    elseif n == 7 and seg[6] == "steps" and m == "POST" then
      return self:submit(s, seg[7], body)
    end
  end
  if what == "logins" then
    if n == 4 and m == "GET" then return 200, { items = list(b.logins) } end
    local login
    for _, l in ipairs(b.logins) do if l.loginID == seg[5] then login = l end end
    if not login then return err(404, "NOT_FOUND", "unknown login") end
    if n == 5 and m == "GET" then return 200, login end
    if n == 6 and seg[6] == "remove" and m == "POST" then
      if body.scope ~= "current-device" and body.scope ~= "all-devices" then
        return err(400, "INVALID_SCOPE", "scope must be current-device or all-devices")
      end
      return 200, { bridgeID = seg[3], loginID = login.loginID, scope = body.scope, status = "removed",
        affectedAccountIDs = login.accountIDs }
    end
  end
  return err(404, "NOT_FOUND", "no such route")
end

function State:setup_state()
  local setup = self.setup
  local st = setup.state
  local ready, signed = st == "ready", st ~= "needs-login"
  local secrets = setup.secrets or false
  local e2ee = { crossSigning = signed, firstSyncDone = ready, hasBackedUpRecoveryKey = secrets,
    initialized = signed, keyBackup = ready, secretStorage = signed, verified = ready,
    secrets = { masterKey = secrets, megolmBackupKey = secrets, recoveryKey = secrets, selfSigningKey = secrets,
      userSigningKey = secrets } }
  local out = { state = st, e2ee = e2ee }
  if signed then
    e2ee.recoveryKeyGeneratedAt = setup.key_generated_at or 1700000000.5
    out.matrix = setup.matrix
    local v = verification.current(self)
    if v then out.verification = verification.json(v) end
  end
  return out
end

-- What sign-in leads to: config.verify ("verification", true, "secrets")
-- or the email (verify…@ / secrets…@) can make the new device unverified.
local function after_sign_in(config, email)
  local v = config.verify
  if v == true or v == "verification" or (email or ""):match("^verify") then return "needs-verification" end
  if v == "secrets" or (email or ""):match("^secrets") then return "needs-secrets" end
  return "ready"
end

function State:signed_in(username, email)
  local user = "@" .. username .. ":beeper.local"
  self.setup.state = after_sign_in(self.config, email)
  self.setup.matrix = { deviceID = "SIMDEVICE", homeserver = "https://matrix.beeper.local", userID = user }
  verification.signed_in(self)
  return 200, { matrix = { accessToken = self.config.token, deviceID = "SIMDEVICE",
    homeserver = "https://matrix.beeper.local", userID = user }, session = self:setup_state() }
end

function State:setup_route(seg, req, body)
  local what, setup = seg[4], self.setup
  if #seg == 3 then
    if req.method ~= "GET" then return err(405, "METHOD_NOT_ALLOWED", "use GET") end
    verification.tick(self)
    return 200, self:setup_state()
  end
  if what == "verifications" or what == "verification" then return verification.route(self, seg, req, body) end
  if req.method ~= "POST" or #seg ~= 4 then return err(404, "NOT_FOUND", "no such route") end
  if what == "start" then
    local id = self:next_id("sr_")
    setup.requests[id] = {}
    return 200, { setupRequestID = id, signInMethods = { "email" } }
  end
  local r = setup.requests[body.setupRequestID]
  if what == "email" then
    if not r then return err(404, "UNKNOWN_SETUP_REQUEST", "unknown setupRequestID") end
    if type(body.email) ~= "string" or body.email == "" then return err(400, "MISSING_EMAIL", "email is required") end
    r.email = body.email
    return 204, nil
  elseif what == "response" then
    if not r or not r.email then return err(400, "UNKNOWN_SETUP_REQUEST", "start and email first") end
    if body.response ~= "123456" then return err(400, "INVALID_CODE", "That code is not valid") end
    if r.email:match("^new") then
      local id, lead = self:next_id("sr_"), self:next_id("lead_")
      setup.requests[id] = { email = r.email, lead = lead }
      local base = r.email:match("^([^@]+)"):gsub("[^%w]", "")
      return 200, { registrationRequired = true, leadToken = lead, setupRequestID = id, copy = SETUP_COPY,
        usernameSuggestions = { base, base .. "42", base .. "_lua" } }
    end
    return self:signed_in(r.email:match("^([^@]+)"), r.email)
  elseif what == "register" then
    if body.acceptTerms ~= true then return err(400, "TERMS_NOT_ACCEPTED", "acceptTerms must be true") end
    if not r or r.lead == nil or r.lead ~= body.leadToken then
      return err(400, "INVALID_LEAD", "unknown leadToken or setupRequestID")
    end
    if type(body.username) ~= "string" or body.username == "" then return err(400, "MISSING_USERNAME", "username is required") end
    return self:signed_in(body.username, r.email)
  end
  return err(404, "NOT_FOUND", "no such route")
end

local PUBLIC = { ["POST /v1/app/setup/start"] = true, ["POST /v1/app/setup/email"] = true,
  ["POST /v1/app/setup/response"] = true, ["POST /v1/app/setup/register"] = true, ["GET /v1/info"] = true }

-- req: method, path (without query), query (raw), segments (decoded),
-- headers, body.
function State:handle(req)
  local seg = req.segments
  if not PUBLIC[req.method .. " " .. req.path] then
    if req.headers.authorization ~= "Bearer " .. self.config.token then
      return err(401, "UNAUTHORIZED", "missing or wrong access token")
    end
  end
  if desktop.owns(seg) then return self.desktop:handle(req) end
  -- The bridge and setup calls take JSON; a form is not JSON.
  if (req.headers["content-type"] or ""):lower():match("^%s*multipart/") then
    return err(400, "INVALID_CONTENT_TYPE", "this operation takes a JSON body")
  end
  local body = {}
  if req.body ~= "" then
    local ok, v = pcall(cjson.decode, req.body)
    if not ok or type(v) ~= "table" then return err(400, "INVALID_JSON", "the body is not a JSON object") end
    body = v
  end
  if seg[1] ~= "v1" then return err(404, "NOT_FOUND", "no such route") end
  if seg[2] == "bridges" then
    return self:bridges_route(seg, req, body)
  elseif seg[2] == "app" and seg[3] == "setup" then
    return self:setup_route(seg, req, body)
  end
  return err(404, "NOT_FOUND", "no such route")
end

function State:dump()
  local sessions = {}
  for id, s in pairs(self.sessions) do sessions[id] = self:session_json(s) end
  return { sessions = sessions, setup = self:setup_state(), desktop = self.desktop:dump() }
end

return M
