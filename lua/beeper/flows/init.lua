--- Whole flows on top of the calls: connecting a chat account through a
-- bridge login session, and signing in to Beeper with an emailed code.
-- Both take a `ui` table of functions (see beeper.tui for a terminal one);
-- a ui function that returns nil aborts the flow. A ui function may yield
-- (wait for the user inside a coroutine) on every Lua version.
local async = require "beeper.transport.async"
local errors = require "beeper.transport.errors"
local poll = require "beeper.flows.poll"
local steps = require "beeper.flows.steps"
local ui_call = require "beeper.ui.call"
local verify = require "beeper.flows.verify"

local M = {}

local aborted, ask, ui_error = ui_call.aborted, ui_call.ask, ui_call.ui_error

-- The two forms: with a callback, a task whose callback gets kind "ui" for a
-- raising ui function; without, that error is raised to the caller.
local function run(callback, flow, ...)
  if callback ~= nil then return async.flow(callback, flow, ...) end
  local result, err = flow(...)
  if errors.is(err) and err.kind == "ui" then error(err.cause, 0) end
  return result, err
end

-- Did the session end on the server (so there is nothing to cancel)?
local function ended_on_server(err)
  return err ~= nil and err.session ~= nil and (err.kind == "failed" or err.kind == "cancelled")
end

-- The session's outcome once it has ended: result, or nil and error.
local function ended(session)
  if session.status == "complete" then
    return { login = session.login, account = session.account, session = session }
  end
  return nil, poll.end_error(session)
end

-- One turn of the flow: what the current step needs, as an action.
local function next_action(ui, session)
  return steps.dispatch(session.currentStep, {
    user_input = function(step)
      local ok, values = ask(ui, "user_input", step)
      if not ok then return "raise", values end
      if values == nil then return "abort" end
      return "submit", steps.user_input(step, values)
    end,
    cookies = function(step)
      local ok, values, last_url = ask(ui, "cookies", step)
      if not ok then return "raise", values end
      if values == nil then return "abort" end
      return "submit", steps.cookies(step, values, last_url)
    end,
    display_and_wait = function(step, display, kind)
      local ok, keep_going = ask(ui, "display", step, display, kind)
      if not ok then return "raise", keep_going end
      if keep_going == false then return "abort" end
      return "poll"
    end,
    complete = function() return "poll" end,
  })
end

local function drive(client, bridge_id, session, ui, opts)
  local now = require("beeper.core").now
  local started = now()
  local id = session.loginSessionID
  while true do
    local shown, raised = ask(ui, "progress", session)
    if not shown then return nil, ui_error(raised) end
    if session.status == "complete" or session.status == "failed" or session.status == "cancelled" then
      return ended(session)
    end
    local remaining = opts.deadline and opts.deadline - (now() - started)
    if remaining and remaining <= 0 then
      return nil, errors.new { kind = "timeout", message = "login did not finish within " .. opts.deadline .. " s" }
    end
    local action, arg, arg_err = next_action(ui, session)
    local err
    if action == "raise" then return nil, ui_error(arg) end
    if action == "abort" then return nil, aborted("login") end
    if action == "submit" then
      if not arg then return nil, arg_err end -- values that do not fit the step
      session, err = client.bridges.login_sessions.steps.submit(bridge_id, id,
        session.currentStep.stepID, arg)
    elseif action == "poll" then
      session, err = poll.poll(client, bridge_id, id,
        { since = session, interval = opts.interval, deadline = remaining })
      if ended_on_server(err) then return nil, err end
    else
      return nil, arg -- dispatch's own error: an unknown step or display type
    end
    if not session then return nil, err end
  end
end

-- Connects a chat account through a bridge:
--   beeper.connect(client, bridge_id, ui, opts) --> { login, account, session } | nil, err
-- opts: flow_id, login_id / account_id (reconnect), list_flows (ask
-- ui.choose_flow(flows)), deadline, interval, callback (non-blocking: returns a
-- task with cancel()). ui: user_input(step) -> values, cookies(step) -> values,
-- last_url; display(step, display, kind) shows a QR/emoji/code (false aborts);
-- progress(session) optional. When the ui aborts, a deadline passes, a ui
-- function raises or the task is cancelled, the session is cancelled on the
-- server. A raising ui function is raised again after that, or with a
-- callback ends the task with an error value of kind "ui" (cause: what it raised).
local function connect(client, bridge_id, ui, opts)
  local flow_id = opts.flow_id
  if opts.list_flows or (ui.choose_flow and not flow_id) then
    local flows, err = client.bridges.login_flows.list(bridge_id)
    if not flows then return nil, err end
    local ok, chosen = ask(ui, "choose_flow", flows.items)
    if not ok then return nil, ui_error(chosen) end
    if chosen == nil and ui.choose_flow then return nil, aborted("flow choice") end
    flow_id = chosen
  end
  local session, err = client.bridges.login_sessions.create(bridge_id,
    { flow_id = flow_id, login_id = opts.login_id, account_id = opts.account_id })
  if not session then return nil, err end
  local result
  result, err = drive(client, bridge_id, session, ui, opts)
  if result == nil and not ended_on_server(err) then
    -- Not ended on the server: make sure it does not linger there, even
    -- when the task was cancelled meanwhile.
    async.shield()
    client.bridges.login_sessions.cancel(bridge_id, session.loginSessionID, { max_retries = 0 })
  end
  return result, err
end

--- A ui for the flows: one function per kind of step (see the README).
---@class beeper.Ui
---@field code (fun(info: table): string?)? sign-in: the code from the email
---@field register (fun(reply: table): string?)? a new account: a username
---@field user_input (fun(step: beeper.LoginStep): table<string, string>?)? field ids to values
---@field cookies (fun(step: beeper.LoginStep): table<string, string>?)?
---@field display (fun(step: beeper.LoginStep, display: table, kind: string): boolean?)?
---@field choose_flow (fun(flows: table[]): string?)? with opts.list_flows
---@field progress fun(session: beeper.LoginSession)?
---@field verify (fun(info: table): ("recovery_key"|"sas"|"qr")?)? device verification
---@field recovery_key (fun(info: table): string?)?
---@field sas (fun(verification: table): boolean?)?
---@field qr (fun(verification: table): boolean?)?

---@class beeper.ConnectOptions
---@field flow_id string?
---@field login_id string? reconnect an existing login
---@field account_id string?
---@field list_flows boolean? ask ui.choose_flow
---@field deadline number? seconds
---@field interval number? seconds between polls (default 1)
---@field callback fun(err: beeper.Error?, result: table?)? non-blocking: returns a task

--- Connects a chat account through a bridge login session (also `beeper.connect`).
---@param client beeper.Client
---@param bridge_id string
---@param ui beeper.Ui
---@param opts beeper.ConnectOptions?
---@return table? result {account, login, session}; a beeper.Request with opts.callback
---@return beeper.Error? err
function M.connect(client, bridge_id, ui, opts)
  opts = opts or {}
  return run(opts.callback, connect, client, bridge_id, ui, opts)
end

-- Credentials print without their token.
local Credentials = {}
Credentials.__index = Credentials
function Credentials.__tostring(c)
  return "beeper credentials for " .. tostring(c.user_id) .. " (access token hidden)"
end

-- Signs in to Beeper with an emailed code:
--   beeper.sign_in(client, email, ui, opts) --> credentials | nil, err
-- ui: code(info) -> the code from the email (info.error says why a code was
-- refused); register(reply) -> username, for a new account (reply has
-- usernameSuggestions and copy; returning a username accepts the terms shown
-- in reply.copy.terms). Credentials: access_token, user_id, device_id,
-- homeserver, session; tostring hides the token.
local function sign_in(client, email, ui, opts)
  local start, err = client.app.setup.start()
  if not start then return nil, err end
  local id = start.setupRequestID
  local ok
  ok, err = client.app.setup.email { email = email, setup_request_id = id }
  if not ok then return nil, err end
  local reply
  for _ = 1, opts.code_attempts or 3 do
    local asked, code = ask(ui, "code", { email = email, setup = start, error = err })
    if not asked then return nil, ui_error(code) end
    if code == nil then return nil, aborted("sign-in") end
    reply, err = client.app.login.response { response = tostring(code), setup_request_id = id }
    if reply or err.code ~= "INVALID_CODE" then break end
  end
  if not reply then return nil, err end
  if reply.registrationRequired then
    local asked, username = ask(ui, "register", reply)
    if not asked then return nil, ui_error(username) end
    if username == nil then return nil, aborted("registration") end
    reply, err = client.app.setup.register { accept_terms = true, lead_token = reply.leadToken,
      setup_request_id = reply.setupRequestID, username = username }
    if not reply then return nil, err end
  end
  local m = reply.matrix or {}
  local creds = setmetatable({ access_token = m.accessToken, user_id = m.userID, device_id = m.deviceID,
    homeserver = m.homeserver, session = reply.session }, Credentials)
  -- A new device may have to be verified before it can read encrypted
  -- history: with ui.verify, the flow drives that too (beeper.verify).
  if ui.verify and verify.needed(creds.session) and creds.access_token then
    local signed_in = client:with_token(creds.access_token)
    local session
    session, err = verify.run(signed_in, ui, opts)
    signed_in:close()
    if not session then return nil, err end
    creds.session = session
  end
  return creds
end

--- Verifies the signed-in device (see beeper.verify for the ui):
--   beeper.verify(client, ui, opts) --> setup state | nil, err
---@param client beeper.Client
---@param ui beeper.Ui
---@param opts table?
---@return table? state
---@return beeper.Error? err
function M.verify(client, ui, opts)
  opts = opts or {}
  return run(opts.callback, verify.run, client, ui, opts)
end

--- Signs in with an emailed code (also `beeper.sign_in`).
---@param client beeper.Client a client without a token
---@param email string
---@param ui beeper.Ui code, register (and verify...)
---@param opts table? callback, deadline
---@return {access_token: string, user_id: string, device_id: string?}? credentials tostring hides the token
---@return beeper.Error? err
function M.sign_in(client, email, ui, opts)
  opts = opts or {}
  return run(opts.callback, sign_in, client, email, ui, opts)
end

return M
