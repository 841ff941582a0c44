-- The Desktop API routes of the simulator (the 30 operations of
-- desktop-api-openapi-5.0.0.json but /v1/info's auth, which beeper.sim.state
-- decides): path matching, query and body validation (400 with the API's
-- validation issues), then the handler of the resource's module.
-- handle(req) returns status, value, headers, raw body (assets.serve).
local query = require "beeper.sim.query"
local check = require "beeper.sim.check"
local page = require "beeper.sim.page"
local schemas = require "beeper.sim.desktop.schemas"
local model_mod = require "beeper.sim.desktop.model"
local seed = require "beeper.sim.desktop.seed"
local util = require "beeper.sim.desktop.util"
local accounts = require "beeper.sim.desktop.accounts"
local chats = require "beeper.sim.desktop.chats"
local messages = require "beeper.sim.desktop.messages"
local assets = require "beeper.sim.desktop.assets"
local search = require "beeper.sim.desktop.search"
local info = require "beeper.sim.desktop.info"
local events = require "beeper.sim.desktop.events"
local cjson = require("cjson").new()

local M = {}

-- { method, path template, operationId, handler }; body "multipart" takes
-- the raw form instead of JSON.
local ROUTES = {
  { "GET", "/v1/info", "getInfo", info.info },
  { "GET", "/v1/accounts", "getAccounts", accounts.list },
  { "GET", "/v1/accounts/{accountID}/contacts", "searchContacts", accounts.search_contacts },
  { "GET", "/v1/accounts/{accountID}/contacts/list", "listContacts", accounts.list_contacts },
  { "GET", "/v1/search", "search", search.search },
  { "POST", "/v1/focus", "focusApp", info.focus },
  { "GET", "/v1/chats", "listChats", chats.list },
  { "POST", "/v1/chats", "createChat", chats.create },
  { "GET", "/v1/chats/search", "searchChats", chats.search },
  { "POST", "/v1/chats/start", "startChat", chats.start },
  { "GET", "/v1/chats/{chatID}", "getChat", chats.get },
  { "PATCH", "/v1/chats/{chatID}", "patchChat", chats.update },
  { "POST", "/v1/chats/{chatID}/archive", "archiveChat", chats.archive },
  { "POST", "/v1/chats/{chatID}/reminders", "setChatReminder", chats.set_reminder },
  { "DELETE", "/v1/chats/{chatID}/reminders", "clearChatReminder", chats.clear_reminder },
  { "POST", "/v1/chats/{chatID}/read", "markChatRead", chats.read },
  { "POST", "/v1/chats/{chatID}/unread", "markChatUnread", chats.unread },
  { "POST", "/v1/chats/{chatID}/notify-anyway", "notifyAnyway", chats.notify_anyway },
  { "GET", "/v1/chats/{chatID}/messages", "listMessages", messages.list },
  { "POST", "/v1/chats/{chatID}/messages", "sendMessage", messages.send },
  { "GET", "/v1/messages/search", "searchMessages", messages.search },
  { "GET", "/v1/chats/{chatID}/messages/{messageID}", "getMessage", messages.get },
  { "PUT", "/v1/chats/{chatID}/messages/{messageID}", "editMessage", messages.edit },
  { "DELETE", "/v1/chats/{chatID}/messages/{messageID}", "deleteMessage", messages.delete },
  { "POST", "/v1/chats/{chatID}/messages/{messageID}/reactions", "addReaction", messages.react },
  { "DELETE", "/v1/chats/{chatID}/messages/{messageID}/reactions/{reactionKey}", "removeReaction", messages.unreact },
  { "POST", "/v1/assets/download", "downloadAsset", assets.download },
  { "GET", "/v1/assets/serve", "serveAsset", assets.serve },
  { "POST", "/v1/assets/upload", "uploadAsset", assets.upload, body = "multipart" },
  { "POST", "/v1/assets/upload/base64", "uploadAssetBase64", assets.upload_base64 },
}
M.ROUTES = ROUTES

for _, r in ipairs(ROUTES) do
  local segs = {}
  for part in r[2]:gmatch("[^/]+") do segs[#segs + 1] = part end
  r.segs = segs
end

-- The route for a path, its path parameters, and whether the path is known
-- at all (for a 405). Literal segments win over parameters (chats/search).
local function match(method, seg)
  local best, best_params, best_score, known
  for _, r in ipairs(ROUTES) do
    if #r.segs == #seg then
      local params, score = {}, 0
      for i, s in ipairs(r.segs) do
        local name = s:match("^{(.*)}$")
        if name then
          if seg[i] == "" then params = nil; break end
          params[name] = seg[i]
        elseif s == seg[i] then
          score = score + 1
        else
          params = nil
          break
        end
      end
      if params then
        if r[1] == method and (not best or score > best_score) then
          best, best_params, best_score = r, params, score
        end
        known = true
      end
    end
  end
  return best, best_params, known
end

local function invalid(issues)
  local lines = {}
  for i, v in ipairs(issues) do lines[i] = v.message end
  return util.err(400, "VALIDATION_ERROR", table.concat(lines, "; "), { issues = issues })
end

local Desktop = {}
Desktop.__index = Desktop

-- bridge_account(account): hands the seeded accounts that belong to a
-- bridge to beeper.sim.state.
function M.new(config, bridge_account)
  local model = model_mod.new(config)
  seed.fill(model, bridge_account)
  return setmetatable({ model = model }, Desktop)
end

-- True for a path this module serves.
function M.owns(seg)
  if seg[1] ~= "v1" then return false end
  local top = seg[2]
  return top == "info" or top == "accounts" or top == "search" or top == "focus" or top == "chats"
    or top == "messages" or top == "assets"
end

function Desktop:add_account(account)
  self.model:add_account(account)
end

-- req: method, segments, query (the raw string), headers, body.
function Desktop:handle(req)
  local r, params, known = match(req.method, req.segments)
  if not r then
    if known then return util.err(405, "METHOD_NOT_ALLOWED", req.method .. " is not allowed here") end
    return util.err(404, "NOT_FOUND", "no such route")
  end
  local raw_query, why = query.parse(req.query)
  if not raw_query then return util.err(400, "INVALID_QUERY", why) end
  local q, issues = check.query(raw_query, schemas.query[r[3]] or {})
  if not q then return invalid(issues) end
  if q.cursor then
    q.cursor_key = page.key(q.cursor)
    if not q.cursor_key then return util.err(400, "INVALID_CURSOR", "cursor '" .. q.cursor .. "' is not a cursor of this list") end
  end
  local body = {}
  local spec = schemas.body[r[3]]
  local ctype = (req.headers["content-type"] or ""):lower()
  if r.body ~= "multipart" and spec then
    if ctype:match("^%s*multipart/") then
      return util.err(400, "INVALID_CONTENT_TYPE", "this operation takes a JSON body, not " .. ctype)
    end
    if req.body ~= "" then
      local ok, v = pcall(cjson.decode, req.body)
      if not ok or type(v) ~= "table" then return util.err(400, "INVALID_JSON", "the body is not a JSON object") end
      body = v
    end
    local fine, body_issues = check.body(body, spec)
    if not fine then return invalid(body_issues) end
  end
  local status, value, headers, raw = r[4](self.model, { params = params, query = q, body = body, req = req })
  -- Live events for /v1/ws subscribers (beeper.sim.ws sets publish).
  if self.publish and type(status) == "number" and status < 300 then
    for _, ev in ipairs(events.of(self.model, r[3], params, value)) do self.publish(ev) end
  end
  return status, value, headers, raw
end

-- /_sim/incoming {chatID, text, senderID?}: a message from someone else
-- arrives (unread), as if the network delivered it.
function Desktop:incoming(b)
  local model = self.model
  local c = type(b.chatID) == "string" and model:chat(b.chatID)
  if not c then return nil, "unknown chat '" .. tostring(b.chatID) .. "'" end
  local sender
  for _, p in ipairs(c.participants) do
    if not p.isSelf and (b.senderID == nil or p.id == b.senderID) then sender = p; break end
  end
  if not sender then return nil, "no such sender in the chat" end
  local m = model:add_message(c, { sender = sender, text = tostring(b.text or "Hello from the simulator"),
    unread = true })
  if c.reminder and c.reminder.dismissOnIncomingMessage then c.reminder = nil end
  model:recount(c)
  if self.publish then
    for _, ev in ipairs(events.incoming(model, c.id, m.id)) do self.publish(ev) end
  end
  return model:message_json(m)
end

-- /_sim/assets {size, url?, fileName?, mimeType?}: an asset of size bytes
-- in the seed's pattern (byte i = (i % 257) % 256), made when first served.
function Desktop:make_asset(b)
  local size = b.size
  if type(size) ~= "number" or size < 0 or math.floor(size) ~= size then return nil, "size must be an integer >= 0" end
  local url = b.url or ("mxc://beeper.local/" .. self.model:next_name("sim-asset-"))
  self.model:add_asset { url = url, size = size, mimeType = b.mimeType or "application/octet-stream",
    fileName = b.fileName or "asset.bin", gen = function() return seed.pattern(size) end }
  return { url = url, size = size }
end

function Desktop:dump()
  return self.model:dump()
end

return M
