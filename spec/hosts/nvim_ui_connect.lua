-- Runs inside `nvim --headless`: beeper.ui.neovim drives whole flows
-- against the simulator, answers fed through vim.ui.select / vim.ui.input
-- overrides that answer later (from a timer, as a real prompt does), the
-- password through the real inputsecret() with typed keys. Records what the
-- user saw (prompts, notifications, the QR float) and quits.
local common = dofile(os.getenv("BEEPER_ROOT") .. "/spec/hosts/common.lua")
local uv = vim.uv or vim.loop
local result = { prompts = {}, notes = {} }
local function note(list, s) list[#list + 1] = s end

-- vim.notify as the user sees it.
vim.notify = function(msg, level) note(result.notes, (level or 0) .. ":" .. msg) end

-- Answers by prompt text; an answer of false is a cancelled prompt.
local choices = {}
vim.ui.select = function(items, opts, on_choice)
  note(result.prompts, "select:" .. opts.prompt)
  local want = table.remove(choices, 1)
  vim.defer_fn(function()
    for i, item in ipairs(items) do
      if item.id == want then return on_choice(item, i) end
    end
    on_choice(nil, nil)
  end, 20)
end
local inputs = {}
vim.ui.input = function(opts, on_confirm)
  note(result.prompts, "input:" .. opts.prompt)
  local answer = table.remove(inputs, 1)
  if answer == "(never)" then return end -- the user walked away
  vim.defer_fn(function() on_confirm(answer or nil) end, 20)
end
-- The real inputsecret(), reading keys the user "types".
local real_inputsecret = vim.fn.inputsecret
vim.fn.inputsecret = function(prompt)
  note(result.prompts, "secret:" .. prompt)
  vim.api.nvim_feedkeys("hunter2\r", "t", true)
  return real_inputsecret(prompt)
end

-- The floats open while a flow runs, sampled every 20 ms.
local floats = {}
local sampler = uv.new_timer()
sampler:start(20, 20, vim.schedule_wrap(function()
  for _, w in ipairs(vim.api.nvim_list_wins()) do
    local cfg = vim.api.nvim_win_get_config(w)
    if cfg.relative ~= "" and not floats[w] then
      local lines = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(w), 0, -1, false)
      floats[w] = true
      floats.count = (floats.count or 0) + 1
      floats.lines = #lines
      floats.width = cfg.width
      floats.blocks = table.concat(lines):find("█", 1, true) ~= nil
      floats.text = table.concat(lines, "|")
      floats.hl = vim.api.nvim_win_get_option(w, "winhighlight")
    end
  end
end))

local function open_floats()
  local n = 0
  for _, w in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(w).relative ~= "" then n = n + 1 end
  end
  return n
end

-- A 10 ms timer of the editor's own: it keeps firing while a flow runs.
local ticks = 0
local ticker = uv.new_timer()
ticker:start(10, 10, function() ticks = ticks + 1 end)

local ok, err = pcall(function()
  local nvim_ui = require "beeper.ui.neovim"
  local client = require("beeper").new {}
  local function run(start)
    local out
    local t0 = uv.hrtime()
    local task = start(function(e, r) out = { e, r, open_floats() } end)
    -- The editor stays live: its loop runs while the flow waits for answers.
    assert(vim.wait(20000, function() return out ~= nil end, 10), "flow did not finish")
    return out[1], out[2], out[3], (uv.hrtime() - t0) / 1e6, task
  end

  -- 1. No bridge given: vim.ui.select picks it; one flow; the QR float.
  choices = { "local-whatsapp" }
  ticks = 0
  local e, r, left, qr_ms = run(function(done)
    return nvim_ui.connect(client, nil, { interval = 0.2, on_done = done })
  end)
  result.qr_err = e and tostring(e) or ""
  result.qr_account = r and r.account and r.account.accountID or ""
  result.qr_status = r and r.session.status or ""
  result.qr_floats = floats.count or 0
  result.qr_lines = floats.lines or 0
  result.qr_blocks = floats.blocks or false
  result.qr_left_open = left
  result.qr_hl = floats.hl or ""
  result.qr_text = floats.text or ""
  result.qr_ticks, result.qr_ms = ticks, math.floor(qr_ms)

  -- 2. Telegram: the phone through vim.ui.input, the two-step password
  -- through inputsecret(), then the code.
  floats = {}
  inputs = { "+15555550100", "424242" }
  e, r = run(function(done)
    return nvim_ui.connect(client, "telegram", { interval = 0.05, on_done = done })
  end)
  result.tg_err = e and tostring(e) or ""
  result.tg_status = r and r.session.status or ""

  -- 3. Signal: the flow choice is cancelled (Esc): aborted.
  choices = { false }
  e = run(function(done)
    return nvim_ui.connect(client, "signal", { interval = 0.05, on_done = done })
  end)
  result.abort_kind = e and e.kind or "none"

  -- 5. A prompt left open, then task.cancel(): the flow ends "cancelled"
  -- now and its session is cancelled on the server.
  inputs = { "(never)" }
  e = run(function(done)
    local task = nvim_ui.connect(client, "telegram", { interval = 0.05, on_done = done })
    vim.defer_fn(function() result.cancel_returned = task.cancel() end, 300)
    return task
  end)
  result.cancel_kind = e and e.kind or "none"

  -- 4. Sign-in with the emailed code and a username (registration).
  local anonymous = require("beeper").new { access_token = "" }
  inputs = { "123456", "newuser42" }
  e, r = run(function(done)
    return nvim_ui.sign_in(anonymous, "new-user@example.com", { on_done = done })
  end)
  result.signin_err = e and tostring(e) or ""
  result.signin_token = r and type(r.access_token) or "none"
  result.signin_shown = r and tostring(r) or ""
  client:close()
  anonymous:close()
end)
sampler:stop()
ticker:stop()
result.ok = ok
result.err = err and tostring(err) or ""
result.prompts = table.concat(result.prompts, "\\n")
result.notes = table.concat(result.notes, "\\n"):gsub("\n", " ")
common.write(result)
vim.cmd("qa!")
