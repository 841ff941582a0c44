-- The live events a REST call causes, for the simulator's /v1/ws
-- subscribers (beeper.sim.ws): a message sent, edited or reacted to is
-- message.upserted, a deleted one message.deleted; a chat archived, read,
-- marked unread, updated or given a reminder is chat.upserted.
local M = {}

local MESSAGE_UPSERT = { editMessage = true, addReaction = true, removeReaction = true }
local CHAT_UPSERT = { archiveChat = true, markChatRead = true, markChatUnread = true, patchChat = true,
  setChatReminder = true, clearChatReminder = true, createChat = true, startChat = true }

local function chat_event(model, c)
  return { type = "chat.upserted", chatID = c.id, ids = { c.id }, entries = { model:chat_json(c, 5) } }
end

local function message_event(model, c, m)
  return { type = "message.upserted", chatID = c.id, ids = { m.id }, entries = { model:message_json(m) } }
end

-- The events of one successful call: op is the route's operationId, params
-- its path parameters, value what it answered. A list, maybe empty.
function M.of(model, op, params, value)
  local c = params.chatID and model:chat(params.chatID)
  if op == "sendMessage" and c then
    return { message_event(model, c, model.sent[#model.sent]), chat_event(model, c) }
  elseif MESSAGE_UPSERT[op] and c then
    local m = model:message(c, params.messageID)
    if m then return { message_event(model, c, m) } end
  elseif op == "deleteMessage" and c then
    return { { type = "message.deleted", chatID = c.id, ids = { params.messageID } }, chat_event(model, c) }
  elseif CHAT_UPSERT[op] then
    c = c or (type(value) == "table" and model:chat(value.chatID or value.id or ""))
    if c then return { chat_event(model, c) } end
  end
  return {}
end

-- A message from someone else (/_sim/incoming).
function M.incoming(model, chat_id, message_id)
  local c = model:chat(chat_id)
  local m = c and model:message(c, message_id)
  if not m then return {} end
  return { message_event(model, c, m), chat_event(model, c) }
end

return M
