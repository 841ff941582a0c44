-- Every API call the client offers, as data: the client and the default
-- client build their namespaces from this one table.
--   [1] dotted name   [2] method   [3] path template ({holes} are ids)
--   body      Lua parameter name -> wire field name of the JSON body
--   query     Lua parameter name -> wire name of the query string
--             (snake_case accepted, the wire spelling too)
--   required  parameters that must be present
--   auth      false for the calls the API declares public
--   empty_ok  a 2xx answer without a body is a success (returns true);
--             204 No Content always is
--   once      not idempotent: an attempt that may have reached the server
--             (a timeout after sending, a 5xx) is not retried unless the
--             call says retry_unsafe = true; a string names the parameter
--             that makes retries safe (a transaction id)
--   raw       the answer is bytes, not JSON (option output = path streams it)
--   upload    the parameter holding a file path: the body is multipart
--   paged     the list's items field: beeper.each walks every page
-- Wire types other than string are in M.TYPES.
local S = { flow_id = "flowID", login_id = "loginID", account_id = "accountID" }

local PAGE = { cursor = "cursor", direction = "direction" }
local function page(extra)
  local t = { cursor = "cursor", direction = "direction" }
  for k, v in pairs(extra or {}) do t[k] = v end
  return t
end

local M = {
  { "info", "GET", "/v1/info", auth = false },

  -- Bridges and their login sessions.
  { "bridges.list", "GET", "/v1/bridges" },
  { "bridges.get", "GET", "/v1/bridges/{bridge_id}" },
  { "bridges.capabilities", "GET", "/v1/bridges/{bridge_id}/capabilities" },
  { "bridges.login_flows.list", "GET", "/v1/bridges/{bridge_id}/login-flows" },

  { "bridges.login_sessions.create", "POST", "/v1/bridges/{bridge_id}/login-sessions", body = S },
  { "bridges.login_sessions.get", "GET", "/v1/bridges/{bridge_id}/login-sessions/{login_session_id}" },
  { "bridges.login_sessions.cancel", "DELETE", "/v1/bridges/{bridge_id}/login-sessions/{login_session_id}" },
  { "bridges.login_sessions.steps.submit", "POST",
    "/v1/bridges/{bridge_id}/login-sessions/{login_session_id}/steps/{step_id}",
    body = { type = "type", fields = "fields", last_url = "lastURL", source = "source" },
    required = { "type" } },

  { "bridges.logins.list", "GET", "/v1/bridges/{bridge_id}/logins" },
  { "bridges.logins.get", "GET", "/v1/bridges/{bridge_id}/logins/{login_id}" },
  { "bridges.logins.remove", "POST", "/v1/bridges/{bridge_id}/logins/{login_id}/remove",
    body = { scope = "scope" }, required = { "scope" } },

  -- Sign-in (app setup), device verification and the recovery key.
  { "app.setup.get", "GET", "/v1/app/setup" },
  { "app.setup.start", "POST", "/v1/app/setup/start", auth = false },
  { "app.setup.email", "POST", "/v1/app/setup/email", auth = false, empty_ok = true,
    body = { email = "email", setup_request_id = "setupRequestID" },
    required = { "email", "setup_request_id" } },
  { "app.setup.response", "POST", "/v1/app/setup/response", auth = false,
    body = { response = "response", setup_request_id = "setupRequestID" },
    required = { "response", "setup_request_id" } },
  { "app.setup.register", "POST", "/v1/app/setup/register", auth = false,
    body = { accept_terms = "acceptTerms", lead_token = "leadToken",
             setup_request_id = "setupRequestID", username = "username" },
    required = { "accept_terms", "lead_token", "setup_request_id", "username" } },
  { "app.setup.verifications.create", "POST", "/v1/app/setup/verifications",
    body = { purpose = "purpose", user_id = "userID" } },
  { "app.setup.verifications.list", "GET", "/v1/app/setup/verifications" },
  { "app.setup.verifications.get", "GET", "/v1/app/setup/verifications/{verification_id}" },
  { "app.setup.verifications.accept", "POST", "/v1/app/setup/verifications/{verification_id}/accept" },
  { "app.setup.verifications.cancel", "POST", "/v1/app/setup/verifications/{verification_id}/cancel",
    body = { code = "code", reason = "reason" } },
  { "app.setup.verifications.qr.scan", "POST", "/v1/app/setup/verifications/qr/scan",
    body = { data = "data" }, required = { "data" } },
  { "app.setup.verifications.qr.confirm_scanned", "POST",
    "/v1/app/setup/verifications/{verification_id}/qr/confirm-scanned" },
  { "app.setup.verifications.sas.start", "POST", "/v1/app/setup/verifications/{verification_id}/sas/start" },
  { "app.setup.verifications.sas.confirm", "POST", "/v1/app/setup/verifications/{verification_id}/sas/confirm" },
  { "app.setup.recovery_key.verify", "POST", "/v1/app/setup/verification/recovery-key",
    body = { recovery_key = "recoveryKey" }, required = { "recovery_key" } },
  { "app.setup.recovery_key.reset", "POST", "/v1/app/setup/verification/recovery-key/reset",
    body = { existing_recovery_key = "existingRecoveryKey" } },
  { "app.setup.recovery_key.confirm_reset", "POST", "/v1/app/setup/verification/recovery-key/reset/confirm",
    body = { recovery_key = "recoveryKey" }, required = { "recovery_key" } },

  -- Accounts and contacts.
  { "accounts.list", "GET", "/v1/accounts" },
  { "accounts.contacts.search", "GET", "/v1/accounts/{account_id}/contacts",
    query = { query = "query" }, required = { "query" } },
  { "accounts.contacts.list", "GET", "/v1/accounts/{account_id}/contacts/list",
    query = page { limit = "limit", query = "query" }, paged = "items" },

  -- Chats.
  { "chats.list", "GET", "/v1/chats", query = page { account_ids = "accountIDs" }, paged = "items" },
  { "chats.search", "GET", "/v1/chats/search", paged = "items",
    query = page { inbox = "inbox", unread_only = "unreadOnly", limit = "limit", type = "type",
                   query = "query", scope = "scope", last_activity_before = "lastActivityBefore",
                   last_activity_after = "lastActivityAfter", account_ids = "accountIDs",
                   include_muted = "includeMuted" } },
  { "chats.get", "GET", "/v1/chats/{chat_id}", query = { max_participant_count = "maxParticipantCount" } },
  { "chats.update", "PATCH", "/v1/chats/{chat_id}",
    body = { draft = "draft", title = "title", description = "description", img_url = "imgURL",
             is_archived = "isArchived", is_low_priority = "isLowPriority", is_pinned = "isPinned",
             is_muted = "isMuted", message_expiry_seconds = "messageExpirySeconds" } },
  { "chats.create", "POST", "/v1/chats", once = true,
    body = { account_id = "accountID", type = "type", participant_ids = "participantIDs",
             title = "title", message_text = "messageText" },
    required = { "account_id", "type", "participant_ids" } },
  { "chats.start", "POST", "/v1/chats/start", once = true,
    body = { account_id = "accountID", user = "user", message_text = "messageText",
             allow_invite = "allowInvite" },
    required = { "account_id", "user" } },
  { "chats.archive", "POST", "/v1/chats/{chat_id}/archive", body = { archived = "archived" } },
  { "chats.notify_anyway", "POST", "/v1/chats/{chat_id}/notify-anyway" },
  { "chats.mark_read", "POST", "/v1/chats/{chat_id}/read", body = { message_id = "messageID" } },
  { "chats.mark_unread", "POST", "/v1/chats/{chat_id}/unread", body = { message_id = "messageID" } },
  { "chats.reminders.create", "POST", "/v1/chats/{chat_id}/reminders",
    body = { reminder = "reminder" }, required = { "reminder" } },
  { "chats.reminders.delete", "DELETE", "/v1/chats/{chat_id}/reminders" },
  { "chats.messages.reactions.add", "POST", "/v1/chats/{chat_id}/messages/{message_id}/reactions",
    once = "transaction_id", body = { reaction_key = "reactionKey", transaction_id = "transactionID" },
    required = { "reaction_key" } },
  { "chats.messages.reactions.delete", "DELETE",
    "/v1/chats/{chat_id}/messages/{message_id}/reactions/{reaction_key}" },

  -- Messages.
  { "messages.list", "GET", "/v1/chats/{chat_id}/messages", query = PAGE, paged = "items" },
  { "messages.search", "GET", "/v1/messages/search", paged = "items",
    query = page { query = "query", chat_ids = "chatIDs", account_ids = "accountIDs",
                   chat_type = "chatType", media_types = "mediaTypes", sender = "sender",
                   date_after = "dateAfter", date_before = "dateBefore", limit = "limit",
                   exclude_low_priority = "excludeLowPriority", include_muted = "includeMuted" } },
  { "messages.get", "GET", "/v1/chats/{chat_id}/messages/{message_id}" },
  { "messages.send", "POST", "/v1/chats/{chat_id}/messages", once = true,
    body = { text = "text", reply_to_message_id = "replyToMessageID", attachment = "attachment" } },
  { "messages.update", "PUT", "/v1/chats/{chat_id}/messages/{message_id}",
    body = { text = "text" }, required = { "text" } },
  { "messages.delete", "DELETE", "/v1/chats/{chat_id}/messages/{message_id}",
    query = { for_everyone = "forEveryone" } },

  -- Search and focus.
  { "search", "GET", "/v1/search", query = { query = "query" }, required = { "query" } },
  { "focus", "POST", "/v1/focus",
    body = { chat_id = "chatID", message_id = "messageID", draft_text = "draftText",
             draft_attachment_path = "draftAttachmentPath" } },

  -- Assets.
  { "assets.download", "POST", "/v1/assets/download", body = { url = "url" }, required = { "url" } },
  { "assets.serve", "GET", "/v1/assets/serve", query = { url = "url" }, required = { "url" }, raw = true },
  { "assets.upload", "POST", "/v1/assets/upload", once = true, upload = "file",
    body = { file = "file", file_name = "fileName", mime_type = "mimeType" }, required = { "file" } },
  { "assets.upload_base64", "POST", "/v1/assets/upload/base64", once = true,
    body = { content = "content", file_name = "fileName", mime_type = "mimeType" }, required = { "content" } },
}

-- Wire fields and query parameters that are not strings.
M.TYPES = {
  fields = "table", acceptTerms = "boolean",
  participantIDs = "array", accountIDs = "array", chatIDs = "array", mediaTypes = "array",
  user = "table", reminder = "table", attachment = "table", draft = "table",
  archived = "boolean", isArchived = "boolean", isLowPriority = "boolean", isPinned = "boolean",
  isMuted = "boolean", allowInvite = "boolean", unreadOnly = "boolean", includeMuted = "boolean",
  excludeLowPriority = "boolean", forEveryone = "boolean",
  limit = "integer", maxParticipantCount = "integer", messageExpirySeconds = "integer",
}

return M
