--- Re-reads a bridge login session until it changes or ends.
--   beeper.poll(client, bridge_id, login_session_id, opts) --> session | nil, err
-- opts:
--   since      the session you have; returns once status, step or display differ
--   interval   seconds between reads (default 1)
--   deadline   seconds in all; past it: nil, err (kind "timeout")
--   on_change  called with every session that differs from the previous read
--   callback   non-blocking: returns a task with cancel(), later callback(err, session)
-- Ends: complete returns the session; failed and cancelled return nil and an
-- error value (kind "failed" / "cancelled") carrying the session's error.
-- In scripts it sleeps; inside beeper.async or with a callback it waits on
-- loop timers, never blocking the host.
local async = require "beeper.transport.async"
local errors = require "beeper.transport.errors"

local M = {}

local function fingerprint(s)
  local step = s.currentStep or {}
  local display = step.display or {}
  return table.concat({ tostring(s.status), tostring(step.type), tostring(step.stepID),
    tostring(display.type), tostring(display.data), tostring(display.imageURL) }, "\0")
end
M.fingerprint = fingerprint

-- The error value for a session that ended badly, or nil.
function M.end_error(s)
  if s.status == "failed" then
    local e = s.error or {}
    return errors.new { kind = "failed", code = e.code, message = e.message or "login failed",
      details = e.details, session = s }
  elseif s.status == "cancelled" then
    return errors.new { kind = "cancelled", message = "login session was cancelled", session = s }
  end
end

local function check_options(opts)
  if opts == nil then return {} end
  if type(opts) ~= "table" then error("beeper.poll: options must be a table", 3) end
  return opts
end

local function poll(client, bridge_id, session_id, opts)
  local now = require("beeper.core").now
  local interval = opts.interval or 1
  local started = now()
  local last = opts.since and fingerprint(opts.since)
  while true do
    local s, err = client.bridges.login_sessions.get(bridge_id, session_id)
    if not s then return nil, err end
    local fp = fingerprint(s)
    local changed = last ~= nil and fp ~= last
    if changed and opts.on_change then opts.on_change(s) end
    local ended = M.end_error(s)
    if ended then return nil, ended end
    if s.status == "complete" or changed then return s end
    last = fp
    if opts.deadline and now() - started + interval > opts.deadline then
      return nil, errors.new { kind = "timeout", message = "login session did not change within "
        .. opts.deadline .. " s", session = s }
    end
    local ok, werr = async.sleep(client, interval)
    if not ok then return nil, werr end
  end
end

--- Re-reads a login session until it changes or ends (also `beeper.poll`).
---@param client beeper.Client
---@param bridge_id string
---@param session_id string
---@param opts {interval: number?, deadline: number?, since: beeper.LoginSession?, on_change: fun(s: beeper.LoginSession)?, callback: fun(err: beeper.Error?, s: beeper.LoginSession?)?}?
---@return beeper.LoginSession? session
---@return beeper.Error? err
function M.poll(client, bridge_id, session_id, opts)
  opts = check_options(opts)
  return async.flow(opts.callback, poll, client, bridge_id, session_id, opts)
end

return M
