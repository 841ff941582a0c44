--- Login-session steps: dispatch on currentStep.type, and the submit bodies
-- each step type takes.
local errors = require "beeper.transport.errors"

local M = {}

M.TYPES = { "user_input", "cookies", "display_and_wait", "complete" }
M.DISPLAYS = { "qr", "emoji", "code", "nothing" }

local KNOWN_TYPE, KNOWN_DISPLAY = {}, {}
for _, t in ipairs(M.TYPES) do KNOWN_TYPE[t] = true end
for _, t in ipairs(M.DISPLAYS) do KNOWN_DISPLAY[t] = true end

local function unsupported(message, step)
  return errors.new { kind = "step", code = "UNSUPPORTED_STEP", message = message, step = step }
end

--- Calls handlers[step.type](step, ...). A display_and_wait handler also gets
-- the display and its sub-type: handler(step, display, display.type, ...).
-- handlers.display_and_wait may instead be a table keyed by display type
-- (qr, emoji, code, nothing). Anything unknown goes to handlers.default(step,
-- ...) or becomes nil and an error value (kind "step"); never a crash.
-- Returns what the handler returns.
---@param step beeper.LoginStep?
---@param handlers table user_input, cookies, display_and_wait, complete, default
---@return any ... what the handler returns, or nil and a beeper.Error (kind "step")
function M.dispatch(step, handlers, ...)
  if type(handlers) ~= "table" then error("beeper.steps.dispatch: handlers must be a table", 2) end
  if type(step) ~= "table" then
    return nil, unsupported("no current step", step)
  end
  local kind = step.type
  local handler = KNOWN_TYPE[kind] and handlers[kind]
  if kind == "display_and_wait" then
    local display = type(step.display) == "table" and step.display or {}
    local sub = display.type
    if type(handler) == "table" then handler = handler[sub] or handler.default end
    if handler and KNOWN_DISPLAY[sub] then return handler(step, display, sub, ...) end
    if handlers.default then return handlers.default(step, ...) end
    return nil, unsupported("unknown display type '" .. tostring(sub) .. "'", step)
  end
  if handler then return handler(step, ...) end
  if handlers.default then return handlers.default(step, ...) end
  if KNOWN_TYPE[kind] then
    return nil, unsupported("no handler for step type '" .. kind .. "'", step)
  end
  return nil, unsupported("unknown step type '" .. tostring(kind) .. "'", step)
end

-- Checks values against the step's field list: every field that is not
-- optional needs a non-empty value, ids not in the step are refused, and
-- empty optional values are left out.
local function collect(step, values)
  values = values or {}
  local known, fields = {}, {}
  for _, f in ipairs(step.fields or {}) do
    known[f.id] = true
    local v = values[f.id]
    if v ~= nil and v ~= "" then
      fields[f.id] = tostring(v)
    elseif not f.optional then
      return nil, errors.new { kind = "step", code = "MISSING_FIELD",
        message = "field '" .. tostring(f.id) .. "' is required", details = { field = f.id } }
    end
  end
  for id in pairs(values) do
    if not known[id] then
      return nil, errors.new { kind = "step", code = "UNKNOWN_FIELD",
        message = "the step has no field '" .. tostring(id) .. "'", details = { field = id } }
    end
  end
  return fields
end

--- Submit body for a user_input step: field ids to values.
---@param step beeper.LoginStep
---@param values table<string, string>
---@return table? body
---@return beeper.Error? err
function M.user_input(step, values)
  local fields, err = collect(step, values)
  if not fields then return nil, err end
  return { type = "user_input", fields = fields }
end

--- Submit body for a cookies step: field ids to collected values, and the
-- last URL the browser reached.
---@param step beeper.LoginStep
---@param values table<string, string>
---@param last_url string?
---@return table? body
---@return beeper.Error? err
function M.cookies(step, values, last_url)
  local fields, err = collect(step, values)
  if not fields then return nil, err end
  return { type = "cookies", fields = fields, last_url = last_url }
end

function M.display_and_wait()
  return { type = "display_and_wait" }
end

-- Is the session over? complete, failed and cancelled are the ends.
local ENDS = { complete = true, failed = true, cancelled = true }
---@param session beeper.LoginSession
---@return boolean
function M.is_end(session)
  return ENDS[session.status] == true
end

return M
