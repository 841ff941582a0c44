-- Runs inside `nvim --headless`: examples/nvim_notify.lua as shipped, against
-- the simulator. A message from someone else (/_sim/incoming) must become a
-- vim.notify; our own send must not; :BeeperQuiet pauses it.
local common = dofile(os.getenv("BEEPER_ROOT") .. "/spec/hosts/common.lua")
common.setup_paths("jit")
local beeper = require "beeper"
local core = require "beeper.core"

local notes = {}
vim.notify = function(msg) notes[#notes + 1] = msg end

local result = { ok = false, err = "" }
local function finish()
  common.write(result)
  vim.cmd("qall!")
end

local sub = dofile(os.getenv("BEEPER_ROOT") .. "/examples/nvim_notify.lua")
-- The harness's own set-up call blocks on purpose: only the example's
-- notifications are counted, not the blocking-call warning.
vim.g.beeper_blocking_ok = true
local client = beeper.new { loop = "blocking" }
local chat = assert(client.chats.list()).items[1].id
local function incoming(text)
  local c = core.client {}
  local id = assert(c:start("POST", os.getenv("BEEPER_BASE_URL") .. "/_sim/incoming",
    { "Content-Type: application/json" }, string.format('{"chatID":%q,"text":%q}', chat, text), 5000, 5000))
  assert(c:run(id) == 200)
  c:close()
end

if not vim.wait(5000, function() return sub:is_open() and sub.pending_set == nil end, 10) then
  result.err = "not subscribed in 5 s"
  return finish()
end
assert(client.messages.send(chat, { text = "my own" }))
incoming("hello from a friend")
vim.wait(5000, function() return #notes >= 1 end, 10)
vim.cmd("BeeperQuiet")
vim.wait(300, function() return false end, 10)
incoming("while quiet")
vim.wait(300, function() return false end, 10)
result.notes = table.concat(notes, "|")
result.ok = #notes == 1 and notes[1]:find("hello from a friend", 1, true) ~= nil
finish()
