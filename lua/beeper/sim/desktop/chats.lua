-- Chats: list, search, get, create, start, update (PATCH), archive,
-- reminders, read/unread and notify-anyway.
local clock = require "beeper.sim.clock"
local model_mod = require "beeper.sim.desktop.model"
local page = require "beeper.sim.page"
local util = require "beeper.sim.desktop.util"
local NULL = require("cjson").null

local M = {}

local LIST_PAGE = 50        -- chats.list has no limit parameter
local LIST_PARTICIPANTS = 5 -- participants shown per chat in lists
local DEFAULT_PARTICIPANTS = 100

local function key(c) return c.lastActivity end

local function chat_of(model, ctx)
  local c = model:chat(ctx.params.chatID)
  if not c then return nil, util.not_found("chat", ctx.params.chatID) end
  return c
end

local function answer(model, c, ctx)
  local maxp = ctx and ctx.query.maxParticipantCount or DEFAULT_PARTICIPANTS
  return 200, model:chat_json(c, maxp)
end

function M.list(model, ctx)
  local q = ctx.query
  local accounts = util.set(q.accountIDs)
  local pool = {}
  for _, c in ipairs(model:sorted_chats()) do
    if not accounts or accounts[c.accountID] then pool[#pool + 1] = c end
  end
  local p = page.page(pool, key, q.cursor_key, q.direction, LIST_PAGE)
  for i, c in ipairs(p.items) do p.items[i] = model:chat_json(c, LIST_PARTICIPANTS, true) end
  p.items = model_mod.list(p.items)
  return 200, p
end

-- The chats.search filters, shared with the unified search.
function M.filter(model, q)
  local accounts = util.set(q.accountIDs)
  local words = q.query and util.words(q.query)
  local before, after = q.lastActivityBefore and clock.parse(q.lastActivityBefore),
    q.lastActivityAfter and clock.parse(q.lastActivityAfter)
  local out = {}
  for _, c in ipairs(model:sorted_chats()) do
    local ok = not accounts or accounts[c.accountID]
    if ok and q.inbox == "primary" then ok = not c.isArchived and not c.isLowPriority end
    if ok and q.inbox == "low-priority" then ok = c.isLowPriority and not c.isArchived end
    if ok and q.inbox == "archive" then ok = c.isArchived end
    if ok and q.unreadOnly then ok = c.unread > 0 or c.isMarkedUnread end
    if ok and q.type and q.type ~= "any" then ok = c.type == q.type end
    if ok and q.includeMuted == false then ok = not c.isMuted end
    if ok and before then ok = c.lastActivity < before end
    if ok and after then ok = c.lastActivity > after end
    if ok and words then
      if q.scope == "participants" then
        local names = {}
        for _, p in ipairs(c.participants) do
          if not p.isSelf then names[#names + 1] = (p.fullName or "") .. " " .. (p.username or "") end
        end
        ok = util.matches(words, table.concat(names, "\n"))
      else
        ok = util.matches(words, model:title(c), c.network)
      end
    end
    if ok then out[#out + 1] = c end
  end
  return out
end

function M.search(model, ctx)
  local q = ctx.query
  local p = page.page(M.filter(model, q), key, q.cursor_key, q.direction, q.limit or 50)
  for i, c in ipairs(p.items) do p.items[i] = model:chat_json(c, LIST_PARTICIPANTS) end
  p.items = model_mod.list(p.items)
  return 200, p
end

function M.get(model, ctx)
  local c, s, e = chat_of(model, ctx)
  if not c then return s, e end
  return answer(model, c, ctx)
end

-- The user an id names on an account: a contact, else a bare user.
local function user_of(model, account_id, id)
  local a = model.acct[account_id]
  return a.contact_by_id[id] or { id = id, cannotMessage = false, isSelf = false }
end

local function existing_dm(model, account_id, user)
  for _, c in ipairs(model.chats) do
    if c.accountID == account_id and c.type == "single" and c.participants[1] == user then return c end
  end
end

local function new_chat(model, account, typ, members, title)
  local a = model.acct[account.accountID]
  local participants = {}
  for i, u in ipairs(members) do participants[i] = u end
  participants[#participants + 1] = account.user
  local id = "!" .. model:next_name("simchat") .. ":beeper.local"
  return model:add_chat { id = id, accountID = account.accountID, network = account.network or a.json.network,
    type = typ, participants = participants, title = title, lastActivity = model:tick() }
end

local function created(model, c, status, text)
  if text and text ~= "" then
    local m = model:add_message(c, { sender = c.participants[#c.participants], text = text,
      sendStatus = { status = "SUCCESS", timestamp = clock.iso(model.last_ms) } })
    model.sent[#model.sent + 1] = m
  end
  local out = model:chat_json(c, DEFAULT_PARTICIPANTS)
  out.chatID, out.status = c.id, status
  return 200, out
end

function M.create(model, ctx)
  local b = ctx.body
  local a = model.acct[b.accountID]
  if not a then return util.not_found("account", b.accountID) end
  if b.type == "single" and #b.participantIDs ~= 1 then
    return util.err(400, "VALIDATION_ERROR", "a single chat takes exactly one participantID",
      { issues = { { code = "custom", message = "expected exactly one participant", path = { "body", "participantIDs" } } } })
  end
  local members = {}
  for i, id in ipairs(b.participantIDs) do members[i] = user_of(model, b.accountID, id) end
  if b.type == "single" then
    local c = existing_dm(model, b.accountID, members[1])
    if c then return created(model, c, "existing", b.messageText) end
  end
  local c = new_chat(model, a.json, b.type, members, b.type == "group" and b.title or nil)
  return created(model, c, "created", b.messageText)
end

-- chats.start: resolve the user among the account's contacts by id,
-- username, phone number or email; an unknown user with a phone number,
-- email or username becomes a new contact (unless allowInvite is false).
function M.start(model, ctx)
  local b = ctx.body
  local a = model.acct[b.accountID]
  if not a then return util.not_found("account", b.accountID) end
  local want, found = b.user, nil
  for _, u in ipairs(a.contacts) do
    if (want.id and u.id == want.id) or (want.username and u.username == want.username)
      or (want.phoneNumber and u.phoneNumber == want.phoneNumber) or (want.email and u.email == want.email) then
      found = u
      break
    end
  end
  if not found then
    local handle = want.phoneNumber or want.email or want.username
    if not handle or b.allowInvite == false then
      return util.err(404, "USER_NOT_FOUND", "no user on " .. b.accountID .. " matches the given details")
    end
    found = model:add_contact(b.accountID, { id = want.id or ("@" .. handle:gsub("[^%w]", "") .. ":beeper.local"),
      username = want.username, phoneNumber = want.phoneNumber, email = want.email,
      fullName = want.fullName or handle, cannotMessage = false, isSelf = false })
  end
  local c = existing_dm(model, b.accountID, found)
  if c then return created(model, c, "existing", b.messageText) end
  return created(model, new_chat(model, a.json, "single", { found }), "created", b.messageText)
end

local function draft_of(model, d)
  if d.text == "" and (d.attachments == nil or next(d.attachments) == nil) then return nil end
  local atts = {}
  for key_, att in pairs(d.attachments or {}) do
    local up = model.uploads[att.uploadID]
    if not up then return nil, "unknown uploadID '" .. att.uploadID .. "'" end
    atts[key_] = { id = att.id or key_, type = (att.mimeType or up.mimeType or "") == "image/gif" and "gif" or "file",
      mimeType = att.mimeType or up.mimeType, fileName = att.fileName or up.fileName, filePath = up.path,
      fileSize = #up.bytes }
  end
  return { text = d.text, attachments = atts }
end

function M.update(model, ctx)
  local c, s, e = chat_of(model, ctx)
  if not c then return s, e end
  local b = ctx.body
  if b.draft ~= nil then
    if b.draft == NULL then
      c.draft = nil
    else
      local d, why = draft_of(model, b.draft)
      if why then return util.err(400, "UNKNOWN_UPLOAD", why) end
      if d and c.draft then
        return util.err(422, "DRAFT_NOT_EMPTY", "the chat already has a draft: send draft=null first")
      end
      c.draft = d
    end
  end
  for _, k in ipairs { "title", "description", "imgURL", "messageExpirySeconds" } do
    if b[k] == NULL then c[k] = nil elseif b[k] ~= nil then c[k] = b[k] end
  end
  for _, k in ipairs { "isArchived", "isLowPriority", "isPinned", "isMuted" } do
    if b[k] ~= nil then c[k] = b[k] end
  end
  return answer(model, c, ctx)
end

function M.archive(model, ctx)
  local c, s, e = chat_of(model, ctx)
  if not c then return s, e end
  c.isArchived = ctx.body.archived ~= false
  return 204
end

function M.set_reminder(model, ctx)
  local c, s, e = chat_of(model, ctx)
  if not c then return s, e end
  local r = ctx.body.reminder
  c.reminder = { remindAt = clock.iso(clock.parse(r.remindAt)), dismissOnIncomingMessage = r.dismissOnIncomingMessage }
  return 204
end

function M.clear_reminder(model, ctx)
  local c, s, e = chat_of(model, ctx)
  if not c then return s, e end
  c.reminder = nil
  return 204
end

-- Marks read through messageID (default: the newest message).
function M.read(model, ctx)
  local c, s, e = chat_of(model, ctx)
  if not c then return s, e end
  local upto = math.huge
  if ctx.body.messageID then
    local m = model:message(c, ctx.body.messageID)
    if not m then return util.not_found("message", ctx.body.messageID) end
    upto = m.sortKey
  end
  for _, m in ipairs(c.messages) do
    if m.sortKey <= upto then m.unread = false end
  end
  c.isMarkedUnread = false
  model:recount(c)
  return answer(model, c)
end

-- Marks unread from messageID (default: the newest message from someone else).
function M.unread(model, ctx)
  local c, s, e = chat_of(model, ctx)
  if not c then return s, e end
  local from
  if ctx.body.messageID then
    local m = model:message(c, ctx.body.messageID)
    if not m then return util.not_found("message", ctx.body.messageID) end
    from = m.sortKey
  else
    for i = #c.messages, 1, -1 do
      local m = c.messages[i]
      if not m.sender.isSelf and not m.hidden then from = m.sortKey; break end
    end
  end
  for _, m in ipairs(c.messages) do
    if from and m.sortKey >= from and not m.sender.isSelf and not m.hidden then m.unread = true end
  end
  c.isMarkedUnread = true
  model:recount(c)
  return answer(model, c)
end

-- Only iMessage can notify anyway (the API says so); others are an error.
function M.notify_anyway(model, ctx)
  local c, s, e = chat_of(model, ctx)
  if not c then return s, e end
  if c.network ~= "iMessage" then
    return util.err(422, "NOT_SUPPORTED", "notify anyway is not supported on " .. c.network)
  end
  c.notified = (c.notified or 0) + 1
  return answer(model, c)
end

return M
