-- A standalone luv program (issue 14), run to its natural exit by
-- spec/luv_programs_spec.lua: subscribe, send a message over REST, get its
-- message.upserted, close the subscription from its own callback; uv.run()
-- must then return by itself (nothing left active) and the process exit 0.
-- A callback that raises is reported on stderr and the stream goes on.
local uv = require "luv"
local beeper = require "beeper"

local client = beeper.new { loop = "luv" }
local chat = assert(client.chats.list()).items[1].id
local got = {}
local sub
sub = client.events.subscribe({ chat_ids = { chat } }, function(err, ev)
  if err then got[#got + 1] = "err " .. err.kind; return end
  got[#got + 1] = ev.type
  if ev.type == "ready" then error("raising events callback") end
  if ev.type == "subscriptions.updated" then
    client.messages.send(chat, { text = "luv program" }, function(e) if e then got[#got + 1] = "send failed" end end)
  elseif ev.type == "message.upserted" then
    got[#got + 1] = ev.entries[1].text
    sub:close()
  end
end)
uv.run()
io.stdout:write(table.concat(got, ","), " ", sub.state, "\n")
