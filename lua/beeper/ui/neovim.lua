-- A Neovim ui for beeper.connect and beeper.sign_in: vim.ui.select and
-- vim.ui.input for choices and fields, inputsecret() for passwords, the QR
-- code in a floating window, progress and errors through vim.notify.
--   require("beeper.ui.neovim").connect(client, "local-whatsapp")
-- The flow runs as a task on Neovim's loop; each ui function waits for the
-- user's answer by yielding its coroutine (flows allow that), so the editor
-- never blocks. Options of new{}: notify (replaces vim.notify), title.
local async = require "beeper.transport.async"
local qr = require "beeper.ui.qr"
local fields = require "beeper.ui.fields"

local M = {}

local unpack = table.unpack or unpack
local levels = vim.log.levels

-- Runs start(answer) and waits for answer(...) to be called: at once (the
-- default vim.ui.input calls it before returning) or later from the
-- editor, when the coroutine is resumed through vim.schedule so that the
-- flow goes on from the loop, not from inside the prompt's callback. While
-- it waits, self.waiting answers nil (a cancelled task stops waiting).
local function wait_for(self, start)
  local co = coroutine.running()
  local state, early = "starting", nil
  local function answer(...)
    if state == "starting" then
      state, early = "answered", { n = select("#", ...), ... }
    elseif state == "waiting" then
      state, self.waiting = "answered", nil
      local args = { n = select("#", ...), ... }
      vim.schedule(function() async.resume(co, unpack(args, 1, args.n)) end)
    end -- a second answer is ignored
  end
  start(answer)
  if early then return unpack(early, 1, early.n) end
  state, self.waiting = "waiting", answer
  return coroutine.yield()
end

local Ui = {}
Ui.__index = Ui
M.Ui = Ui

function Ui:notify(message, level)
  self.notify_fn("beeper: " .. message, level or levels.INFO, { title = self.title })
end

function Ui:input(prompt, default)
  return wait_for(self, function(answer)
    vim.ui.input({ prompt = prompt, default = default }, answer)
  end)
end

-- Not echoed: inputsecret() (it waits on the command line, which is how
-- Neovim reads a secret; vim.ui.input has no secret mode).
function Ui:secret(prompt)
  return wait_for(self, function(answer)
    if self.secret_input then return self.secret_input(prompt, answer) end
    local ok, v = pcall(vim.fn.inputsecret, prompt)
    answer(ok and v or nil)
  end)
end

function Ui:select(items, prompt, format)
  return wait_for(self, function(answer)
    vim.ui.select(items, { prompt = prompt, format_item = format }, answer)
  end)
end

-- Each field of a step; nil (a cancelled prompt) aborts the flow.
function Ui:fields(step)
  if step.instructions then self:notify(step.instructions) end
  return fields.collect(step, function(f, label)
    if f.type == "password" then return self:secret(label) end
    return self:input(label, f.initialValue)
  end, "optional")
end

-- The floating window: made on the first display, its buffer replaced on
-- each change, closed when the step moves on or the flow ends.
-- A QR code scans only dark on light, whatever the colour scheme: its float
-- uses BeeperQR (black on white unless the user defines it), and the dark
-- modules are drawn as blocks (qr.lines' invert).
local function qr_highlight()
  pcall(vim.api.nvim_set_hl, 0, "BeeperQR", { fg = "#000000", bg = "#ffffff", ctermfg = 0, ctermbg = 15,
    default = true })
end

function Ui:show(lines, highlight)
  local width = 1
  for _, l in ipairs(lines) do width = math.max(width, vim.fn.strdisplaywidth(l)) end
  if not (self.buf and vim.api.nvim_buf_is_valid(self.buf)) then
    self.buf = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_option(self.buf, "bufhidden", "wipe")
    vim.api.nvim_buf_set_keymap(self.buf, "n", "q", "<cmd>close<cr>", { noremap = true, silent = true })
  end
  vim.api.nvim_buf_set_option(self.buf, "modifiable", true)
  vim.api.nvim_buf_set_lines(self.buf, 0, -1, false, lines)
  vim.api.nvim_buf_set_option(self.buf, "modifiable", false)
  local height = #lines
  local config = { relative = "editor", width = width, height = height, style = "minimal", border = "rounded",
    row = math.max(0, math.floor((vim.o.lines - height) / 2) - 1),
    col = math.max(0, math.floor((vim.o.columns - width) / 2)) }
  if self.win and vim.api.nvim_win_is_valid(self.win) then
    vim.api.nvim_win_set_config(self.win, config)
  else
    self.win = vim.api.nvim_open_win(self.buf, false, config)
  end
  vim.api.nvim_win_set_option(self.win, "winhighlight", highlight and ("Normal:" .. highlight .. ",NormalFloat:"
    .. highlight) or "")
  return self.win
end

function Ui:close_float()
  if self.win and vim.api.nvim_win_is_valid(self.win) then vim.api.nvim_win_close(self.win, true) end
  self.win, self.buf = nil, nil
end

function Ui:display(step, display, kind)
  local lines
  if kind == "qr" then
    qr_highlight()
    local text, err = qr.lines(display.data, { invert = self.invert ~= false })
    if not text then
      self:notify("cannot draw the QR code: " .. tostring(err), levels.ERROR)
      return false
    end
    lines = text
    self:notify(step.instructions or "scan the QR code with your phone")
  elseif kind == "code" then
    lines = { " Enter this code on your phone: " .. tostring(display.data) .. " " }
  elseif kind == "emoji" then
    lines = { " Compare the emoji at: ", " " .. tostring(display.imageURL) .. " " }
  else
    self:notify(step.instructions or "waiting for the other device")
    return true
  end
  self:show(lines, kind == "qr" and "BeeperQR" or nil)
  return true
end

function Ui:progress(session)
  local step = session.currentStep
  local key = tostring(session.status) .. "/" .. tostring(step and step.stepID)
  if step == nil or step.type ~= "display_and_wait" then self:close_float() end
  if key ~= self.last then
    self.last = key
    self:notify("login " .. tostring(session.status))
  end
  return true
end

function Ui:choose_flow(flows)
  if #flows == 1 then return flows[1].id end
  local flow = self:select(flows, "Sign in with", function(f)
    return (f.name or f.id) .. (f.description and (": " .. f.description) or "")
  end)
  return flow and flow.id
end

function Ui:cookies(step)
  self:notify("open " .. tostring(step.url) .. " in a browser, sign in, then copy these values")
  local values = self:fields(step)
  if values == nil then return nil end
  return values, self:input("Last URL the browser showed [optional]: ")
end

function Ui:user_input(step)
  return self:fields(step)
end

function Ui:code(info)
  if info.error then self:notify("that code was not accepted: " .. tostring(info.error.message), levels.WARN) end
  return self:input("Code sent to " .. tostring(info.email) .. ": ")
end

function Ui:register(reply)
  local suggestions = reply.usernameSuggestions or {}
  local copy = reply.copy or {}
  if copy.terms then self:notify(copy.terms) end
  local name = self:input((copy.usernamePlaceholder or "Username") .. ": ", suggestions[1])
  if name == "" then name = suggestions[1] end
  return name
end

-- The ui table the flows take (functions without self).
function M.new(opts)
  opts = opts or {}
  local self = setmetatable({ notify_fn = opts.notify or vim.notify, title = opts.title or "beeper",
    secret_input = opts.secret_input, invert = opts.invert }, Ui)
  local ui = { close = function() self:close_float() end, state = self }
  for _, name in ipairs { "user_input", "cookies", "display", "progress", "choose_flow", "code", "register" } do
    ui[name] = function(...) return self[name](self, ...) end
  end
  return ui
end

-- task.cancel() also ends a prompt still waiting for the user (as if it
-- was dismissed), so that the flow cancels its session on the server now.
local function cancellable(task, ui)
  local cancel = task.cancel
  function task.cancel()
    local cancelled = cancel()
    local waiting = ui.state.waiting
    if cancelled and waiting then waiting(nil) end
    return cancelled
  end
  return task
end

-- Ends a flow: the float goes, the outcome is told, on_done gets it.
local function finish(ui, what, on_done)
  return function(err, result)
    ui.close()
    if err then
      local user_ended = err.kind == "aborted" or err.kind == "cancelled"
      ui.state:notify(what .. " failed: " .. tostring(err), user_ended and levels.WARN or levels.ERROR)
    elseif what == "login" then
      ui.state:notify("connected " .. tostring(result.account and result.account.accountID or "the account"))
    else
      ui.state:notify("signed in")
    end
    if on_done then on_done(err, result) end
  end
end

-- Connects an account: chooses the bridge (vim.ui.select) when bridge_id
-- is nil, then the flow. Returns the task (task.cancel() cancels the login
-- on the server). opts: on_done(err, result), and beeper.connect's.
function M.connect(client, bridge_id, opts)
  opts = opts or {}
  local ui = M.new(opts)
  local connect_opts = {}
  for k, v in pairs(opts) do
    if k ~= "on_done" and k ~= "notify" and k ~= "title" and k ~= "secret_input" and k ~= "invert" then
      connect_opts[k] = v
    end
  end
  local done = finish(ui, "login", opts.on_done)
  connect_opts.callback = done
  if bridge_id then return cancellable(require("beeper.flows").connect(client, bridge_id, ui, connect_opts), ui) end
  return cancellable(async.task(function()
    local list, err = client.bridges.list()
    if not list then return nil, err end
    local bridge = ui.state:select(list.items, "Connect", function(b) return b.displayName or b.id end)
    if bridge == nil then return nil, require("beeper.ui.call").aborted("bridge choice") end
    connect_opts.callback = nil
    local result
    result, err = require("beeper.flows").connect(client, bridge.id, ui, connect_opts)
    return result, err
  end, done, client), ui)
end

-- Signs in with the emailed code; on_done(err, credentials).
function M.sign_in(client, email, opts)
  opts = opts or {}
  local ui = M.new(opts)
  return cancellable(require("beeper.flows").sign_in(client, email, ui,
    { callback = finish(ui, "sign-in", opts.on_done), code_attempts = opts.code_attempts }), ui)
end

return M
