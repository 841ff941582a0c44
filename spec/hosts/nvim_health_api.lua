-- Runs inside `nvim --headless` (0.7): beeper.health with the reporting
-- functions Neovim 0.10 has (vim.health.start/ok/warn/error, no report_*),
-- recorded; the checks themselves run for real against the simulator.
local common = dofile(os.getenv("BEEPER_ROOT") .. "/spec/hosts/common.lua")
local seen = {}
local function rec(kind) return function(msg) seen[#seen + 1] = kind .. ":" .. msg end end
vim.health = { start = rec("start"), ok = rec("ok"), warn = rec("warn"), error = rec("error"), info = rec("info") }
local ok, err = pcall(function() require("beeper.health").check() end)
common.write { ok = ok, err = err and tostring(err) or "", seen = table.concat(seen, "|") }
vim.cmd("qa!")
