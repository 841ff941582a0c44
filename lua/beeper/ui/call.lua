-- How the flows call a user's ui: protected (a raising ui function becomes
-- an error value of kind "ui") and yieldable on every Lua version.
local errors = require "beeper.transport.errors"
local protect = require "beeper.transport.protect"

local M = {}

function M.aborted(what)
  return errors.new { kind = "aborted", message = what .. " was aborted by the user" }
end

-- Calls ui[name](...); an error it raises comes back as (false, value).
function M.ask(ui, name, ...)
  local fn = ui[name]
  if fn == nil then return true, nil end
  return protect.pcall(fn, ...)
end

-- A raising ui function ends the flow with this error value; the blocking
-- form raises the original error again.
function M.ui_error(raised)
  return errors.new { kind = "ui", message = tostring(raised), cause = raised }
end

return M
