-- Messages: list, get, send, edit (PUT), delete, search, and reactions.
-- A send stores the message at once, as sent (sendStatus SUCCESS), under a
-- final id; the answer's pendingMessageID finds it too (messages.get), so it
-- is visible in messages.list as soon as the send has been answered.
local clock = require "beeper.sim.clock"
local model_mod = require "beeper.sim.desktop.model"
local page = require "beeper.sim.page"
local util = require "beeper.sim.desktop.util"

local M = {}

local LIST_PAGE = 20     -- messages.list has no limit parameter
local SEARCH_LIMIT = 20

local function key(m) return m.sortKey end

local function chat_of(model, ctx)
  local c = model:chat(ctx.params.chatID)
  if not c then return nil, util.not_found("chat", ctx.params.chatID) end
  return c
end

local function message_of(model, ctx)
  local c, s, e = chat_of(model, ctx)
  if not c then return nil, s, e end
  local m = model:message(c, ctx.params.messageID)
  if not m then return nil, util.not_found("message", ctx.params.messageID) end
  return m
end

function M.list(model, ctx)
  local c, s, e = chat_of(model, ctx)
  if not c then return s, e end
  local q = ctx.query
  local p = page.page(model:visible_messages(c), key, q.cursor_key, q.direction, LIST_PAGE)
  for i, m in ipairs(p.items) do p.items[i] = model:message_json(m) end
  p.items = model_mod.list(p.items)
  return 200, p
end

function M.get(model, ctx)
  local m, s, e = message_of(model, ctx)
  if not m then return s, e end
  return 200, model:message_json(m)
end

local TYPE_OF = { image = "IMAGE", video = "VIDEO", audio = "AUDIO" }
local ATTACHMENT_TYPE = { image = "IMAGE", gif = "IMAGE", video = "VIDEO", audio = "AUDIO", ["voice-note"] = "VOICE",
  sticker = "STICKER", file = "FILE" }

function M.send(model, ctx)
  local c, s, e = chat_of(model, ctx)
  if not c then return s, e end
  local b = ctx.body
  if (b.text == nil or b.text == "") and b.attachment == nil then
    return util.err(400, "VALIDATION_ERROR", "send text or an attachment",
      { issues = { { code = "custom", message = "text or attachment is required", path = { "body", "text" } } } })
  end
  if b.replyToMessageID and not model:message(c, b.replyToMessageID) then
    return util.not_found("message", b.replyToMessageID)
  end
  local f = { sender = c.participants[#c.participants], text = b.text, linked = b.replyToMessageID,
    pendingID = model:next_name("$pending-") }
  if b.attachment then
    local att = b.attachment
    local up = model.uploads[att.uploadID]
    if not up then return util.err(400, "UNKNOWN_UPLOAD", "unknown uploadID '" .. att.uploadID .. "'") end
    -- The upload becomes media on the homeserver: an mxc:// URL serving the same bytes.
    local asset = model:add_asset { url = "mxc://beeper.local/" .. up.uploadID, mimeType = att.mimeType or up.mimeType,
      fileName = att.fileName or up.fileName, bytes = up.bytes, width = up.width, height = up.height }
    f.attachments = { { asset = asset, mimeType = att.mimeType, fileName = att.fileName, duration = att.duration,
      width = att.size and att.size.width, height = att.size and att.size.height } }
    f.type = ATTACHMENT_TYPE[att.type or ""] or TYPE_OF[(asset.mimeType or ""):match("^(%a+)/") or ""] or "FILE"
  end
  local ts = model:tick()
  f.ts, f.sendStatus = ts, { status = "SUCCESS", timestamp = clock.iso(ts) }
  local m = model:add_message(c, f)
  model.sent[#model.sent + 1] = m
  return 200, { chatID = c.id, pendingMessageID = m.pendingID }
end

function M.edit(model, ctx)
  local m, s, e = message_of(model, ctx)
  if not m then return s, e end
  if not m.sender.isSelf then return util.err(422, "CANNOT_EDIT", "only your own messages can be edited") end
  if m.deleted then return util.err(422, "CANNOT_EDIT", "the message was deleted") end
  if m.attachments and #m.attachments > 0 then
    return util.err(422, "CANNOT_EDIT", "messages with attachments cannot be edited")
  end
  m.text, m.edited = ctx.body.text, model:tick()
  local out = model:message_json(m)
  out.success, out.messageID = true, m.id
  return 200, out
end

function M.delete(model, ctx)
  local c, s, e = chat_of(model, ctx)
  if not c then return s, e end
  local id = ctx.params.messageID
  if model.msg_by_pending[id] and model.msg_by_id[id] == nil then
    return util.err(400, "PENDING_MESSAGE", "pending message ids cannot be deleted; use the final message id")
  end
  local m = model:message(c, id)
  if not m then return util.not_found("message", id) end
  if ctx.query.forEveryone == false then
    m.hidden = true -- deleted for me: gone from this device's view
  else
    if not m.sender.isSelf then
      return util.err(422, "CANNOT_DELETE", "only your own messages can be deleted for everyone")
    end
    m.deleted = true
  end
  m.unread = false
  model:recount(c)
  return 204
end

local MEDIA = { image = function(_, a) return a.type == "img" end, video = function(_, a) return a.type == "video" end,
  file = function(_, a) return a.type == "unknown" or a.type == "audio" end,
  link = function(m) return (m.text or ""):find("https?://") ~= nil end }

-- messages.search and the messages part of the unified search.
function M.filter(model, q)
  local words = q.query and util.words(q.query) or {}
  local chat_ids, accounts = util.set(q.chatIDs), util.set(q.accountIDs)
  local after, before = q.dateAfter and clock.parse(q.dateAfter), q.dateBefore and clock.parse(q.dateBefore)
  local media = q.mediaTypes and #q.mediaTypes > 0 and q.mediaTypes
  local out = {}
  for _, c in ipairs(model.chats) do
    local ok = (not chat_ids or chat_ids[c.id] or chat_ids[c.localChatID]) and (not accounts or accounts[c.accountID])
      and (not q.chatType or c.type == q.chatType) and not (q.includeMuted == false and c.isMuted)
      and not (q.excludeLowPriority ~= false and c.isLowPriority)
    if ok then
      for _, m in ipairs(c.messages) do
        local hit = not m.hidden and not m.deleted and util.matches(words, m.text)
          and (not after or m.ts > after) and (not before or m.ts < before)
        if hit and q.sender then
          if q.sender == "me" then hit = m.sender.isSelf
          elseif q.sender == "others" then hit = not m.sender.isSelf
          else hit = m.sender.id == q.sender end
        end
        if hit and media then
          local any = false
          for _, kind in ipairs(media) do
            if kind == "any" then any = any or (m.attachments ~= nil and #m.attachments > 0)
            elseif kind == "link" then any = any or MEDIA.link(m)
            else
              for _, att in ipairs(m.attachments or {}) do
                any = any or MEDIA[kind](m, model:attachment_json(att))
              end
            end
          end
          hit = any
        end
        if hit then out[#out + 1] = m end
      end
    end
  end
  table.sort(out, function(a, b) return a.sortKey > b.sortKey end)
  return out
end

-- The search answer for a filtered list: a page, and the chats it names.
function M.search_page(model, q, list)
  local p = page.page(list, key, q.cursor_key, q.direction, q.limit or SEARCH_LIMIT)
  local chats = {}
  for i, m in ipairs(p.items) do
    p.items[i] = model:message_json(m)
    chats[m.chat.id] = chats[m.chat.id] or model:chat_json(m.chat, 5)
  end
  p.items = model_mod.list(p.items)
  p.chats = chats -- cjson writes an empty table as {}, the object this must be
  return p
end

function M.search(model, ctx)
  return 200, M.search_page(model, ctx.query, M.filter(model, ctx.query))
end

local function is_emoji(key_)
  return key_:find("[\128-\255]") ~= nil
end

function M.react(model, ctx)
  local m, s, e = message_of(model, ctx)
  if not m then return s, e end
  local b, c = ctx.body, m.chat
  local me = c.participants[#c.participants]
  local tx = b.transactionID
  if tx and model.transactions[tx] then return 200, model.transactions[tx] end
  local id = me.id .. b.reactionKey
  local have = false
  for _, r in ipairs(m.reactions) do have = have or r.id == id end
  if not have then
    m.reactions[#m.reactions + 1] = { id = id, reactionKey = b.reactionKey, participantID = me.id,
      emoji = is_emoji(b.reactionKey) }
  end
  local out = { success = true, chatID = c.id, messageID = m.id, reactionKey = b.reactionKey,
    transactionID = tx or model:next_name("sim-tx-") }
  model.transactions[out.transactionID] = out
  return 200, out
end

function M.unreact(model, ctx)
  local m, s, e = message_of(model, ctx)
  if not m then return s, e end
  local c, key_ = m.chat, ctx.params.reactionKey
  local id = c.participants[#c.participants].id .. key_
  for i, r in ipairs(m.reactions) do
    if r.id == id then
      table.remove(m.reactions, i)
      return 200, { success = true, chatID = c.id, messageID = m.id, reactionKey = key_ }
    end
  end
  return util.not_found("reaction", key_)
end

return M
