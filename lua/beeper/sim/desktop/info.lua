-- GET /v1/info (every field the spec requires) and POST /v1/focus.
local util = require "beeper.sim.desktop.util"

local M = {}

function M.info(model, ctx)
  local cfg = model.config
  local host = ctx.req.headers.host or ("127.0.0.1:" .. tostring(cfg.port))
  local base = "http://" .. host
  return 200, {
    app = { name = "Beeper Desktop", version = cfg.version, bundle_id = "com.automattic.beeper.desktop" },
    platform = { os = "linux", arch = "x64", release = "6.1.0" },
    server = { status = "running", base_url = base, port = cfg.port, hostname = host:match("^%[?([^%]]-)%]?:%d+$") or host,
      remote_access = false, mcp_enabled = true },
    endpoints = {
      oauth = { authorization_endpoint = base .. "/oauth/authorize", token_endpoint = base .. "/oauth/token",
        introspection_endpoint = base .. "/oauth/introspect", userinfo_endpoint = base .. "/oauth/userinfo",
        revocation_endpoint = base .. "/oauth/revoke", registration_endpoint = base .. "/oauth/register" },
      spec = base .. "/v1/spec", mcp = base .. "/v0/mcp", ws_events = "ws://" .. host .. "/v1/ws",
    },
  }
end

function M.focus(model, ctx)
  local b = ctx.body
  if b.chatID then
    local c = model:chat(b.chatID)
    if not c then return util.not_found("chat", b.chatID) end
    if b.messageID and not model:message(c, b.messageID) then return util.not_found("message", b.messageID) end
  end
  model.focused[#model.focused + 1] = { chatID = b.chatID, messageID = b.messageID, draftText = b.draftText,
    draftAttachmentPath = b.draftAttachmentPath }
  return 200, { success = true }
end

return M
