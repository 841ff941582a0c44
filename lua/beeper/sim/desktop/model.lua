-- The simulated Desktop's data: accounts, contacts, chats, messages,
-- reactions and assets, held in memory, and their JSON shapes as the
-- OpenAPI description gives them (required fields always present, optional
-- ones omitted when unknown, never null).
local clock = require "beeper.sim.clock"
local cjson = require("cjson")

local M = {}

local EMPTY = "\0[]" -- an empty JSON array (see beeper.sim.state.encode)
M.EMPTY = EMPTY

local function list(t)
  if #t == 0 then return EMPTY end
  return t
end
M.list = list

local Model = {}
Model.__index = Model

function M.new(config)
  return setmetatable({ config = config, last_ms = 0, next_id = 1343000, next_local = 5600,
    accounts = {}, acct = {}, chats = {}, chat_by_id = {}, chat_by_local = {},
    msg_by_id = {}, msg_by_pending = {}, assets = {}, uploads = {}, transactions = {},
    sent = {}, focused = {}, counter = 0 }, Model)
end

-- A fresh id with a prefix, for uploads, transactions and such.
function Model:next_name(prefix)
  self.counter = self.counter + 1
  return prefix .. self.counter
end

-- The time of a new event in ms: now, and always after every earlier event,
-- so that timestamps, sort keys and cursors never tie.
function Model:tick()
  local ms = math.max(clock.now_ms(), self.last_ms + 1)
  self.last_ms = ms
  return ms
end

function Model:seen_time(ms)
  if ms > self.last_ms then self.last_ms = ms end
end

------------------------------------------------------------------ accounts

-- Registers an account (the table is shared with the bridge that owns it).
function Model:add_account(account)
  if self.acct[account.accountID] then return self.acct[account.accountID] end
  self.accounts[#self.accounts + 1] = account
  local a = { json = account, contacts = {}, contact_by_id = {}, next_key = 1000000 }
  self.acct[account.accountID] = a
  return a
end

function Model:account_json(account)
  return { accountID = account.accountID, bridge = account.bridge, network = account.network, user = account.user }
end

-- A contact: a User with a pagination key (the list is kept in order).
function Model:add_contact(account_id, user)
  local a = self.acct[account_id]
  a.next_key = a.next_key - 1
  user._key = a.next_key
  a.contacts[#a.contacts + 1] = user
  a.contact_by_id[user.id] = user
  return user
end

local USER_FIELDS = { "id", "username", "phoneNumber", "email", "fullName", "imgURL", "cannotMessage", "isSelf" }

function M.user_json(u)
  local out = {}
  for _, k in ipairs(USER_FIELDS) do out[k] = u[k] end
  return out
end

------------------------------------------------------------------ assets

-- An asset: url (mxc://, localmxc:// or file://), mimeType, fileName, and
-- bytes or gen (a function making them on first use: large seeded files
-- cost nothing until served).
function Model:add_asset(a)
  self.assets[a.url] = a
  return a
end

function Model:bytes(a)
  if not a.bytes then
    a.bytes = a.gen()
    a.gen = nil
  end
  return a.bytes
end

function Model:asset_size(a)
  return a.size or #self:bytes(a)
end

local KIND = { image = "img", video = "video", audio = "audio" }

function Model:attachment_json(att)
  local a = att.asset
  local out = { id = a.url, type = KIND[(att.mimeType or a.mimeType or ""):match("^(%a+)/")] or "unknown",
    srcURL = a.url, mimeType = att.mimeType or a.mimeType, fileName = att.fileName or a.fileName,
    fileSize = self:asset_size(a), duration = att.duration or a.duration }
  local w, h = att.width or a.width, att.height or a.height
  if w and h then out.size = { width = w, height = h } end
  if (att.mimeType or a.mimeType) == "image/gif" then out.isGif = true end
  return out
end

------------------------------------------------------------------ chats

function Model:add_chat(c)
  self.next_local = self.next_local + 1
  c.localChatID = c.localChatID or clock.int(self.next_local)
  c.messages = c.messages or {}
  c.unread = c.unread or 0
  self.chats[#self.chats + 1] = c
  self.chat_by_id[c.id] = c
  self.chat_by_local[c.localChatID] = c
  return c
end

-- A chat by its id or its local chat id.
function Model:chat(id)
  return self.chat_by_id[id] or self.chat_by_local[id]
end

-- Every chat, most recent activity first.
function Model:sorted_chats()
  local out = {}
  for i, c in ipairs(self.chats) do out[i] = c end
  table.sort(out, function(a, b) return a.lastActivity > b.lastActivity end)
  return out
end

-- The computed title: a custom one, else the other person, else the members.
function Model:title(c)
  if c.title then return c.title end
  local names = {}
  for _, p in ipairs(c.participants) do
    if not p.isSelf then names[#names + 1] = p.fullName or p.username or p.id end
    if #names == 4 then break end
  end
  return table.concat(names, ", ")
end

-- Recounts unread messages after a change.
function Model:recount(c)
  local n, last_read = 0, nil
  for _, m in ipairs(c.messages) do
    if m.unread and not m.deleted then n = n + 1 elseif not m.unread then last_read = m.sortKey end
  end
  c.unread = n
  c.lastRead = last_read
end

-- The newest message the user can see, for previews.
function Model:last_message(c)
  for i = #c.messages, 1, -1 do
    local m = c.messages[i]
    if not m.hidden then return m end
  end
end

-- max_participants: how many participants to list (-1: all).
function Model:chat_json(c, max_participants, with_preview)
  local items, total = {}, #c.participants
  local n = (max_participants == nil or max_participants < 0) and total or math.min(max_participants, total)
  for i = 1, n do
    local p = c.participants[i]
    local u = M.user_json(p)
    if c.type == "group" then u.isAdmin = p.isAdmin or false end
    items[i] = u
  end
  local out = { id = c.id, localChatID = c.localChatID, accountID = c.accountID, network = c.network,
    title = self:title(c), type = c.type, participants = { items = list(items), hasMore = n < total, total = total },
    lastActivity = clock.iso(c.lastActivity), unreadCount = c.unread, unreadMentionsCount = 0,
    isArchived = c.isArchived or false, isMarkedUnread = c.isMarkedUnread or false, isMuted = c.isMuted or false,
    isPinned = c.isPinned or false, isLowPriority = c.isLowPriority or false,
    description = c.description, imgURL = c.imgURL, messageExpirySeconds = c.messageExpirySeconds }
  if c.lastRead then out.lastReadMessageSortKey = clock.int(c.lastRead) end
  if c.draft then
    local d = { text = c.draft.text }
    if c.draft.attachments and next(c.draft.attachments) then d.attachments = c.draft.attachments end
    out.draft = d
  end
  if c.reminder then out.reminder = c.reminder end
  if with_preview then
    local m = self:last_message(c)
    if m then out.preview = self:message_json(m) end
  end
  return out
end

------------------------------------------------------------------ messages

-- Adds a message to a chat: fields sender (a user), text, ts (default now),
-- attachments, type, unread, linked, reactions. Returns it.
function Model:add_message(c, f)
  local ts = f.ts or self:tick()
  self:seen_time(ts)
  self.next_id = self.next_id + 1
  local m = { id = clock.int(self.next_id), chat = c, sender = f.sender, text = f.text, ts = ts, sortKey = ts,
    type = f.type or "TEXT", attachments = f.attachments, unread = f.unread or false,
    linked = f.linked, reactions = f.reactions or {}, sendStatus = f.sendStatus, pendingID = f.pendingID }
  c.messages[#c.messages + 1] = m
  self.msg_by_id[m.id] = m
  if m.pendingID then self.msg_by_pending[m.pendingID] = m end
  if ts > c.lastActivity then c.lastActivity = ts end
  return m
end

-- A message of a chat by final id or pendingMessageID.
function Model:message(c, id)
  local m = self.msg_by_id[id] or self.msg_by_pending[id]
  if m and m.chat == c and not m.hidden then return m end
end

function Model:message_json(m)
  local c = m.chat
  local out = { id = m.id, chatID = c.id, accountID = c.accountID, senderID = m.sender.id,
    senderName = m.sender.fullName or m.sender.username or m.sender.id, timestamp = clock.iso(m.ts),
    sortKey = clock.int(m.sortKey), type = m.type, isSender = m.sender.isSelf or false,
    isUnread = m.unread, isDeleted = m.deleted or false, linkedMessageID = m.linked }
  if not m.deleted then
    out.text = m.text
    if m.attachments and #m.attachments > 0 then
      local atts = {}
      for i, att in ipairs(m.attachments) do atts[i] = self:attachment_json(att) end
      out.attachments = atts
    end
  end
  if m.edited then out.editedTimestamp = clock.iso(m.edited) end
  if m.sendStatus then out.sendStatus = m.sendStatus end
  if #m.reactions > 0 then
    local rs = {}
    for i, r in ipairs(m.reactions) do
      rs[i] = { id = r.id, reactionKey = r.reactionKey, participantID = r.participantID, emoji = r.emoji }
    end
    out.reactions = rs
  end
  return out
end

-- The messages of a chat the user can see, newest first.
function Model:visible_messages(c)
  local out = {}
  for i = #c.messages, 1, -1 do
    local m = c.messages[i]
    if not m.hidden then out[#out + 1] = m end
  end
  return out
end

-- For /_sim/state: what the API changed, in a form tests can count.
function Model:dump()
  local sent = {}
  for i, m in ipairs(self.sent) do
    sent[i] = { chatID = m.chat.id, id = m.id, pendingMessageID = m.pendingID, text = m.text or cjson.null }
  end
  return { sent = list(sent), chats = #self.chats, focused = list(self.focused) }
end

return M
