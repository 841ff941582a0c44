-- The query and body schemas of the Desktop API operations, transcribed
-- from desktop-api-openapi-5.0.0.json in beeper.sim.check's notation.
local M = {}

local S = { type = "string" }
local B = { type = "boolean" }
local DT = { type = "date-time" }
local IDS = { type = "array", items = S }
local CURSOR = { cursor = S, direction = { type = "string", enum = { "after", "before" } } }

local function with(base, extra)
  local out = {}
  for k, v in pairs(base) do out[k] = v end
  for k, v in pairs(extra) do out[k] = v end
  return out
end

local function obj(fields, extra)
  local o = { type = "object", fields = fields }
  for k, v in pairs(extra or {}) do o[k] = v end
  return o
end

local function req(spec)
  return with(spec, { required = true })
end

M.query = {
  listChats = with(CURSOR, { accountIDs = IDS }),
  searchChats = with(CURSOR, {
    inbox = { type = "string", enum = { "primary", "low-priority", "archive" } },
    unreadOnly = B, limit = { type = "integer", min = 1, max = 200 },
    type = { type = "string", enum = { "single", "group", "any" } }, query = { type = "string", min_len = 1 },
    scope = { type = "string", enum = { "titles", "participants" } },
    lastActivityBefore = DT, lastActivityAfter = DT, accountIDs = IDS, includeMuted = B,
  }),
  searchMessages = with(CURSOR, {
    query = S, chatIDs = IDS, accountIDs = IDS, chatType = { type = "string", enum = { "group", "single" } },
    mediaTypes = { type = "array", items = { type = "string", enum = { "any", "video", "image", "link", "file" } } },
    sender = S, dateAfter = DT, dateBefore = DT, limit = { type = "integer", min = 1, max = 20 },
    excludeLowPriority = B, includeMuted = B,
  }),
  searchContacts = { query = { type = "string", min_len = 1, required = true } },
  listContacts = with(CURSOR, { limit = { type = "integer", min = 1, max = 200 }, query = { type = "string", min_len = 1 } }),
  search = { query = { type = "string", min_len = 1, required = true } },
  getChat = { maxParticipantCount = { type = "integer", min = -1, max = 500 } },
  listMessages = CURSOR,
  deleteMessage = { forEveryone = B },
  serveAsset = { url = { type = "string", min_len = 1, required = true } },
}

local ATTACHMENT = {
  uploadID = req(S), mimeType = S, fileName = S, duration = { type = "number" },
  size = obj({ width = { type = "number", required = true }, height = { type = "number", required = true } }),
  type = { type = "string", enum = { "image", "video", "audio", "file", "gif", "voice-note", "sticker" } },
}

M.body = {
  focusApp = obj { chatID = S, messageID = S, draftText = S, draftAttachmentPath = S },
  createChat = obj { accountID = req(S), messageText = S, type = req { type = "string", enum = { "single", "group" } },
    participantIDs = req { type = "array", items = S, min_items = 1 }, title = S },
  startChat = obj { accountID = req(S), messageText = S, allowInvite = B,
    user = req(obj { id = S, username = S, phoneNumber = S, email = S, fullName = S }) },
  patchChat = obj {
    draft = obj({ text = req(S), attachments = { type = "map", values = obj(with(ATTACHMENT, { id = S })) } },
      { nullable = true }),
    title = with(S, { nullable = true }), description = with(S, { nullable = true }),
    imgURL = with(S, { nullable = true }), isArchived = B, isLowPriority = B, isPinned = B, isMuted = B,
    messageExpirySeconds = { type = "integer", nullable = true, min = 0 },
  },
  archiveChat = obj { archived = B },
  setChatReminder = obj { reminder = req(obj { remindAt = req(DT), dismissOnIncomingMessage = B }) },
  markChatRead = obj { messageID = S },
  markChatUnread = obj { messageID = S },
  notifyAnyway = obj {},
  sendMessage = obj { text = S, replyToMessageID = S, attachment = obj(ATTACHMENT) },
  editMessage = obj { text = req { type = "string", min_len = 1 } },
  addReaction = obj { reactionKey = req { type = "string", min_len = 1 }, transactionID = S },
  downloadAsset = obj { url = req { type = "string", min_len = 1 } },
  uploadAssetBase64 = obj { content = req { type = "string", min_len = 1, max_len = 750000000 }, fileName = S,
    mimeType = S },
}

return M
