-- Runs inside `nvim --headless`: the README's "unread chats in a buffer"
-- example, as printed, against the simulator (BEEPER_BASE_URL and
-- BEEPER_ACCESS_TOKEN point at it). Writes the buffer's lines and quits.
local common = dofile(os.getenv("BEEPER_ROOT") .. "/spec/hosts/common.lua")
common.setup_paths("jit")

local f = assert(io.open(os.getenv("BEEPER_ROOT") .. "/README.md"))
local readme = f:read("*a")
f:close()
local code = assert(readme:match("In Neovim: the unread chats in a buffer.-```lua\n(.-)```"), "example not found")
local ok, err = pcall(assert(loadstring(code, "README example")))
local done = vim.wait(10000, function()
  return vim.api.nvim_buf_get_lines(0, 0, 1, false)[1] ~= ""
end, 10)
common.write { ok = ok and done, err = err or (done and "" or "no lines in 10 s"),
  lines = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "|") }
vim.cmd("qall!")
