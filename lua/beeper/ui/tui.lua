--- A terminal ui for beeper.connect and beeper.sign_in: a prompt per field,
-- passwords not echoed, optional fields skippable, QR codes drawn inline.
--   beeper.connect(client, "local-whatsapp", beeper.tui.new())
-- new{ input = file, output = file, answers = {...} }: with answers (a list
-- of strings) nothing is read and each answer is shown as if typed, which is
-- how `make demo` runs unattended.
local qr = require "beeper.ui.qr"
local fields = require "beeper.ui.fields"

local M = {}

local Tui = {}
Tui.__index = Tui

M.Tui = Tui

-- Returns the ui table beeper.connect and beeper.sign_in take.
--- A terminal ui for the flows (examples/connect.lua).
---@param opts {answers: string[]?, input: file*?, output: file*?, invert: boolean?}?
---@return beeper.Ui
function M.new(opts)
  opts = opts or {}
  local self = setmetatable({ input = opts.input or io.stdin, output = opts.output or io.stdout,
                              answers = opts.answers, invert = opts.invert }, Tui)
  return self:functions()
end

function Tui:say(...)
  self.output:write(...)
  self.output:write("\n")
  self.output:flush()
end

-- Reads one line; secret input is not echoed on a terminal.
function Tui:read(prompt, secret)
  self.output:write(prompt)
  self.output:flush()
  if self.answers then
    local a = table.remove(self.answers, 1)
    self.output:write(a == nil and "(no answer)" or (secret and "********" or a), "\n")
    return a
  end
  local tty = secret and self.input == io.stdin and os.execute("stty -echo 2>/dev/null")
  local line = self.input:read("*l")
  if tty then
    os.execute("stty echo 2>/dev/null")
    self.output:write("\n")
  end
  return line
end

-- Asks for each field until every required one has a value; the end of
-- input aborts.
function Tui:fields(step)
  if step.instructions then self:say(step.instructions) end
  return fields.collect(step, function(f, label)
    local v = self:read(label, f.type == "password")
    if v == "" and f.initialValue then v = f.initialValue end
    return v
  end, "optional, Enter to skip")
end

function Tui:user_input(step)
  return self:fields(step)
end

function Tui:cookies(step)
  self:say("Open ", step.url, " in a browser and sign in, then copy these values.")
  local values = self:fields(step)
  if values == nil then return nil end
  return values, self:read("Last URL the browser showed [optional]: ")
end

function Tui:display(step, display, kind)
  if step.instructions then self:say(step.instructions) end
  if kind == "qr" then
    self:say(assert(qr.render(display.data, { invert = self.invert })))
  elseif kind == "code" then
    self:say("Enter this code on your phone: ", display.data)
  elseif kind == "emoji" then
    self:say("Compare the emoji shown at ", display.imageURL)
  end
  self:say("Waiting...")
  return true
end

function Tui:progress(session)
  self:say("[", session.status, "]")
end

function Tui:choose_flow(flows)
  for i, f in ipairs(flows) do
    self:say(i, ") ", f.name or f.id, f.description and (" - " .. f.description) or "")
  end
  local n = tonumber(self:read("Flow [1]: ") or "")
  local flow = flows[n or 1]
  return flow and flow.id
end

function Tui:code(info)
  if info.error then self:say("That code was not accepted: ", info.error.message or "") end
  return self:read("Code sent to " .. info.email .. ": ")
end

function Tui:register(reply)
  local copy = reply.copy or {}
  self:say(copy.title or "Choose your username")
  if reply.usernameSuggestions and #reply.usernameSuggestions > 0 then
    self:say("Suggestions: ", table.concat(reply.usernameSuggestions, ", "))
  end
  self:say(copy.terms or "")
  local name = self:read((copy.usernamePlaceholder or "Username") .. ": ")
  if name == "" and reply.usernameSuggestions then name = reply.usernameSuggestions[1] end
  return name
end

-- The ui functions as beeper.connect / beeper.sign_in call them (no self).
function Tui:functions()
  local out = { say = function(...) return self:say(...) end }
  for _, name in ipairs { "user_input", "cookies", "display", "progress", "choose_flow", "code", "register" } do
    out[name] = function(...) return self[name](self, ...) end
  end
  return out
end

return M
