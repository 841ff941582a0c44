-- The 30 operations of the Desktop API 5.0.0, each as the client call pinned
-- in issue 13 and as the request it must put on the wire:
--   op    the operationId in the OpenAPI description
--   call  the client function (client.<call>)
--   args  function(x) -> the call's arguments; x holds the ids to use
--   wire  function(x) -> { method, path, query = {wire name = value or list},
--         json = body | multipart = {field = value, file = {path =}},
--         accept = the Accept header (default application/json) }
--   after function(x, value) notes what a later row needs (upload ids)
-- The rows run in this order: reads first, then writes, the delete last, so
-- that against the stateful simulator each row finds what it needs.
local M = {}

-- Values taken from the description's own examples (ids, cursor, mxc URL).
M.examples = {
  account_id = "local-whatsapp_ba_EvYDBBsZbRQAy3UOSWqG0LuTVkc",
  account_id2 = "matrix",
  chat_id = "!NCdzlIaMjZUmvmvyHU:beeper.com",
  imessage_chat_id = "!NCdzlIaMjZUmvmvyHU:beeper.com",
  message_id = "1343993",
  own_message_id = "1343993",
  user_id = "@15550101002:local-whatsapp.localhost",
  cursor = "1725489123456|c29tZUltc2dQYWdl",
  contact_cursor = "1725489123456|c29tZUltc2dQYWdl",
  message_cursor = "1725489123456|c29tZUltc2dQYWdl",
  asset_url = "mxc://example.org/Q4x9CqGz1pB3Oa6XgJ",
  upload_id = "upload-1",
}

-- The bytes every upload row sends: all 256 byte values, so a text-only
-- path would show. The base64 row sends the same bytes encoded.
M.upload_bytes = (function()
  local t = {}
  for i = 0, 255 do t[#t + 1] = string.char(i) end
  return table.concat(t)
end)()

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
function M.base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local q = { math.floor(n / 262144) % 64, math.floor(n / 4096) % 64, math.floor(n / 64) % 64, n % 64 }
    for k = 1, 4 do out[#out + 1] = B64:sub(q[k] + 1, q[k] + 1) end
    if not c then out[#out] = "=" end
    if not b then out[#out - 1] = "=" end
  end
  return table.concat(out)
end

local REMINDER = { remindAt = "2030-08-31T23:30:12.520Z", dismissOnIncomingMessage = true }
local NEW_USER = { phoneNumber = "+15550101009", fullName = "Contract Spec" }
local REACTION = "👍"
local FILE = { name = "contract.bin", mime = "application/octet-stream" }

M.rows = {
  { op = "getInfo", call = "info",
    args = function() return {} end,
    wire = function() return { "GET", "/v1/info" } end },

  { op = "getAccounts", call = "accounts.list",
    args = function() return {} end,
    wire = function() return { "GET", "/v1/accounts" } end },

  { op = "searchContacts", call = "accounts.contacts.search",
    args = function(x) return { x.account_id, { query = "a" } } end,
    wire = function(x) return { "GET", "/v1/accounts/" .. x.account_id .. "/contacts", query = { query = "a" } } end },

  { op = "listContacts", call = "accounts.contacts.list",
    args = function(x) return { x.account_id, { cursor = x.contact_cursor, direction = "before", limit = 20, query = "a" } } end,
    wire = function(x)
      return { "GET", "/v1/accounts/" .. x.account_id .. "/contacts/list",
               query = { cursor = x.contact_cursor, direction = "before", limit = 20, query = "a" } }
    end },

  { op = "listChats", call = "chats.list",
    args = function(x) return { { cursor = x.cursor, direction = "before", account_ids = { x.account_id, x.account_id2 } } } end,
    wire = function(x)
      return { "GET", "/v1/chats", query = { cursor = x.cursor, direction = "before",
                                             accountIDs = { x.account_id, x.account_id2 } } }
    end },

  { op = "searchChats", call = "chats.search",
    args = function(x)
      return { { query = "a", scope = "titles", inbox = "primary", type = "any", unread_only = false,
                 include_muted = true, limit = 25, account_ids = { x.account_id },
                 last_activity_after = "2020-01-01T00:00:00Z", last_activity_before = "2030-01-01T00:00:00Z" } }
    end,
    wire = function(x)
      return { "GET", "/v1/chats/search", query = { query = "a", scope = "titles", inbox = "primary", type = "any",
        unreadOnly = false, includeMuted = true, limit = 25, accountIDs = { x.account_id },
        lastActivityAfter = "2020-01-01T00:00:00Z", lastActivityBefore = "2030-01-01T00:00:00Z" } }
    end },

  { op = "getChat", call = "chats.get",
    args = function(x) return { x.chat_id, { max_participant_count = 20 } } end,
    wire = function(x) return { "GET", "/v1/chats/" .. x.chat_id, query = { maxParticipantCount = 20 } } end },

  { op = "listMessages", call = "messages.list",
    args = function(x) return { x.chat_id, { cursor = x.message_cursor, direction = "before" } } end,
    wire = function(x)
      return { "GET", "/v1/chats/" .. x.chat_id .. "/messages", query = { cursor = x.message_cursor, direction = "before" } }
    end },

  { op = "searchMessages", call = "messages.search",
    args = function(x)
      return { { query = "a", account_ids = { x.account_id, x.account_id2 }, chat_ids = { x.chat_id },
                 chat_type = "single", media_types = { "image", "link" }, sender = "others",
                 date_after = "2020-01-01T00:00:00Z", date_before = "2030-01-01T00:00:00Z", limit = 10,
                 exclude_low_priority = false, include_muted = true } }
    end,
    wire = function(x)
      return { "GET", "/v1/messages/search", query = { query = "a", accountIDs = { x.account_id, x.account_id2 },
        chatIDs = { x.chat_id }, chatType = "single", mediaTypes = { "image", "link" }, sender = "others",
        dateAfter = "2020-01-01T00:00:00Z", dateBefore = "2030-01-01T00:00:00Z", limit = 10,
        excludeLowPriority = false, includeMuted = true } }
    end },

  { op = "getMessage", call = "messages.get",
    args = function(x) return { x.chat_id, x.message_id } end,
    wire = function(x) return { "GET", "/v1/chats/" .. x.chat_id .. "/messages/" .. x.message_id } end },

  { op = "search", call = "search",
    args = function() return { { query = "a" } } end,
    wire = function() return { "GET", "/v1/search", query = { query = "a" } } end },

  { op = "focusApp", call = "focus",
    args = function(x)
      return { { chat_id = x.chat_id, message_id = x.message_id, draft_text = "Draft from the contract spec",
                 draft_attachment_path = "/tmp/contract.png" } }
    end,
    wire = function(x)
      return { "POST", "/v1/focus", json = { chatID = x.chat_id, messageID = x.message_id,
        draftText = "Draft from the contract spec", draftAttachmentPath = "/tmp/contract.png" } }
    end },

  { op = "uploadAsset", call = "assets.upload",
    args = function(x) return { { file = x.upload_path, file_name = FILE.name, mime_type = FILE.mime } } end,
    wire = function(x)
      return { "POST", "/v1/assets/upload",
               multipart = { file = { path = x.upload_path }, fileName = FILE.name, mimeType = FILE.mime } }
    end,
    after = function(x, v)
      if type(v) == "table" and type(v.uploadID) == "string" then x.upload_id = v.uploadID end
      if type(v) == "table" and type(v.srcURL) == "string" then x.uploaded_url = v.srcURL end
    end },

  { op = "uploadAssetBase64", call = "assets.upload_base64",
    args = function() return { { content = M.base64(M.upload_bytes), file_name = FILE.name, mime_type = FILE.mime } } end,
    wire = function()
      return { "POST", "/v1/assets/upload/base64",
               json = { content = M.base64(M.upload_bytes), fileName = FILE.name, mimeType = FILE.mime } }
    end },

  { op = "sendMessage", call = "messages.send",
    args = function(x)
      return { x.chat_id, { text = "Hello from the contract spec", reply_to_message_id = x.message_id,
                            attachment = { uploadID = x.upload_id, fileName = FILE.name } } }
    end,
    wire = function(x)
      return { "POST", "/v1/chats/" .. x.chat_id .. "/messages", json = { text = "Hello from the contract spec",
        replyToMessageID = x.message_id, attachment = { uploadID = x.upload_id, fileName = FILE.name } } }
    end },

  { op = "editMessage", call = "messages.update",
    args = function(x) return { x.chat_id, x.own_message_id, { text = "Edited by the contract spec" } } end,
    wire = function(x)
      return { "PUT", "/v1/chats/" .. x.chat_id .. "/messages/" .. x.own_message_id,
               json = { text = "Edited by the contract spec" } }
    end },

  { op = "addReaction", call = "chats.messages.reactions.add",
    args = function(x) return { x.chat_id, x.message_id, { reaction_key = REACTION, transaction_id = "contract-1" } } end,
    wire = function(x)
      return { "POST", "/v1/chats/" .. x.chat_id .. "/messages/" .. x.message_id .. "/reactions",
               json = { reactionKey = REACTION, transactionID = "contract-1" } }
    end },

  { op = "removeReaction", call = "chats.messages.reactions.delete",
    args = function(x) return { x.chat_id, x.message_id, REACTION } end,
    wire = function(x)
      return { "DELETE", "/v1/chats/" .. x.chat_id .. "/messages/" .. x.message_id .. "/reactions/" .. REACTION }
    end },

  { op = "markChatRead", call = "chats.mark_read",
    args = function(x) return { x.chat_id, { message_id = x.message_id } } end,
    wire = function(x) return { "POST", "/v1/chats/" .. x.chat_id .. "/read", json = { messageID = x.message_id } } end },

  { op = "markChatUnread", call = "chats.mark_unread",
    args = function(x) return { x.chat_id, { message_id = x.message_id } } end,
    wire = function(x) return { "POST", "/v1/chats/" .. x.chat_id .. "/unread", json = { messageID = x.message_id } } end },

  -- "Currently intended for iMessage; unsupported networks return an error."
  { op = "notifyAnyway", call = "chats.notify_anyway",
    args = function(x) return { x.imessage_chat_id } end,
    wire = function(x) return { "POST", "/v1/chats/" .. x.imessage_chat_id .. "/notify-anyway" } end },

  { op = "patchChat", call = "chats.update",
    args = function(x)
      return { x.chat_id, { title = "Contract spec", description = "Renamed by the contract spec",
                            is_pinned = true, is_muted = false, is_low_priority = false,
                            message_expiry_seconds = 86400 } }
    end,
    wire = function(x)
      return { "PATCH", "/v1/chats/" .. x.chat_id, json = { title = "Contract spec",
        description = "Renamed by the contract spec", isPinned = true, isMuted = false, isLowPriority = false,
        messageExpirySeconds = 86400 } }
    end },

  { op = "setChatReminder", call = "chats.reminders.create",
    args = function(x) return { x.chat_id, { reminder = REMINDER } } end,
    wire = function(x) return { "POST", "/v1/chats/" .. x.chat_id .. "/reminders", json = { reminder = REMINDER } } end },

  { op = "clearChatReminder", call = "chats.reminders.delete",
    args = function(x) return { x.chat_id } end,
    wire = function(x) return { "DELETE", "/v1/chats/" .. x.chat_id .. "/reminders" } end },

  { op = "archiveChat", call = "chats.archive",
    args = function(x) return { x.chat_id, { archived = true } } end,
    wire = function(x) return { "POST", "/v1/chats/" .. x.chat_id .. "/archive", json = { archived = true } } end },

  { op = "createChat", call = "chats.create",
    args = function(x)
      return { { account_id = x.account_id, type = "group", participant_ids = { x.user_id },
                 title = "Contract spec group", message_text = "Hello group" } }
    end,
    wire = function(x)
      return { "POST", "/v1/chats", json = { accountID = x.account_id, type = "group", participantIDs = { x.user_id },
        title = "Contract spec group", messageText = "Hello group" } }
    end },

  { op = "startChat", call = "chats.start",
    args = function(x)
      return { { account_id = x.account_id, user = NEW_USER, message_text = "Hello", allow_invite = true } }
    end,
    wire = function(x)
      return { "POST", "/v1/chats/start", json = { accountID = x.account_id, user = NEW_USER,
        messageText = "Hello", allowInvite = true } }
    end },

  { op = "downloadAsset", call = "assets.download",
    args = function(x) return { { url = x.asset_url } } end,
    wire = function(x) return { "POST", "/v1/assets/download", json = { url = x.asset_url } } end },

  { op = "serveAsset", call = "assets.serve",
    args = function(x) return { { url = x.uploaded_url or x.asset_url } } end,
    wire = function(x)
      return { "GET", "/v1/assets/serve", query = { url = x.uploaded_url or x.asset_url }, accept = "*/*" }
    end },

  { op = "deleteMessage", call = "messages.delete",
    args = function(x) return { x.chat_id, x.own_message_id, { for_everyone = true } } end,
    wire = function(x)
      return { "DELETE", "/v1/chats/" .. x.chat_id .. "/messages/" .. x.own_message_id, query = { forEveryone = true } }
    end },
}

-- The ids a live server (the simulator) has, read over its own API with
-- get(path) -> decoded answer or nil; what it lacks stays at the examples.
function M.discover(get)
  local x = {}
  for k, v in pairs(M.examples) do x[k] = v end
  -- A live server's cursors and uploads are its own.
  x.cursor, x.contact_cursor, x.message_cursor, x.upload_id = nil, nil, nil, "none-yet"
  local function first(list) return type(list) == "table" and list[1] or nil end
  local accounts = get("/v1/accounts")
  local a1 = first(accounts)
  if a1 and a1.accountID then
    x.account_id = a1.accountID
    x.account_id2 = accounts[2] and accounts[2].accountID or a1.accountID
  end
  local contacts = get("/v1/accounts/" .. x.account_id .. "/contacts/list")
  local c1 = contacts and first(contacts.items)
  if c1 and c1.id then x.user_id = c1.id end
  x.contact_cursor = contacts and type(contacts.oldestCursor) == "string" and contacts.oldestCursor or nil
  local chats = get("/v1/chats")
  local chat = chats and first(chats.items)
  if chat and chat.id then x.chat_id, x.imessage_chat_id = chat.id, chat.id end
  for _, c in ipairs(chats and type(chats.items) == "table" and chats.items or {}) do
    if c.network == "iMessage" then x.imessage_chat_id = c.id; break end
  end
  x.cursor = chats and type(chats.oldestCursor) == "string" and chats.oldestCursor or nil
  local messages = get("/v1/chats/" .. x.chat_id .. "/messages")
  x.message_cursor = messages and type(messages.oldestCursor) == "string" and messages.oldestCursor or nil
  local any, own
  for _, m in ipairs(messages and type(messages.items) == "table" and messages.items or {}) do
    any = any or m.id
    if m.isSender then own = own or m.id end
    for _, att in ipairs(type(m.attachments) == "table" and m.attachments or {}) do
      if type(att.srcURL) == "string" and att.srcURL:match("^mxc://") then x.asset_url = att.srcURL end
    end
  end
  x.message_id = any or x.message_id
  x.own_message_id = own or any or x.own_message_id
  return x
end

return M
