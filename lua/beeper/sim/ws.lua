-- The simulator's /v1/ws: the live event stream of the Desktop API
-- (ready, subscriptions.set/updated, error, domain events with a seq per
-- connection), on the connections of beeper.sim.http. Debian has no Lua
-- WebSocket server library for LuaSocket, so the frames are made and read
-- here (RFC 6455, server side: small, unmasked out, masked in); SHA-1 comes
-- from luaossl. Faults for tests: drop, close, garbage, oversize,
-- invalid_utf8, masked, raw (hex bytes), no_pong; bad_accept on upgrade.
local cjson = require("cjson").new()
local digest = require "openssl.digest"
local base64 = require "beeper.sim.desktop.base64"
local clock = require "beeper.sim.clock"

local M = {}

local GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC11B5E"
local MAX_IN = 1024 * 1024 -- bytes of one client message

-- XOR of two bytes on every Lua: the operator (5.3+), LuaJIT's bit, else
-- arithmetic (PUC 5.1 has no bit library).
local bxor = (loadstring or load)("return function(a, b) return a ~ b end")
bxor = bxor and bxor() or (bit and bit.bxor) or function(a, b)
  local r, p = 0, 1
  while a > 0 or b > 0 do
    local x, y = a % 2, b % 2
    if x ~= y then r = r + p end
    a, b, p = (a - x) / 2, (b - y) / 2, p * 2
  end
  return r
end

function M.accept(key)
  return base64.encode(digest.new("sha1"):final(key .. GUID))
end

-- One frame, server to client (never masked unless mask is 4 bytes).
function M.frame(opcode, payload, fin, mask)
  local n = #payload
  local b1 = (fin == false and 0 or 0x80) + opcode
  local m = mask and 0x80 or 0
  local head
  if n < 126 then
    head = string.char(b1, m + n)
  elseif n < 65536 then
    head = string.char(b1, m + 126, math.floor(n / 256), n % 256)
  else
    head = string.char(b1, m + 127, 0, 0, 0, 0, math.floor(n / 16777216) % 256,
      math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
  end
  if mask then
    local out = {}
    for i = 1, n do out[i] = string.char(bxor(payload:byte(i), mask:byte((i - 1) % 4 + 1))) end
    payload = mask .. table.concat(out)
  end
  return head .. payload
end

local Hub = {}
Hub.__index = Hub

function M.new(server)
  return setmetatable({ server = server, conns = {} }, Hub)
end

local Conn = {}
Conn.__index = Conn

function Conn:send(opcode, payload)
  if self.c.closed then return end
  self.hub.server:queue(self.c, M.frame(opcode, payload))
end

-- cjson writes an empty table as {}: chatIDs must stay a list.
function Conn:send_json(v)
  local ids = v.chatIDs
  if ids and next(ids) == nil then
    v.chatIDs = "\0ids"
    return self:send(1, (cjson.encode(v):gsub('"\\u0000ids"', "[]")))
  end
  self:send(1, cjson.encode(v))
end

-- Closes with a close frame, then the TCP connection once it is sent.
function Conn:close(code)
  if self.c.closed or self.closing then return end
  self.closing = true
  local payload = code and string.char(math.floor(code / 256), code % 256) or ""
  self.hub.server:queue(self.c, M.frame(8, payload), true)
end

function Conn:drop()
  self.hub.server:close_conn(self.c)
end

local function ids_ok(ids)
  if type(ids) ~= "table" then return false end
  local star = false
  for i, v in ipairs(ids) do
    if type(v) ~= "string" or v == "" then return false end
    if v == "*" then star = true end
    if star and #ids > 1 then return false end
    if i > 10000 then return false end
  end
  return next(ids) == nil or #ids > 0
end

function Conn:command(text)
  local ok, msg = pcall(cjson.decode, text)
  if not ok or type(msg) ~= "table" then
    return self:send_json { type = "error", code = "INVALID_PAYLOAD", message = "not a JSON object" }
  end
  local rid = type(msg.requestID) == "string" and msg.requestID or nil
  if msg.type ~= "subscriptions.set" then
    return self:send_json { type = "error", requestID = rid, code = "INVALID_COMMAND",
      message = "unknown command '" .. tostring(msg.type) .. "'" }
  end
  if not ids_ok(msg.chatIDs) then
    return self:send_json { type = "error", requestID = rid, code = "INVALID_PAYLOAD",
      message = "chatIDs must be [\"*\"] or a list of chat ids" }
  end
  self.all, self.chats = false, {}
  for _, id in ipairs(msg.chatIDs) do
    if id == "*" then self.all = true else self.chats[id] = true end
  end
  local out = {}
  for i, id in ipairs(msg.chatIDs) do out[i] = id end
  self:send_json { type = "subscriptions.updated", requestID = rid, chatIDs = out }
end

-- Bytes from the client: whole frames are taken, the rest waits.
function Conn:feed(data)
  self.buf = self.buf .. data
  while not self.c.closed do
    local buf = self.buf
    if #buf < 2 then return end
    local b1, b2 = buf:byte(1, 2)
    local fin, rsv, opcode = b1 >= 128, math.floor(b1 / 16) % 8, b1 % 16
    local masked, len, pos = b2 >= 128, b2 % 128, 3
    if len == 126 then
      if #buf < 4 then return end
      len, pos = buf:byte(3) * 256 + buf:byte(4), 5
    elseif len == 127 then
      if #buf < 10 then return end
      len = 0
      for i = 3, 10 do len = len * 256 + buf:byte(i) end
      pos = 11
    end
    if not masked or rsv ~= 0 or (opcode > 2 and opcode < 8) or opcode > 10 then return self:close(1002) end
    if len > MAX_IN then return self:close(1009) end
    if #buf < pos + 3 + len then return end
    local mask = buf:sub(pos, pos + 3)
    local raw = buf:sub(pos + 4, pos + 3 + len)
    self.buf = buf:sub(pos + 4 + len)
    local out = {}
    for i = 1, #raw do out[i] = string.char(bxor(raw:byte(i), mask:byte((i - 1) % 4 + 1))) end
    local payload = table.concat(out)
    if opcode == 8 then
      self:close(#payload >= 2 and payload:byte(1) * 256 + payload:byte(2) or 1000)
      return
    elseif opcode == 9 then
      if not self.no_pong then self:send(10, payload) end
    elseif opcode == 1 or opcode == 2 or opcode == 0 then -- a pong (10) needs nothing
      if opcode ~= 0 then self.frag = {} end
      if not self.frag then return self:close(1002) end
      self.frag[#self.frag + 1] = payload
      if fin then
        local text = table.concat(self.frag)
        self.frag = nil
        self:command(text)
      end
    end
  end
end

-- The answer to GET /v1/ws, or nil when this is no upgrade request.
-- fault: a queued fault of the simulator without a status (bad_accept).
function Hub:upgrade(req, token, fault)
  local h = req.headers
  local key = h["sec-websocket-key"]
  if (h.upgrade or ""):lower() ~= "websocket" or not key or h["sec-websocket-version"] ~= "13" then
    return nil
  end
  if h.authorization ~= "Bearer " .. token then return false end
  local accept = M.accept(key)
  if fault and fault.ws == "bad_accept" then accept = M.accept(key .. "x") end
  local hub = self
  return { status = 101, headers = { Upgrade = "websocket", Connection = "Upgrade",
    ["Sec-WebSocket-Accept"] = accept },
    upgrade = function(c)
      local conn = setmetatable({ hub = hub, c = c, seq = 0, all = false, chats = {}, buf = "" }, Conn)
      hub.conns[conn] = true
      conn:send_json { type = "ready", version = 1, chatIDs = {} }
      return conn
    end }
end

function Hub:live()
  local list = {}
  for conn in pairs(self.conns) do
    if conn.c.closed then self.conns[conn] = nil else list[#list + 1] = conn end
  end
  return list
end

-- A domain event to every subscriber of its chat, with that connection's seq.
function Hub:publish(ev)
  for _, conn in ipairs(self:live()) do
    if not conn.closing and (conn.all or conn.chats[ev.chatID]) then
      local out = { type = ev.type, seq = conn.seq, ts = clock.iso(clock.now_ms()), chatID = ev.chatID,
        ids = ev.ids, entries = ev.entries }
      conn.seq = conn.seq + 1
      conn:send_json(out)
    end
  end
end

local function unhex(s)
  return (tostring(s or ""):gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end))
end

-- A fault on every open /v1/ws connection now; returns how many.
function Hub:fault(f)
  local list = self:live()
  for _, conn in ipairs(list) do
    local kind = f.ws
    if kind == "drop" then
      conn:drop()
    elseif kind == "close" then
      conn:close(tonumber(f.code) or 1001)
    elseif kind == "garbage" then
      self.server:queue(conn.c, "\143\255garbage, not a frame") -- reserved opcode 15
    elseif kind == "oversize" then
      conn:send(1, '"' .. string.rep("x", tonumber(f.size) or (2 * 1024 * 1024)) .. '"')
    elseif kind == "invalid_utf8" then
      conn:send(1, '{"type":"\255\254"}')
    elseif kind == "masked" then
      self.server:queue(conn.c, M.frame(1, '{"type":"x"}', true, "abcd"))
    elseif kind == "raw" then
      self.server:queue(conn.c, unhex(f.hex))
    elseif kind == "no_pong" then
      conn.no_pong = true
    elseif kind == "fragments" then -- a message in three frames, a ping between
      local text = cjson.encode { type = "test.fragmented", text = f.text or "hello" }
      local a, b = math.floor(#text / 3), math.floor(2 * #text / 3)
      self.server:queue(conn.c, M.frame(1, text:sub(1, a), false) .. M.frame(9, "p")
        .. M.frame(0, text:sub(a + 1, b), false) .. M.frame(0, text:sub(b + 1), true))
    end
  end
  return #list
end

return M
