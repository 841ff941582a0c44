-- A small HTTP/1.1 server on LuaSocket for the simulator: one thread, one
-- socket.select loop, keep-alive, Content-Length bodies, and timers so a slow
-- answer never holds up other connections. It can also misbehave on purpose
-- (delay, drop, cut short, trickle, hang) for fault injection.
-- Large bodies (uploads and downloads of tens of MB) move in chunks: a body
-- is gathered in a table and joined once, and an answer is sent from an
-- offset, so neither direction copies the whole buffer per socket call.
-- LuaSocket is the simulator's dependency, not the client's: the rock does
-- not pull it in, so say how to get it.
local has_socket, socket = pcall(require, "socket")
if not has_socket then
  error("beeper.sim needs LuaSocket: apt-get install lua-socket, or luarocks install luasocket", 0)
end

local M = {}

local REASON = { [100] = "Continue", [200] = "OK", [204] = "No Content", [301] = "Moved Permanently",
  [206] = "Partial Content", [302] = "Found", [304] = "Not Modified", [400] = "Bad Request",
  [401] = "Unauthorized", [403] = "Forbidden", [404] = "Not Found",
  [405] = "Method Not Allowed", [408] = "Request Timeout", [409] = "Conflict", [411] = "Length Required",
  [413] = "Payload Too Large", [415] = "Unsupported Media Type", [416] = "Range Not Satisfiable",
  [422] = "Unprocessable Entity", [429] = "Too Many Requests",
  [500] = "Internal Server Error", [502] = "Bad Gateway", [503] = "Service Unavailable" }

-- The API takes uploads of up to 500 MB (750 MB as base64).
local MAX_HEAD, MAX_BODY = 64 * 1024, 800 * 1024 * 1024

local Server = {}
Server.__index = Server

-- headers: added to every answer that does not set them itself.
function M.new(host, port, headers)
  -- A deep backlog: tests open a hundred connections at once.
  local listener = assert(socket.bind(host, port, 1024))
  listener:settimeout(0)
  local _, bound = listener:getsockname()
  return setmetatable({ listener = listener, port = tonumber(bound), conns = {}, timers = {},
                        now = socket.gettime, headers = headers or {} }, Server)
end

-- Calls fn after `seconds`, from the loop.
function Server:after(seconds, fn)
  self.timers[#self.timers + 1] = { at = self.now() + seconds, fn = fn }
end

function Server:close_conn(c)
  if c.closed then return end
  c.closed = true
  -- Linger 0 makes close() send a TCP reset instead of a clean FIN.
  if c.reset then c.sock:setoption("linger", { on = true, timeout = 0 }) end
  c.sock:close()
  self.conns[c.sock] = nil
end

-- The head of a response: { status, headers = {name = value}, body }. 204
-- and 304 carry no Content-Length (RFC 9110 8.6).
function M.head(res, length)
  local lines = { string.format("HTTP/1.1 %d %s", res.status, REASON[res.status] or "Status") }
  for name, value in pairs(res.headers or {}) do
    lines[#lines + 1] = name .. ": " .. tostring(value)
  end
  if res.status ~= 204 and res.status ~= 304 and res.status ~= 101 then
    lines[#lines + 1] = "Content-Length: " .. (length or #(res.body or ""))
  end
  return table.concat(lines, "\r\n") .. "\r\n\r\n"
end

-- Serialises a response in one string.
function M.format(res, length)
  return M.head(res, length) .. (res.body or "")
end

-- The response with this server's default headers added.
function Server:dress(res)
  local headers, have = {}, {}
  for name, value in pairs(res.headers or {}) do
    headers[name] = value
    have[name:lower()] = true
  end
  for name, value in pairs(self.headers) do
    if not have[name:lower()] then headers[name] = value end
  end
  local out = {}
  for k, v in pairs(res) do out[k] = v end
  out.headers = headers
  return out
end

-- Queues bytes to send; c.out is a list of strings, c.out_pos the offset
-- into the first.
function Server:queue(c, data, then_close)
  if data ~= "" then
    c.out = c.out or {}
    c.out[#c.out + 1] = data
    c.out_pos = c.out_pos or 1
  end
  if then_close then c.close_after = true end
  if not c.out and c.close_after then self:close_conn(c) end
end

-- Sends a response as the fault (if any) says.
function Server:respond(c, res, req)
  c.busy = false
  if c.closed then return end
  local f = res.misbehave or {}
  if f.close then
    c.reset = f.reset
    return self:close_conn(c)
  end
  res = self:dress(res)
  local close = req.headers.connection == "close"
  if f.partial or f.reset then
    c.reset = f.reset
    local body = res.body or ""
    local text = M.format(res, #body + 100)
    return self:queue(c, text:sub(1, #text - math.floor(#body / 2)), true)
  end
  if f.trickle then
    local text = M.format(res)
    c.busy = true
    local i = 1
    local step = 1 / f.trickle
    local function tick()
      if c.closed then return end
      self:queue(c, text:sub(i, i))
      i = i + 1
      if i <= #text then self:after(step, tick) else c.busy = false; self:process(c) end
    end
    return tick()
  end
  if res.upgrade then -- 101 Switching Protocols: the connection is a WebSocket now (beeper.sim.ws)
    self:queue(c, M.head(res))
    c.ws = res.upgrade(c)
    local rest = c.inbuf
    c.inbuf = ""
    if rest ~= "" then c.ws:feed(rest) end
    return
  end
  -- Head and body queued apart: a 20 MB body is never copied into another string.
  self:queue(c, M.head(res))
  self:queue(c, res.body or "", close)
  if not c.in_process then self:process(c) end -- a delayed answer frees the next request
end

-- Parses complete requests out of the connection's buffer, one at a time.
function Server:process(c)
  c.in_process = true
  self:parse(c)
  c.in_process = false
end

function Server:parse(c)
  while not c.busy and not c.closed and not c.ws do
    local head_end = c.inbuf:find("\r\n\r\n", 1, true)
    if not head_end then
      if #c.inbuf > MAX_HEAD then self:queue(c, M.format(self:dress { status = 400 }), true) end
      return
    end
    local head = c.inbuf:sub(1, head_end - 1)
    local method, target = head:match("^(%u+) (%S+) HTTP/1%.[01]\r?\n?")
    if not method then
      c.inbuf = ""
      return self:queue(c, M.format(self:dress { status = 400, body = "bad request line" }), true)
    end
    local headers = {}
    for name, value in head:gmatch("\r\n([^:\r\n]+):[ \t]*([^\r\n]*)") do
      name = name:lower()
      headers[name] = headers[name] and (headers[name] .. ", " .. value) or value
    end
    if headers["transfer-encoding"] then
      c.inbuf = ""
      return self:queue(c, M.format(self:dress { status = 411, body = "send a Content-Length" }), true)
    end
    local length = tonumber(headers["content-length"] or "0")
    if not length or length < 0 or length > MAX_BODY then
      c.inbuf = ""
      return self:queue(c, M.format(self:dress { status = 413 }), true)
    end
    if #c.inbuf < head_end + 3 + length then
      if headers.expect == "100-continue" and not c.continued then
        c.continued = true
        self:queue(c, "HTTP/1.1 100 Continue\r\n\r\n")
      end
      -- Gather the rest of the body in pieces (see read), joined once.
      c.want, c.chunks, c.have = head_end + 3 + length, { c.inbuf }, #c.inbuf
      c.inbuf = ""
      return
    end
    local body = c.inbuf:sub(head_end + 4, head_end + 3 + length)
    c.inbuf = c.inbuf:sub(head_end + 4 + length)
    c.continued = false
    c.busy = true
    local req = { method = method, target = target, headers = headers, body = body }
    self.handler(req, function(res) self:respond(c, res, req) end, c)
  end
end

function Server:accept()
  while true do
    local sock = self.listener:accept()
    if not sock then return end
    sock:settimeout(0)
    sock:setoption("tcp-nodelay", true)
    self.conns[sock] = { sock = sock, inbuf = "" }
  end
end

function Server:read(c)
  local data, err, partial = c.sock:receive(65536)
  data = data or partial
  if data and #data > 0 and c.ws then
    c.ws:feed(data)
  elseif data and #data > 0 then
    c.last = self.now()
    if c.want then
      c.chunks[#c.chunks + 1] = data
      c.have = c.have + #data
      if c.have < c.want then return end
      c.inbuf = table.concat(c.chunks)
      c.want, c.chunks, c.have = nil, nil, nil
    else
      c.inbuf = c.inbuf .. data
    end
    self:process(c)
  end
  if err == "closed" then self:close_conn(c) end
end

function Server:write(c)
  local data = c.out[1]
  local sent, err, last = c.sock:send(data, c.out_pos)
  c.out_pos = (sent or last or c.out_pos - 1) + 1
  if err == "closed" then return self:close_conn(c) end
  if c.out_pos > #data then
    table.remove(c.out, 1)
    c.out_pos = 1
    if #c.out == 0 then
      c.out = nil
      if c.close_after then self:close_conn(c) end
    end
  end
end

function Server:run_timers()
  local now, due, keep = self.now(), {}, {}
  for _, t in ipairs(self.timers) do
    if t.at <= now then due[#due + 1] = t else keep[#keep + 1] = t end
  end
  self.timers = keep
  for _, t in ipairs(due) do t.fn() end
end

-- Serves until stop() is called or nothing happened for idle_exit seconds.
function Server:run(handler, idle_exit)
  self.handler = handler
  local last_activity = self.now()
  while not self.stopped do
    local readers, writers = { self.listener }, {}
    for sock, c in pairs(self.conns) do
      readers[#readers + 1] = sock
      if c.out then writers[#writers + 1] = sock end
    end
    local wait = 1
    for _, t in ipairs(self.timers) do wait = math.min(wait, math.max(0, t.at - self.now())) end
    local r, w = socket.select(readers, writers, wait)
    if #r > 0 or #w > 0 then last_activity = self.now() end
    for _, sock in ipairs(r) do
      if sock == self.listener then self:accept()
      elseif self.conns[sock] then self:read(self.conns[sock]) end
    end
    for _, sock in ipairs(w) do
      if self.conns[sock] then self:write(self.conns[sock]) end
    end
    self:run_timers()
    if idle_exit and self.now() - last_activity > idle_exit then self.stopped = true end
  end
  for _, c in pairs(self.conns) do c.sock:close() end
  self.listener:close()
end

function Server:stop()
  self.stopped = true
end

return M
