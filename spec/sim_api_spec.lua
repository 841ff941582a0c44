-- The simulator's own behaviour for issue 13 (the whole Desktop API), over
-- raw HTTP: beeper.core for JSON calls (answers come back decoded) and
-- LuaSocket for what must be seen byte for byte (assets, headers, 204s).
-- Answers are also checked against the OpenAPI description's schemas.
local helper = require "spec.helper"
local core = require "beeper.core"
local socket = require "socket"
local cjson = require "cjson"

local NULL = cjson.null
local VERSION = "4.2.880"

-- A percent-encoded path segment or query value.
local function enc(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

------------------------------------------------------------ the OpenAPI check

local function load_openapi()
  for _, p in ipairs { "spec/contract/desktop-api-openapi-5.0.0.json", "../shared/api/desktop-api-openapi-5.0.0.json" } do
    local f = io.open(p, "r")
    if f then
      local s = f:read("*a")
      f:close()
      return cjson.decode(s)
    end
  end
end
local DOC = load_openapi()

local function resolve(schema)
  local ref = schema["$ref"]
  if not ref then return schema end
  local node = DOC
  for part in ref:gmatch("[^/#]+") do node = node[part] end
  return resolve(node)
end

-- Appends to problems every place where v breaks schema: required fields,
-- types, enums, date-time formats (the checks Prism makes that matter here).
local function conform(schema, v, path, problems)
  schema = resolve(schema)
  if schema.allOf then
    for _, s in ipairs(schema.allOf) do conform(s, v, path, problems) end
    return
  end
  if schema.anyOf then
    for _, s in ipairs(schema.anyOf) do
      local p = {}
      conform(s, v, path, p)
      if #p == 0 then return end
    end
    problems[#problems + 1] = path .. ": matches no variant"
    return
  end
  if v == NULL then
    if schema.type and not schema.nullable then problems[#problems + 1] = path .. ": null" end
    return
  end
  local t = schema.type
  local ok = t == nil or (t == "object" and type(v) == "table") or (t == "array" and type(v) == "table")
    or (t == "string" and type(v) == "string") or (t == "boolean" and type(v) == "boolean")
    or (t == "number" and type(v) == "number") or (t == "integer" and type(v) == "number" and math.floor(v) == v)
  if not ok then
    problems[#problems + 1] = path .. ": " .. type(v) .. " is not " .. t
    return
  end
  if schema.enum then
    local found = false
    for _, e in ipairs(schema.enum) do found = found or e == v end
    if not found then problems[#problems + 1] = path .. ": " .. tostring(v) .. " not in enum" end
  end
  if schema.format == "date-time" and not v:match("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.?%d*Z$") then
    problems[#problems + 1] = path .. ": not a date-time: " .. v
  end
  if t == "object" then
    for _, k in ipairs(schema.required or {}) do
      -- beeper.core drops null members: a nullable one may be absent here.
      local sub = schema.properties and schema.properties[k] and resolve(schema.properties[k])
      if v[k] == nil and not (sub and sub.nullable) then
        problems[#problems + 1] = path .. "." .. k .. ": required, missing"
      end
    end
    for k, sub in pairs(schema.properties or {}) do
      if v[k] ~= nil then conform(sub, v[k], path .. "." .. k, problems) end
    end
    if type(schema.additionalProperties) == "table" then
      for k, sub in pairs(v) do
        if not (schema.properties or {})[k] then conform(schema.additionalProperties, sub, path .. "." .. k, problems) end
      end
    end
  elseif t == "array" and schema.items then
    for i, item in ipairs(v) do conform(schema.items, item, path .. "[" .. i .. "]", problems) end
  end
end

-- Asserts that an answer fits the response schema of operationId/status.
local function assert_schema(operation_id, status, value)
  if not DOC then return end
  for _, ops in pairs(DOC.paths) do
    for _, op in pairs(ops) do
      if type(op) == "table" and op.operationId == operation_id then
        local res = resolve(op.responses[tostring(status)])
        assert.is_table(res, operation_id .. " has no " .. status .. " answer in the spec")
        local schema = res.content and res.content["application/json"] and res.content["application/json"].schema
        if schema then
          local problems = {}
          conform(schema, value, operation_id, problems)
          assert.are.same({}, problems)
        end
        return
      end
    end
  end
  error("no operation " .. operation_id)
end

describe("#13 the simulated Desktop API", function()
  local sim, c

  setup(function()
    sim = helper.start_sim()
    c = core.client { max_body = 64 * 1024 * 1024 }
  end)
  teardown(function()
    c:close()
    sim:stop()
  end)
  before_each(function() sim:reset() end)

  -- A JSON call: status, decoded value (or the no-answer triple).
  local function api(method, path, body, headers)
    local h = { "Authorization: Bearer " .. sim.token, "Accept: application/json" }
    if type(body) == "table" then h[#h + 1] = "Content-Type: application/json" end
    for _, x in ipairs(headers or {}) do h[#h + 1] = x end
    if type(body) == "table" then body = cjson.encode(body) end
    local id = assert(c:start(method, sim.url .. path, h, body, 30000, 5000))
    return c:run(id)
  end

  local function ok(operation_id, expect, method, path, body, headers)
    local status, value = api(method, path, body, headers)
    assert.are.equal(expect, status, path .. ": " .. cjson.encode(value or {}))
    if expect ~= 204 then assert_schema(operation_id, status, value) end
    return value
  end

  -- One request on its own connection, read byte for byte.
  local function raw(method, path, headers, body)
    local host, port = sim.url:match("^http://([^:/]+):(%d+)")
    local s = assert(socket.tcp())
    s:settimeout(20)
    assert(s:connect(host, tonumber(port)))
    local lines = { method .. " " .. path .. " HTTP/1.1", "Host: " .. host .. ":" .. port, "Connection: close" }
    for k, v in pairs(headers or {}) do lines[#lines + 1] = k .. ": " .. v end
    if body then lines[#lines + 1] = "Content-Length: " .. #body end
    assert(s:send(table.concat(lines, "\r\n") .. "\r\n\r\n" .. (body or "")))
    local status_line = s:receive("*l")
    if not status_line then s:close(); return nil end
    local h = {}
    while true do
      local l = assert(s:receive("*l"))
      if l == "" then break end
      local k, v = l:match("^([^:]+):%s*(.*)$")
      h[k:lower()] = v
    end
    local data
    if h["content-length"] then data = s:receive(tonumber(h["content-length"])) else data = s:receive("*a") end
    s:close()
    return tonumber(status_line:match("^HTTP/1%.%d (%d+)")), h, data or ""
  end

  local function auth() return { Authorization = "Bearer " .. sim.token } end

  -- Every item of a paginated list, walking oldestCursor; and the pages.
  local function walk(operation_id, path, sep)
    local items, pages, cursor = {}, 0, nil
    repeat
      local p = ok(operation_id, 200, "GET", path .. (cursor and (sep or "?") .. "cursor=" .. enc(cursor) or ""))
      pages = pages + 1
      for _, it in ipairs(p.items) do items[#items + 1] = it end
      cursor = p.oldestCursor
      assert(pages < 100, "pagination does not end")
    until not p.hasMore
    return items, pages
  end

  it("#13 chats.list: a 50-chat page, a second page, cursors both ways, accountIDs as repeated keys", function()
    local first = ok("listChats", 200, "GET", "/v1/chats")
    assert.are.equal(50, #first.items)
    assert.is_true(first.hasMore)
    local second = ok("listChats", 200, "GET", "/v1/chats?cursor=" .. first.oldestCursor .. "&direction=before")
    assert.are.equal(12, #second.items)
    assert.is_false(second.hasMore)
    local seen, last = {}, nil
    for _, page in ipairs { first, second } do
      for _, chat in ipairs(page.items) do
        assert.is_nil(seen[chat.id], "twice: " .. chat.id)
        seen[chat.id] = true
        assert.is_true(last == nil or chat.lastActivity < last, "not newest first at " .. chat.id)
        last = chat.lastActivity
        assert.is_table(chat.preview)
      end
    end
    local back = ok("listChats", 200, "GET", "/v1/chats?cursor=" .. second.newestCursor .. "&direction=after")
    assert.are.equal(50, #back.items)
    assert.are.equal(first.items[1].id, back.items[1].id)
    assert.are.equal(first.items[50].id, back.items[50].id)
    assert.is_false(back.hasMore)
    local items = walk("listChats", "/v1/chats?accountIDs=matrix&accountIDs=imessage", "&")
    local per = {}
    for _, chat in ipairs(items) do per[chat.accountID] = (per[chat.accountID] or 0) + 1 end
    assert.are.same({ matrix = 14, imessage = 5 }, per)
    -- An empty page: its cursors are JSON nulls on the wire.
    local _, _, text = raw("GET", "/v1/chats?cursor=" .. second.oldestCursor, auth())
    local empty = cjson.decode(text)
    assert.are.same({ 0, false, NULL, NULL }, { #empty.items, empty.hasMore, empty.oldestCursor, empty.newestCursor })
    print(string.format("# #13 chats.list: %d + %d chats, %d bytes of JSON on page 1",
      #first.items, #second.items, #cjson.encode(first)))
  end)

  it("#13 messages, contacts and search walk their pages without losing or repeating an item", function()
    local chats = ok("listChats", 200, "GET", "/v1/chats")
    local busiest = chats.items[1].id
    local messages, pages = walk("listMessages", "/v1/chats/" .. enc(busiest) .. "/messages")
    assert.are.equal(120, #messages)
    assert.are.equal(6, pages)
    local ids = {}
    for i, m in ipairs(messages) do
      assert.is_nil(ids[m.id])
      ids[m.id] = true
      if i > 1 then assert.is_true(tonumber(m.sortKey) < tonumber(messages[i - 1].sortKey)) end
    end
    local contacts, cpages = walk("listContacts", "/v1/accounts/telegram_existing_1/contacts/list")
    assert.are.same({ 70, 2 }, { #contacts, cpages })
    local small = ok("listContacts", 200, "GET", "/v1/accounts/telegram_existing_1/contacts/list?limit=7")
    assert.are.equal(7, #small.items)
    local found = walk("searchMessages", "/v1/messages/search?query=dinner&limit=4", "&")
    assert.is_true(#found > 8)
    for _, m in ipairs(found) do assert.matches("[Dd]inner", m.text) end
    local page = ok("searchMessages", 200, "GET", "/v1/messages/search?query=dinner&limit=4")
    for _, m in ipairs(page.items) do assert.is_table(page.chats[m.chatID]) end
    local chats_found = walk("searchChats", "/v1/chats/search?limit=5&type=group", "&")
    assert.is_true(#chats_found > 5)
    for _, chat in ipairs(chats_found) do assert.are.equal("group", chat.type) end
    local unified = ok("search", 200, "GET", "/v1/search?query=lua")
    assert.are.equal("Lua Users", unified.results.chats[1].title)
    ok("searchContacts", 200, "GET", "/v1/accounts/matrix/contacts?query=ada")
    print(string.format("# #13 pages: %d messages in %d pages, %d contacts in %d, %d 'dinner' hits",
      #messages, pages, #contacts, cpages, #found))
  end)

  it("#13 query strings: arrays, booleans, integers, percent-decoding; unknown or invalid is a 400", function()
    local function bad(path, code)
      local status, value = api("GET", path)
      assert.are.equal(400, status, path)
      assert.are.equal(code or "VALIDATION_ERROR", value.code, path)
      assert.is_string(value.message)
      assert_schema("listChats", 400, value)
      return value
    end
    local v = bad("/v1/chats/search?unreadOnly=yes")
    assert.are.same({ "query", "unreadOnly" }, v.details.issues[1].path)
    bad("/v1/chats/search?limit=abc")
    bad("/v1/chats/search?limit=201")
    bad("/v1/chats/search?limit=1&limit=2")
    bad("/v1/chats?bogus=1")
    bad("/v1/chats?accountIDs[]=matrix")
    bad("/v1/chats?direction=sideways")
    bad("/v1/chats?cursor=not-a-cursor", "INVALID_CURSOR")
    bad("/v1/chats/search?query=%zz", "INVALID_QUERY")
    bad("/v1/chats/search?lastActivityAfter=yesterday")
    bad("/v1/search")
    local unread = ok("searchChats", 200, "GET", "/v1/chats/search?unreadOnly=true&limit=200")
    for _, chat in ipairs(unread.items) do assert.is_true(chat.unreadCount > 0 or chat.isMarkedUnread) end
    local all = ok("searchChats", 200, "GET", "/v1/chats/search?limit=200")
    assert.is_true(#unread.items > 0 and #unread.items < #all.items)
    -- '+' and %20 are spaces in a query; %2B is a plus; %26 an ampersand.
    for _, q in ipairs { "Odd+%26+Reserved", "Odd%20%26%20Reserved" } do
      local r = ok("searchChats", 200, "GET", "/v1/chats/search?query=" .. q)
      assert.are.equal(1, #r.items, q)
      assert.are.equal("!odd/room id?+&=#%:beeper.local", r.items[1].id)
    end
    local odd = ok("getChat", 200, "GET", "/v1/chats/" .. enc("!odd/room id?+&=#%:beeper.local") .. "?maxParticipantCount=1")
    assert.are.equal("Odd & Reserved", odd.title)
    local big = ok("searchChats", 200, "GET", "/v1/chats/search?query=lua+users&accountIDs=matrix&accountIDs=discordgo")
    local lua_users = ok("getChat", 200, "GET", "/v1/chats/" .. enc(big.items[1].id))
    assert.are.same({ 100, true, 151 }, { #lua_users.participants.items, lua_users.participants.hasMore,
      lua_users.participants.total })
    local all_members = ok("getChat", 200, "GET", "/v1/chats/" .. enc(big.items[1].id) .. "?maxParticipantCount=-1")
    assert.are.equal(151, #all_members.participants.items)
    local none = ok("searchChats", 200, "GET", "/v1/chats/search?query=lua+users&accountIDs=discordgo")
    assert.are.equal(0, #none.items)
  end)

  it("#13 multipart upload: every byte value arrives intact; forms and JSON are told apart", function()
    local t = {}
    for i = 0, 255 do t[#t + 1] = string.char(i) end
    -- Bytes that look like a boundary line, CRLFs and NULs included.
    local data = table.concat(t):rep(64) .. "\r\n--sim-boundar\r\n\0\r\n"
    local boundary = "sim-boundary-7MA4YWxkTrZu0gW"
    local form = "--" .. boundary .. "\r\n"
      .. 'Content-Disposition: form-data; name="file"; filename="all \\"bytes\\".bin"\r\n'
      .. "Content-Type: application/octet-stream\r\n\r\n" .. data .. "\r\n"
      .. "--" .. boundary .. "\r\n" .. 'Content-Disposition: form-data; name="mimeType"\r\n\r\n'
      .. "application/x-sim\r\n--" .. boundary .. "--\r\n"
    local up = ok("uploadAsset", 200, "POST", "/v1/assets/upload", form,
      { "Content-Type: multipart/form-data; boundary=" .. boundary })
    assert.are.equal(#data, up.fileSize)
    assert.are.equal('all "bytes".bin', up.fileName)
    assert.are.equal("application/x-sim", up.mimeType)
    local status, _, body = raw("GET", "/v1/assets/serve?url=" .. enc(up.srcURL), auth())
    assert.are.equal(200, status)
    assert.is_true(body == data, "the served bytes differ from the uploaded ones")
    -- The log keeps a summary of a form, not its bytes (it is JSON).
    local logged
    for _, req in ipairs(sim:requests()) do if req.path == "/v1/assets/upload" then logged = req end end
    assert.matches("^<%d+ bytes of multipart/form%-data", logged.body)

    local b64 = ok("uploadAssetBase64", 200, "POST", "/v1/assets/upload/base64",
      { content = "AAEC/f7/", fileName = "six.bin" })
    local _, _, six = raw("GET", "/v1/assets/serve?url=" .. enc(b64.srcURL), auth())
    assert.are.equal("\0\1\2\253\254\255", six)
    local s1, v1 = api("POST", "/v1/assets/upload/base64", { content = "not base64!" })
    assert.are.same({ 400, "INVALID_BASE64" }, { s1, v1.code })

    local s2, v2 = api("POST", "/v1/assets/upload", { file = "x" })
    assert.are.same({ 400, "INVALID_CONTENT_TYPE" }, { s2, v2.code })
    local s3, v3 = api("POST", "/v1/focus", form, { "Content-Type: multipart/form-data; boundary=" .. boundary })
    assert.are.same({ 400, "INVALID_CONTENT_TYPE" }, { s3, v3.code })
    local s4, v4 = api("POST", "/v1/assets/upload", "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"fileName\"\r\n\r\nx\r\n--" .. boundary .. "--\r\n",
      { "Content-Type: multipart/form-data; boundary=" .. boundary })
    assert.are.same({ 400, "VALIDATION_ERROR" }, { s4, v4.code })

    -- An uploaded file can be sent; the message's mxc:// URL serves the same bytes.
    local chat = ok("listChats", 200, "GET", "/v1/chats").items[1].id
    local sent = ok("sendMessage", 200, "POST", "/v1/chats/" .. enc(chat) .. "/messages", { attachment = { uploadID = up.uploadID } })
    local m = ok("getMessage", 200, "GET", "/v1/chats/" .. enc(chat) .. "/messages/" .. enc(sent.pendingMessageID))
    local _, _, again = raw("GET", "/v1/assets/serve?url=" .. enc(m.attachments[1].srcURL), auth())
    assert.is_true(again == data)
  end)

  it("#13 assets.serve: 20 MiB whole, Range 206 with Content-Range, 416 for a bad range, 304", function()
    local url = "/v1/assets/serve?url=" .. enc("mxc://beeper.local/sim-large-20mb")
    local t0 = core.now()
    local status, h, body = raw("GET", url, auth())
    local seconds = core.now() - t0
    assert.are.equal(200, status)
    assert.are.equal("application/octet-stream", h["content-type"])
    assert.are.equal(20 * 1024 * 1024, #body)
    for _, i in ipairs { 0, 1, 255, 256, 257, 65535, 1048576, #body - 1 } do
      assert.are.equal((i % 257) % 256, body:byte(i + 1), "byte " .. i)
    end
    body = nil -- luacheck: ignore 311 (20 MiB freed before the next read)
    local s206, h206, part = raw("GET", url, { Authorization = auth().Authorization, Range = "bytes=1000-1009" })
    assert.are.same({ 206, "bytes 1000-1009/20971520", 10 }, { s206, h206["content-range"], #part })
    for i = 0, 9 do assert.are.equal(((1000 + i) % 257) % 256, part:byte(i + 1)) end
    local _, hs, tail = raw("GET", url, { Authorization = auth().Authorization, Range = "bytes=-3" })
    assert.are.same({ "bytes 20971517-20971519/20971520", 3 }, { hs["content-range"], #tail })
    local s416, h416 = raw("GET", url, { Authorization = auth().Authorization, Range = "bytes=20971520-" })
    assert.are.same({ 416, "bytes */20971520" }, { s416, h416["content-range"] })
    local s416b = raw("GET", url, { Authorization = auth().Authorization, Range = "bytes=9-2" })
    assert.are.equal(416, s416b)
    local s304, h304, b304 = raw("GET", url, { Authorization = auth().Authorization, ["If-None-Match"] = h206.etag })
    assert.are.same({ 304, "" }, { s304, b304 })
    assert.is_nil(h304["content-length"])
    local missing = raw("GET", "/v1/assets/serve?url=" .. enc("mxc://beeper.local/nothing"), auth())
    assert.are.equal(404, missing)
    local dl = ok("downloadAsset", 200, "POST", "/v1/assets/download", { url = "mxc://beeper.local/sim-all-bytes" })
    assert.matches("^file://", dl.srcURL)
    local _, _, all = raw("GET", "/v1/assets/serve?url=" .. enc(dl.srcURL), auth())
    assert.are.equal(256, #all)
    for i = 0, 255 do assert.are.equal(i, all:byte(i + 1)) end
    local made = sim:asset { size = 1000 }
    local _, _, made_bytes = raw("GET", "/v1/assets/serve?url=" .. enc(made.url), auth())
    assert.are.same({ 1000, 0, 256 % 256 }, { #made_bytes, made_bytes:byte(1), made_bytes:byte(257) })
    print(string.format("# #13 serve: 20 MiB in %.2f s (first serve builds it)", seconds))
  end)

  it("#13 204 answers carry no body, and their changes are visible", function()
    local chat = ok("listChats", 200, "GET", "/v1/chats").items[1]
    local path = "/v1/chats/" .. enc(chat.id)
    local s, h, body = raw("POST", path .. "/archive", { Authorization = auth().Authorization,
      ["Content-Type"] = "application/json" }, "{}")
    assert.are.same({ 204, "" }, { s, body })
    assert.is_nil(h["content-length"])
    assert.is_true(ok("getChat", 200, "GET", path).isArchived)
    assert.are.equal(204, (api("POST", path .. "/archive", { archived = false })))
    assert.is_false(ok("getChat", 200, "GET", path).isArchived)
    local st, value = api("POST", path .. "/reminders", { reminder = { remindAt = "2027-01-01T10:00:00+02:00" } })
    assert.are.same({ 204, nil }, { st, value })
    assert.are.equal("2027-01-01T08:00:00.000Z", ok("getChat", 200, "GET", path).reminder.remindAt)
    assert.are.equal(204, (api("DELETE", path .. "/reminders")))
    assert.is_nil(ok("getChat", 200, "GET", path).reminder)
    local bad = { api("POST", path .. "/reminders", { reminder = {} }) }
    assert.are.same({ 400, "VALIDATION_ERROR" }, { bad[1], bad[2].code })
    local sent = ok("sendMessage", 200, "POST", path .. "/messages", { text = "to be deleted" })
    local m = ok("getMessage", 200, "GET", path .. "/messages/" .. enc(sent.pendingMessageID))
    local pending = { api("DELETE", path .. "/messages/" .. enc(sent.pendingMessageID)) }
    assert.are.same({ 400, "PENDING_MESSAGE" }, { pending[1], pending[2].code })
    assert.are.equal(204, (api("DELETE", path .. "/messages/" .. m.id .. "?forEveryone=true")))
    local gone = ok("getMessage", 200, "GET", path .. "/messages/" .. m.id)
    assert.is_true(gone.isDeleted)
    assert.is_nil(gone.text)
    local other = ok("listMessages", 200, "GET", path .. "/messages").items[2]
    assert.are.equal(204, (api("DELETE", path .. "/messages/" .. other.id .. "?forEveryone=false")))
    assert.are.equal(404, (api("GET", path .. "/messages/" .. other.id)))
  end)

  it("#13 stateful mutations: send, edit, react, read/unread, PATCH, create/start, notify-anyway, focus", function()
    local list = ok("listChats", 200, "GET", "/v1/chats").items
    local chat = list[1]
    local path = "/v1/chats/" .. enc(chat.id)
    local sent = ok("sendMessage", 200, "POST", path .. "/messages", { text = "hello from the spec" })
    assert.are.equal(chat.id, sent.chatID)
    local newest = ok("listMessages", 200, "GET", path .. "/messages").items[1]
    assert.are.same({ "hello from the spec", true }, { newest.text, newest.isSender })
    assert.are.equal(newest.id, ok("getMessage", 200, "GET", path .. "/messages/" .. enc(sent.pendingMessageID)).id)
    assert.are.equal(chat.id, ok("listChats", 200, "GET", "/v1/chats").items[1].id)
    local edited = ok("editMessage", 200, "PUT", path .. "/messages/" .. newest.id, { text = "edited" })
    assert.are.same({ "edited", true, newest.id }, { edited.text, edited.success, edited.messageID })
    assert.is_string(edited.editedTimestamp)
    local r1 = ok("addReaction", 200, "POST", path .. "/messages/" .. newest.id .. "/reactions",
      { reactionKey = "🎉", transactionID = "tx-1" })
    ok("addReaction", 200, "POST", path .. "/messages/" .. newest.id .. "/reactions", { reactionKey = "🎉", transactionID = "tx-1" })
    assert.are.equal("tx-1", r1.transactionID)
    assert.are.equal(1, #ok("getMessage", 200, "GET", path .. "/messages/" .. newest.id).reactions)
    local r2 = ok("addReaction", 200, "POST", path .. "/messages/" .. newest.id .. "/reactions", { reactionKey = "👍" })
    assert.is_string(r2.transactionID)
    ok("removeReaction", 200, "DELETE", path .. "/messages/" .. newest.id .. "/reactions/" .. enc("🎉"))
    local left = ok("getMessage", 200, "GET", path .. "/messages/" .. newest.id).reactions
    assert.are.same({ 1, "👍" }, { #left, left[1].reactionKey })
    assert.are.equal(404, (api("DELETE", path .. "/messages/" .. newest.id .. "/reactions/" .. enc("🎉"))))

    sim:incoming { chatID = chat.id, text = "are you there?" }
    sim:incoming { chatID = chat.id, text = "hello?" }
    assert.are.equal(2, ok("getChat", 200, "GET", path).unreadCount)
    local read = ok("markChatRead", 200, "POST", path .. "/read", {})
    assert.are.same({ 0, false }, { read.unreadCount, read.isMarkedUnread })
    local unread = ok("markChatUnread", 200, "POST", path .. "/unread", {})
    assert.are.same({ 1, true }, { unread.unreadCount, unread.isMarkedUnread })

    local patched = ok("patchChat", 200, "PATCH", path, { title = "Renamed", isPinned = true, isMuted = true,
      draft = { text = "later" } })
    assert.are.same({ "Renamed", true, true, "later" }, { patched.title, patched.isPinned, patched.isMuted, patched.draft.text })
    local again = { api("PATCH", path, { draft = { text = "other" } }) }
    assert.are.same({ 422, "DRAFT_NOT_EMPTY" }, { again[1], again[2].code })
    local cleared = ok("patchChat", 200, "PATCH", path, { title = NULL, draft = NULL })
    assert.are.equal(chat.title, cleared.title)
    assert.is_nil(cleared.draft)
    local unknown = { api("PATCH", path, { is_pinned = true }) }
    assert.are.same({ 400, "unrecognized_keys" }, { unknown[1], unknown[2].details.issues[1].code })

    local contact = ok("listContacts", 200, "GET", "/v1/accounts/matrix/contacts/list").items[1]
    local group = ok("createChat", 200, "POST", "/v1/chats", { accountID = "matrix", type = "group",
      participantIDs = { contact.id }, title = "Spec group", messageText = "first" })
    assert.are.same({ "created", "Spec group" }, { group.status, group.title })
    assert.are.equal(group.id, group.chatID)
    local dm = ok("createChat", 200, "POST", "/v1/chats", { accountID = "matrix", type = "single",
      participantIDs = { contact.id } })
    assert.are.equal("existing", dm.status)
    local started = ok("startChat", 200, "POST", "/v1/chats/start", { accountID = "telegram_existing_1",
      user = { phoneNumber = "+15550009999", fullName = "New Person" }, messageText = "hi" })
    assert.are.same({ "created", "New Person" }, { started.status, started.title })
    assert.are.equal("existing", ok("startChat", 200, "POST", "/v1/chats/start", { accountID = "telegram_existing_1",
      user = { phoneNumber = "+15550009999" } }).status)
    assert.are.equal(404, (api("POST", "/v1/chats/start", { accountID = "matrix", user = { fullName = "Nobody" } })))
    assert.are.equal(400, (api("POST", "/v1/chats", { accountID = "matrix", type = "single", participantIDs = {} })))

    local im = ok("listChats", 200, "GET", "/v1/chats?accountIDs=imessage").items[1]
    ok("notifyAnyway", 200, "POST", "/v1/chats/" .. enc(im.id) .. "/notify-anyway", {})
    local na = { api("POST", path .. "/notify-anyway", {}) }
    assert.are.same({ 422, "NOT_SUPPORTED" }, { na[1], na[2].code })
    assert.is_true(ok("focusApp", 200, "POST", "/v1/focus", { chatID = chat.id, draftText = "x" }).success)
    local dump = sim:state().desktop
    assert.are.equal(chat.id, dump.focused[1].chatID)
    assert.are.equal(3, #dump.sent) -- the send, the group's first message, the started chat's
    assert.are.equal(5, #ok("getAccounts", 200, "GET", "/v1/accounts"))
  end)

  it("#13 a fault can store the message and then drop the connection without an answer", function()
    local chat = ok("listChats", 200, "GET", "/v1/chats").items[1]
    local path = "/v1/chats/" .. enc(chat.id) .. "/messages"
    local before = #walk("listMessages", path)
    -- Each faulted send on a fresh connection: libcurl re-sends a request on
    -- its own when a reused connection closes without a reply.
    local function send(text)
      local fresh = core.client {}
      local id = assert(fresh:start("POST", sim.url .. path, { "Authorization: Bearer " .. sim.token,
        "Content-Type: application/json" }, cjson.encode { text = text }))
      local status, kind, message = fresh:run(id)
      fresh:close()
      return status, kind, message
    end
    sim:fault { method = "POST", path = "/messages$", after = "close" }
    local status, kind, message = send("stored, never answered")
    assert.are.same({ nil, "connection" }, { status, kind })
    assert.matches("Empty reply", message)
    local after = ok("listMessages", 200, "GET", path)
    assert.are.equal("stored, never answered", after.items[1].text)
    assert.are.equal(before + 1, #walk("listMessages", path))
    sim:fault { method = "POST", path = "/messages$", drop_after_store = true }
    assert.is_nil((send("second")))
    sim:fault { method = "POST", path = "/messages$", handle = true, status = 503, json = { code = "UNAVAILABLE", message = "x" } }
    assert.are.equal(503, (send("third")))
    sim:fault { method = "POST", path = "/messages$", status = 500, close = true } -- dropped unhandled
    assert.is_nil((send("never stored")))
    local posts = 0
    for _, req in ipairs(sim:requests()) do if req.method == "POST" then posts = posts + 1 end end
    assert.are.equal(4, posts)
    local texts = {}
    for _, m in ipairs(sim:state().desktop.sent) do texts[#texts + 1] = m.text end
    assert.are.same({ "stored, never answered", "second", "third" }, texts)
    assert.are.equal(before + 3, #walk("listMessages", path))
  end)

  it("#13 every answer carries X-Beeper-Desktop-Version, errors and faults included", function()
    local cases = {
      { "GET", "/v1/info", {} }, { "GET", "/v1/chats", {} }, { "GET", "/v1/chats", auth() },
      { "GET", "/v1/nothing", auth() }, { "GET", "/v1/chats?bogus=1", auth() },
      { "GET", "/v1/bridges", auth() }, { "POST", "/v1/app/setup/start", {} },
      { "GET", "/v1/assets/serve?url=" .. enc("mxc://beeper.local/sim-all-bytes"), auth() },
    }
    for _, case in ipairs(cases) do
      local status, h = raw(case[1], case[2], case[3])
      assert.are.equal(VERSION, h["x-beeper-desktop-version"], case[2] .. " " .. tostring(status))
    end
    sim:fault { path = "^/v1/accounts$", status = 429, json = { code = "RATE", message = "slow down" } }
    local s429, h429 = raw("GET", "/v1/accounts", auth())
    assert.are.same({ 429, VERSION }, { s429, h429["x-beeper-desktop-version"] })
    local s204, h204 = raw("DELETE", "/v1/chats/" .. enc(ok("listChats", 200, "GET", "/v1/chats").items[1].id) .. "/reminders", auth())
    assert.are.same({ 204, VERSION }, { s204, h204["x-beeper-desktop-version"] })
    -- Even the HTTP layer's own refusals.
    local host, port = sim.url:match("^http://([^:/]+):(%d+)")
    local s = assert(socket.tcp())
    s:settimeout(5)
    assert(s:connect(host, tonumber(port)))
    s:send("NONSENSE\r\n\r\n")
    local answer = s:receive("*a")
    s:close()
    assert.matches("^HTTP/1.1 400", answer)
    assert.matches("X%-Beeper%-Desktop%-Version: " .. VERSION:gsub("%.", "%%."), answer)
    sim:config { version = "9.9.9" }
    local _, h9 = raw("GET", "/v1/accounts", auth())
    assert.are.equal("9.9.9", h9["x-beeper-desktop-version"])
    local info = ok("getInfo", 200, "GET", "/v1/info")
    assert.are.equal("9.9.9", info.app.version)
    assert.are.equal(tonumber(port), info.server.port)
  end)

  -- Signs in by email code; returns the session.
  local function sign_in(email)
    local start = select(2, api("POST", "/v1/app/setup/start"))
    assert.are.equal(204, (api("POST", "/v1/app/setup/email", { email = email, setupRequestID = start.setupRequestID })))
    local status, done = api("POST", "/v1/app/setup/response", { response = "123456", setupRequestID = start.setupRequestID })
    assert.are.equal(200, status)
    return done.session
  end

  local function actions(v)
    local out = {}
    for i, a in ipairs(v.availableActions) do out[i] = a end
    table.sort(out)
    return table.concat(out, " ")
  end

  it("#13 device verification: SAS, QR and the recovery key each take the setup state to ready", function()
    assert.are.equal("ready", sign_in("ada@example.com").state)

    sim:reset()
    local session = sign_in("verify-ada@example.com")
    assert.are.equal("needs-verification", session.state)
    assert.is_false(session.e2ee.verified)
    local _, created = api("POST", "/v1/app/setup/verifications", { purpose = "login" })
    local v = created.verification
    assert.are.same({ "requested", "outgoing", "cancel" }, { v.state, v.direction, actions(v) })
    local bad = { api("POST", "/v1/app/setup/verifications/" .. v.id .. "/sas/start") }
    assert.are.same({ 409, "INVALID_VERIFICATION_STATE" }, { bad[1], bad[2].code })
    api("GET", "/v1/app/setup/verifications/" .. v.id)
    local _, got = api("GET", "/v1/app/setup/verifications/" .. v.id)
    assert.are.same({ "ready", "cancel sas.start" }, { got.verification.state, actions(got.verification) })
    assert.is_string(got.verification.qr.data)
    local _, sas = api("POST", "/v1/app/setup/verifications/" .. v.id .. "/sas/start")
    assert.are.same({ "sas_ready", "cancel sas.confirm" }, { sas.verification.state, actions(sas.verification) })
    assert.is_string(sas.verification.sas.emojis)
    local _, done = api("POST", "/v1/app/setup/verifications/" .. v.id .. "/sas/confirm")
    assert.are.same({ "done", "", "ready", true }, { done.verification.state, actions(done.verification),
      done.session.state, done.session.e2ee.verified })

    -- The other device scans our QR code after two more looks.
    sim:reset()
    sim:config { verify = true }
    sign_in("ada@example.com")
    local _, q = api("POST", "/v1/app/setup/verifications", {})
    local id = q.verification.id
    local states = {}
    for _ = 1, 4 do
      local _, s = api("GET", "/v1/app/setup")
      states[#states + 1] = s.verification.state
    end
    assert.are.same({ "requested", "ready", "ready", "qr_scanned" }, states)
    local _, confirmed = api("POST", "/v1/app/setup/verifications/" .. id .. "/qr/confirm-scanned")
    assert.are.equal("ready", confirmed.session.state)

    -- We scan the other device's code; a wrong one is refused.
    sim:reset()
    sim:config { verify = true }
    sign_in("ada@example.com")
    assert.are.equal(400, (api("POST", "/v1/app/setup/verifications/qr/scan", { data = "junk" })))
    local _, scanned = api("POST", "/v1/app/setup/verifications/qr/scan", { data = "MATRIX-SIM-PEER-QR" })
    assert.are.same({ "done", "ready" }, { scanned.verification.state, scanned.session.state })

    -- Incoming request, accepted then cancelled; a mismatch cancels with a reason.
    sim:reset()
    sim:config { verify = true, incoming_verification = true, sas_mismatch = true }
    local s2 = sign_in("ada@example.com")
    assert.are.same({ "incoming", "accept cancel" }, { s2.verification.direction, actions(s2.verification) })
    local vid = s2.verification.id
    local _, list = api("GET", "/v1/app/setup/verifications")
    assert.are.equal(vid, list.items[1].id)
    assert.are.equal("ready", select(2, api("POST", "/v1/app/setup/verifications/" .. vid .. "/accept")).verification.state)
    api("POST", "/v1/app/setup/verifications/" .. vid .. "/sas/start")
    local _, mismatch = api("POST", "/v1/app/setup/verifications/" .. vid .. "/sas/confirm")
    assert.are.same({ "cancelled", "m.mismatched_sas", "needs-verification" },
      { mismatch.verification.state, mismatch.verification.error.code, mismatch.session.state })

    -- The recovery key: wrong, then right.
    local wrong = { api("POST", "/v1/app/setup/verification/recovery-key", { recoveryKey = "EsTx nope" }) }
    assert.are.same({ 400, "INVALID_RECOVERY_KEY" }, { wrong[1], wrong[2].code })
    local _, rk = api("POST", "/v1/app/setup/verification/recovery-key",
      { recoveryKey = "EsTj3ySTy93FSLpBjJszeAXc2XzAygD3w69HfGaNTKBjjXEd" })
    assert.are.equal("ready", rk.session.state)

    -- A reset key must be confirmed with the new key.
    sim:reset()
    local s3 = sign_in("secrets-ada@example.com")
    assert.are.equal("needs-secrets", s3.state)
    local _, reset = api("POST", "/v1/app/setup/verification/recovery-key/reset", {})
    assert.matches("^EsT%w ", reset.recoveryKey)
    assert.are.equal("needs-secrets", reset.session.state)
    assert.are.equal(400, (api("POST", "/v1/app/setup/verification/recovery-key/reset/confirm",
      { recoveryKey = "EsTj 3yST y93F SLpB jJsz eAXc 2XzA ygD3 w69H fGaN TKBj jXEd" })))
    local _, confirmed_key = api("POST", "/v1/app/setup/verification/recovery-key/reset/confirm",
      { recoveryKey = reset.recoveryKey })
    assert.are.same({ "ready", true }, { confirmed_key.session.state, confirmed_key.session.e2ee.hasBackedUpRecoveryKey })
  end)

  it("#13 bin/beeper-sim --port N --token T serves on that port with that token", function()
    local port, log = helper.closed_port(), os.tmpname()
    local p = assert(io.popen(helper.lua_binary() .. " bin/beeper-sim --port " .. port
      .. " --token cli-token >" .. log .. " 2>&1 </dev/null & echo $!", "r"))
    local pid = tonumber(p:read("*l"))
    p:close()
    local url, out
    local deadline = core.now() + 10
    repeat
      core.sleep(0.02)
      local f = io.open(log, "r")
      out = f and f:read("*a") or ""
      if f then f:close() end
      url = out:match("BEEPER_SIM_LISTENING (%S+)")
    until url or core.now() > deadline
    local function get(token)
      local id = assert(c:start("GET", "http://127.0.0.1:" .. port .. "/v1/accounts", { "Authorization: Bearer " .. token }))
      return c:run(id)
    end
    local good, accounts = get("cli-token")
    local wrong = get("sim-token")
    os.execute("kill " .. pid .. " 2>/dev/null")
    os.remove(log)
    assert.are.equal("http://127.0.0.1:" .. port, url, out)
    assert.are.same({ 200, 5, 401 }, { good, #accounts, wrong })
    local usage = io.popen(helper.lua_binary() .. " bin/beeper-sim --port 2>&1; echo \"exit=$?\"", "r")
    local text = usage:read("*a")
    usage:close()
    assert.matches("usage: beeper%-sim .*%-%-port N%] %[%-%-token T%]", text)
    assert.matches("exit=2", text)
  end)
end)
