-- One live-event subscription: a WebSocket to /v1/ws (the C object of
-- csrc/ws_lua.c) driven from the host loop. The loop watches the socket
-- (adapters with watch), or the blocking loop waits on it (wait_io), or, for
-- adapters with timers only, a timer polls it. One lifecycle timer at a time:
-- the handshake deadline, the next ping, the pong deadline, the reconnect
-- delay or the close-handshake deadline; an idle subscription wakes the host
-- once per ping_interval.
local errors = require "beeper.transport.errors"
local loops = require "beeper.loop"
local backoff = require "beeper.events.backoff"
local cjson = require("cjson").new()

local M = {}

-- The token of each subscription, kept off its table (printing or dumping a
-- subscription never shows it).
local secrets = setmetatable({}, { __mode = "k" })

local Sub = {}
Sub.__index = Sub
M.Sub = Sub

local POLL_MS = 25 -- the fallback for loops without watch or wait_io
local CLOSE_WAIT_MS = 1000 -- for the server's answer to our close frame

-- host, port and path of /v1/ws for a base URL; nil, message for https
-- (wss:// is not supported yet).
function M.target(base_url)
  local scheme, rest = base_url:match("^(https?)://(.*)$")
  if scheme == "https" then return nil, "wss:// (an https base URL) is not supported yet" end
  local host, port, prefix = rest:match("^%[([^%]]+)%]:?(%d*)(.*)$")
  if not host then host, port, prefix = rest:match("^([^/:]+):?(%d*)(.*)$") end
  if not host then return nil, "cannot read the host of the base URL" end
  return host, tonumber(port) or 80, (prefix:gsub("/+$", "")) .. "/v1/ws"
end

local function check_ids(ids, what)
  if type(ids) ~= "table" then error(what .. ": chat_ids must be a list of chat ids", 3) end
  local copy = {}
  for i, v in ipairs(ids) do
    if type(v) ~= "string" or v == "" then error(what .. ": chat_ids must be a list of chat ids", 3) end
    copy[i] = v
  end
  if next(ids) ~= nil and #copy == 0 then error(what .. ": chat_ids must be a list of chat ids", 3) end
  return copy
end

local function number(opts, key, default, min)
  local v = opts[key]
  if v == nil then return default end
  if type(v) ~= "number" or v ~= v or v < min then
    error("events.subscribe: " .. key .. " must be a number >= " .. min, 3)
  end
  return v
end

-- client, token (nil: an "auth" error), opts, fn(err, event), loop adapter.
function M.new(client, token, opts, fn, loop)
  if opts ~= nil and type(opts) ~= "table" then error("events.subscribe: opts must be a table", 3) end
  opts = opts or {}
  if type(fn) ~= "function" and not (getmetatable(fn) or {}).__call then
    error("events.subscribe: the callback must be a function", 3)
  end
  if opts.on_reconnect ~= nil and type(opts.on_reconnect) ~= "function" then
    error("events.subscribe: on_reconnect must be a function", 3)
  end
  local self = setmetatable({
    client = client, fn = fn, loop = loop, on_reconnect = opts.on_reconnect,
    chat_ids = check_ids(opts.chat_ids or { "*" }, "events.subscribe"),
    reconnect = opts.reconnect ~= false,
    max_message = number(opts, "max_message", 1024 * 1024, 1),
    timeout = number(opts, "timeout", client.connect_timeout or 10, 0.001),
    ping_interval = number(opts, "ping_interval", 15, 0.001),
    ping_timeout = number(opts, "ping_timeout", 10, 0.001),
    backoff = backoff.new(opts.backoff),
    state = "idle", requests = 0, failures = 0, connections = 0,
  }, Sub)
  secrets[self] = token
  self.core = require "beeper.core"
  if loop.watch then
    self.mode = "watch"
    self.on_fd = function(r, w, err) self:io(r or err ~= nil, w or err ~= nil) end
  elseif loop.add_io_waiter then
    self.mode = "waiter"
    loop.add_io_waiter(self)
  else
    self.mode = "poll"
  end
  self:connect()
  return self
end

-- User code runs on the loop, protected; nothing after close().
function Sub:deliver(fn, ...)
  local n, args, loop = select("#", ...), { ... }, self.loop
  local unpack = table.unpack or unpack
  loop.defer(function()
    if self.user_closed then return end
    loops.call_user(loop, "an events callback", fn, unpack(args, 1, n))
  end)
end

function Sub:stop_timer()
  if self.timer then self.loop.stop_timer(self.timer); self.timer = nil end
end

function Sub:after(seconds, method)
  self:stop_timer()
  self.timer = self.loop.start_timer(math.max(1, math.floor(seconds * 1000 + 0.5)), function()
    self.timer = nil
    method(self)
  end)
end

function Sub:connect()
  self.state = "connecting"
  local token = secrets[self]
  if token == nil then
    return self:fail("auth", "events.subscribe needs an access token: pass access_token to beeper.new"
      .. " or set BEEPER_ACCESS_TOKEN", nil, true)
  end
  local host, port, path = M.target(self.client.base_url)
  if not host then return self:fail("connection", port, nil, true) end
  local ws, why, what = self.core.ws_connect(host, port, path, token, self.max_message)
  if not ws then return self:fail("connection", why, nil, what == "setup") end
  self.ws, self.seen_ready = ws, false
  self:after(self.timeout, Sub.handshake_timeout)
  self:watch(ws:want())
end

function Sub:handshake_timeout()
  self:fail("timeout", string.format("no ready message within %gs of connecting", self.timeout))
end

-- Makes the host wait for what the connection wants next.
function Sub:watch(want)
  local loop = self.loop
  if self.mode == "watch" then
    if want == nil then return self:unwatch() end
    if self.watching then
      if self.watch_events == want then return end
      if loop.update then
        loop.update(self.watching, want)
        self.watch_events = want
        return
      end
      self:unwatch()
    end
    local ok, h = pcall(loop.watch, self.ws:fd(), want, self.on_fd)
    if ok then
      self.watching, self.watch_events = h, want
      return
    end
    loops.report(loop, "beeper: cannot watch the events socket, polling instead: " .. tostring(h))
    self.mode = "poll"
  end
  if self.mode == "poll" and want and not self.poll_timer then
    self.poll_timer = loop.start_timer(POLL_MS, function()
      self.poll_timer = nil
      local ws = self.ws
      if ws then
        local r, w = ws:wait(0)
        self:io(r, w)
        if self.ws then self:watch(self.ws:want()) end
      end
    end)
  end
end

function Sub:unwatch()
  if self.watching then
    self.loop.unwatch(self.watching)
    self.watching, self.watch_events = nil, nil
  end
  if self.poll_timer then
    self.loop.stop_timer(self.poll_timer)
    self.poll_timer = nil
  end
end

-- For the blocking loop: waits up to ms on the socket; false when there is
-- no connection to wait on.
function Sub:wait_io(ms)
  local ws = self.ws
  if ws == nil or ws:want() == nil then return false end
  local r, w = ws:wait(ms)
  self:io(r, w)
  return true
end

-- Drops the connection (watch first: the fd number may be reused at once).
function Sub:release()
  self:unwatch()
  if self.ws then
    self.ws:close()
    self.ws = nil
  end
end

-- The connection failed (or, with final, cannot be made at all): the error
-- to the callback, then a reconnect unless that would not help.
function Sub:fail(kind, message, code, final)
  local opened_for = self.opened_at and (self.core.now() - self.opened_at) or nil
  self.opened_at = nil
  self:release()
  self:stop_timer()
  if self.user_closed then
    self.state = "closed"
    return
  end
  local err = errors.new { kind = kind, message = message, method = "GET", path = "/v1/ws" }
  if kind == "unauthorized" then
    err.kind, err.status, err.code = "http", 401, "UNAUTHORIZED"
    final = true -- a wrong token stays wrong: no retry storm
  elseif kind == "handshake" and code and code >= 400 and code < 600 then
    err.status = code
  elseif code and code > 0 then
    err.close_code = code
  end
  self.failures = self.failures + 1
  if final or not self.reconnect then
    self.state = "closed"
    err.final = true
  else
    self.state = "waiting"
    local delay = self.backoff:next(opened_for)
    err.retry_in = delay
    self:after(delay, Sub.connect)
  end
  self:deliver(self.fn, err, nil)
end

local function encode_set(rid, ids)
  -- cjson would write an empty list as {}: the API wants [].
  local list = #ids == 0 and "[]" or cjson.encode(ids)
  return '{"type":"subscriptions.set","requestID":' .. cjson.encode(rid) .. ',"chatIDs":' .. list .. '}'
end

function Sub:send_set()
  self.requests = self.requests + 1
  local rid = "r" .. self.requests
  self.ws:send_text(encode_set(rid, self.chat_ids))
  return rid
end

-- A connection is up (its ready message came): subscribe, start pinging.
function Sub:on_ready()
  self.opened_at = self.core.now()
  self.connections = self.connections + 1
  self.state = "open"
  local again = self.failures > 0 -- events may have been missed meanwhile
  if #self.chat_ids > 0 then
    self.pending_set = self:send_set()
    self.reconnect_pending = again
  elseif again and self.on_reconnect then
    self:deliver(self.on_reconnect, self)
  end
  self:after(self.ping_interval, Sub.ping)
end

function Sub:ping()
  local ws = self.ws
  if not ws then return end
  self.ping_frames = ws:frames()
  ws:ping()
  self:watch(ws:want())
  self:after(self.ping_timeout, Sub.pong_due)
end

function Sub:pong_due()
  local ws = self.ws
  if not ws then return end
  if ws:frames() > self.ping_frames then return self:after(self.ping_interval, Sub.ping) end
  self:fail("timeout", string.format("the server did not answer a ping within %gs", self.ping_timeout))
end

-- A server message as an event table, or nil when it is not one (the
-- fuzz target fuzz/ws_fuzz.c calls this too).
function M.decode(text)
  local ok, ev = pcall(cjson.decode, text)
  if not ok or type(ev) ~= "table" or type(ev.type) ~= "string" then return nil end
  -- cjson reads every number as a float: seq and version are integers.
  if math.tointeger then
    ev.seq, ev.version = math.tointeger(ev.seq) or ev.seq, math.tointeger(ev.version) or ev.version
  end
  return ev
end

-- One text message from the server.
function Sub:message(text)
  local ev = M.decode(text)
  if ev == nil then
    self:fail("protocol", "the server sent a message that is not a JSON event")
    return false
  end
  if ev.type == "ready" and not self.seen_ready then
    self.seen_ready = true
    self:on_ready()
  end
  self:deliver(self.fn, nil, ev)
  if ev.type == "subscriptions.updated" and ev.requestID == self.pending_set and self.pending_set then
    self.pending_set = nil
    if self.reconnect_pending and self.on_reconnect then self:deliver(self.on_reconnect, self) end
    self.reconnect_pending = false
  end
  return true
end

-- The socket is ready (or, polled, maybe not): moves the connection on.
function Sub:io(readable, writable)
  local ws = self.ws
  if ws == nil then return end
  local msgs, kind, message, code = ws:io(readable, writable)
  if self.state == "closing" then
    if kind or ws:want() == nil then
      self:release()
      self:stop_timer()
      self.state = "closed"
    end
    return
  end
  if msgs then
    for i = 1, #msgs do
      if not self:message(msgs[i]) or self.ws ~= ws then return end
    end
  end
  if kind then return self:fail(kind, message, code) end
  local want = ws:want()
  if want == nil then return self:fail("connection", "the connection ended", 1006) end
  self:watch(want)
end

-- subscriptions.set: { "*" } every chat, a list of ids those, {} pause.
function Sub:set_chats(ids)
  ids = check_ids(ids, "set_chats")
  for _, v in ipairs(ids) do
    if v == "*" and #ids > 1 then error("set_chats: \"*\" cannot be mixed with chat ids", 2) end
  end
  if self.state == "closed" then
    return nil, errors.new { kind = "closed", message = "the subscription is closed" }
  end
  self.chat_ids = ids
  if self.state == "open" and self.ws then
    self:send_set()
    self:watch(self.ws:want())
  end
  return true
end

-- Ends the subscription: a close handshake, no reconnect, no more
-- callbacks. Idempotent.
function Sub:close()
  if self.user_closed then return end
  self.user_closed = true
  self:stop_timer()
  local ws = self.ws
  if ws and self.state == "open" and ws:shutdown(1000) then
    self.state = "closing"
    self:watch(ws:want())
    self.timer = self.loop.start_timer(CLOSE_WAIT_MS, function()
      self.timer = nil
      self:release()
      self.state = "closed"
    end)
    return
  end
  self:release()
  self.state = "closed"
end

function Sub:is_open()
  return self.state == "open"
end

return M
