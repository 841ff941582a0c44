--- A Beeper Desktop client: configuration, headers and the retry loop.
-- The C core (and so libcurl) is loaded on the first request, not on require.
local api = require "beeper.api"
local errors = require "beeper.transport.errors"
local headers = require "beeper.transport.headers"
local response = require "beeper.transport.response"
local retry = require "beeper.transport.retry"
local async = require "beeper.transport.async"
local loops = require "beeper.loop"
local log = require "beeper.transport.log"
local callable = require "beeper.transport.callable"
-- Inside Neovim a blocking call freezes the editor: the first one warns.
local warn_blocking = type(vim) == "table" and require "beeper.ui.blocking_warning" or nil

--- What beeper.new takes; every field is optional.
---@class beeper.ClientOptions
---@field base_url string? default BEEPER_BASE_URL, then http://localhost:23373 (without /v1)
---@field access_token string? default BEEPER_ACCESS_TOKEN; "" for none
---@field timeout number? seconds per attempt (default 30; math.huge: no limit)
---@field connect_timeout number? seconds to connect (default 10)
---@field max_retries integer? retries after the first attempt (default 2)
---@field max_body integer? bytes of one answer (default 8 MB)
---@field max_depth integer? JSON nesting, 1 to 10000 (default 128)
---@field proxy string? a proxy URL; the environment's proxies are never used
---@field loop ("neovim"|"awesome"|"luv"|"blocking"|beeper.LoopAdapter)? default: detected
---@field log_level ("error"|"warn"|"info"|"debug")? default BEEPER_LOG
---@field logger fun(line: string)? where log lines go (default stderr)
---@field headers table<string, string|false>? added to every request

--- Per-call options, the table after the call's parameters.
---@class beeper.CallOptions
---@field timeout number? seconds per attempt
---@field connect_timeout number? seconds to connect
---@field max_retries integer? retries after the first attempt
---@field deadline number? seconds for the whole call, retries included
---@field headers table<string, string|false>? added (false removes one)
---@field output string? a file to stream a byte answer to (assets.serve)
---@field retry_unsafe boolean? retry a send that may have reached the server

--- A client: the call tree (client.chats.list...) and these methods.
---@class beeper.Client : beeper.api
---@field base_url string
local M = {}

local VERSION = "0.1.0"
M.VERSION = VERSION
local DEFAULT_BASE_URL = "http://localhost:23373"

local Client = {}
Client.__index = Client
M.Client = Client

-- The token lives here, not on the client table, so printing or dumping a
-- client never shows it.
local secrets = setmetatable({}, { __mode = "k" })
-- The header lines built once per client hold the token too: kept here for
-- the same reason.
local header_cache = setmetatable({}, { __mode = "k" })

local function env(name)
  local v = os.getenv(name)
  if v == "" then return nil end
  return v
end

-- A number >= min; math.huge is accepted ("no limit"), NaN is not.
local function number_option(opts, key, default, min)
  local v = opts[key]
  if v == nil then return default end
  if type(v) ~= "number" or v ~= v or v < min then
    error("beeper.new: " .. key .. " must be a number >= " .. min, 3)
  end
  return v
end

-- An integer in [min, max]: what the C core takes as a size or a depth.
local function integer_option(opts, key, default, min, max)
  local v = opts[key]
  if v == nil then return default end
  if type(v) ~= "number" or v ~= math.floor(v) or v < min or v > max then
    error(string.format("beeper.new: %s must be an integer from %d to %.0f", key, min, max), 3)
  end
  return v
end

-- Requests are made by appending "/v1/..." to the base URL, so a query or a
-- fragment in it would put every path after the "?" or "#".
local function check_base_url(url)
  if type(url) ~= "string" or not url:match("^https?://[^%s]+$") or url:find("[%c?#]") then
    error("beeper.new: base_url must be an http:// or https:// URL without a query or fragment", 3)
  end
  -- Paths start with /v1 already: http://localhost:23373/v1 would ask for /v1/v1/...
  if url:match("/v1/*$") then
    error("beeper.new: base_url must not end in /v1 (the client adds it): use "
      .. url:gsub("/v1/*$", ""), 3)
  end
  return (url:gsub("/+$", ""))
end

-- An explicit proxy is the only one used: libcurl's environment variables
-- (http_proxy, ALL_PROXY...) would send the token to whatever a shell exports.
local function check_proxy(proxy)
  if proxy ~= nil and (type(proxy) ~= "string" or proxy == "" or proxy:find("[%c%s]")) then
    error("beeper.new: proxy must be a URL such as http://127.0.0.1:3128", 3)
  end
  return proxy
end

-- The options beeper.new takes; a misspelt one ({baseurl=}, {token=}) would
-- otherwise pass silently and the client would talk to the default URL.
local OPTIONS = { base_url = true, access_token = true, timeout = true, connect_timeout = true,
  max_retries = true, max_body = true, max_depth = true, proxy = true, loop = true,
  log_level = true, logger = true, headers = true }
local ALIASES = { token = "access_token", url = "base_url", baseurl = "base_url", retries = "max_retries",
  level = "log_level", proxy_url = "proxy" }

local function check_options(opts)
  for k in pairs(opts) do
    if not OPTIONS[k] then
      local key = tostring(k)
      local guess = ALIASES[key:lower()]
      if not guess then -- same letters without the underscores: accessToken, maxRetries
        local bare = key:lower():gsub("[_%-]", "")
        for name in pairs(OPTIONS) do
          if name:gsub("_", "") == bare then guess = name end
        end
      end
      error("beeper.new: unknown option '" .. key .. "'"
        .. (guess and (" (did you mean '" .. guess .. "'?)") or ""), 3)
    end
  end
end

--- Makes a client (also `beeper.new`). Raises on a mistake in opts.
---@param opts beeper.ClientOptions?
---@return beeper.Client
function M.new(opts)
  opts = opts or {}
  if type(opts) ~= "table" then error("beeper.new: options must be a table", 2) end
  check_options(opts)
  local token = opts.access_token
  if token == nil then token = env("BEEPER_ACCESS_TOKEN") end
  if token ~= nil then
    if type(token) ~= "string" then error("beeper.new: access_token must be a string", 2) end
    if token:find("[\r\n%z]") then
      error("beeper.new: access_token contains CR, LF or NUL", 2) -- never echo it
    end
    if token == "" then token = nil end
  end
  local self = setmetatable({
    base_url = check_base_url(opts.base_url or env("BEEPER_BASE_URL") or DEFAULT_BASE_URL),
    timeout = number_option(opts, "timeout", 30, 0.001),
    connect_timeout = number_option(opts, "connect_timeout", 10, 0.001),
    max_retries = number_option(opts, "max_retries", 2, 0),
    max_body = integer_option(opts, "max_body", 8 * 1024 * 1024, 1, 2 ^ 53),
    max_depth = integer_option(opts, "max_depth", 128, 1, 10000),
    proxy = check_proxy(opts.proxy),
  }, Client)
  secrets[self] = token
  -- Checked now (an unknown name raises here); luv is loaded here too, out
  -- of any coroutine, since it binds itself to the thread that loads it.
  self._loop = loops.check(opts.loop)
  self.log_level = log.level(opts.log_level or env("BEEPER_LOG"))
  if opts.logger ~= nil and not callable(opts.logger) then
    error("beeper.new: logger must be a function", 2)
  end
  self.logger = opts.logger or log.default_sink
  local base = headers.merge({}, headers.parse_env(env("BEEPER_CUSTOM_HEADERS")), 2)
  self._headers = headers.merge(base, opts.headers, 2)
  header_cache[self] = {}
  local tree = api.tree(self)
  for k, v in pairs(tree) do self[k] = v end
  api.nodes[self] = true
  -- Live events (/v1/ws): beeper.events is loaded on first use.
  self.events = {
    subscribe = function(o, fn) return require("beeper.events").subscribe(self, secrets[self], o, fn) end,
    iter = function(o) return require("beeper.events").iter(self, secrets[self], o) end,
  }
  return self
end

-- client.close() (a dot) would index nil deep inside: say what was meant.
local function check_self(self, name)
  if getmetatable(self) ~= Client then
    error("beeper: write client:" .. name .. "(...) with a colon, not client." .. name .. "(...)", 3)
  end
end

function Client:__tostring()
  return "beeper client (" .. self.base_url .. ")"
end

--- Whether the client has an access token (never the token itself).
---@return boolean
function Client:has_token()
  check_self(self, "has_token")
  return secrets[self] ~= nil
end

-- The C client, made on first use.
local core -- beeper.core, loaded on the first request

local core_now -- core.now

function Client:core()
  local c = self._core
  if c == nil then
    core = core or require "beeper.core"
    core_now = core.now
    c = core.client { max_body = self.max_body, max_depth = self.max_depth }
    self._core = c
    self._user_agent = string.format("beeper-lua/%s (%s; libcurl/%s)",
      VERSION, jit and jit.version or _VERSION, core.curl_version)
  end
  return c
end

-- Which cached set of lines a call uses: with a body, with the token, raw.
local function header_key(call)
  return (call.auth and 2 or 0) + (call.body ~= nil and 1 or 0) + (call.raw and 4 or 0)
end

-- Header lines for a call; the common shapes are built once per client.
function Client:header_lines(call)
  local with_body = call.body ~= nil
  local key = header_key(call)
  local cache = header_cache[self]
  local lines = cache[key]
  if lines == nil or (call.opts and call.opts.headers) then
    local list = headers.copy(self._headers)
    headers.set(list, "Accept", call.raw and "*/*" or "application/json")
    headers.set(list, "User-Agent", self._user_agent)
    if with_body then headers.set(list, "Content-Type", "application/json") end
    if call.auth then headers.set(list, "Authorization", "Bearer " .. secrets[self]) end
    if call.opts and call.opts.headers then
      headers.merge(list, call.opts.headers, 4)
      return headers.lines(list)
    end
    lines = headers.lines(list)
    cache[key] = lines
  end
  return lines
end

local NO_OPTIONS = {}

-- Per-call settings with the client's as defaults; started anchors the deadline.
function Client:settings(call, now)
  local o = call.opts or NO_OPTIONS
  return {
    timeout = o.timeout or self.timeout,
    connect_timeout = o.connect_timeout or self.connect_timeout,
    max_retries = o.max_retries or self.max_retries,
    deadline = o.deadline,
    started = now,
  }
end

local min = math.min
local DEBUG, INFO = log.LEVELS.debug, log.LEVELS.info
-- Longer than this is "no limit" for libcurl (0): about 24 days in ms fits
-- a C long everywhere, and math.huge has no integer form.
local MAX_MS = 2 ^ 31 - 1

-- Seconds past this are "no limit" (0 for the core, which takes
-- milliseconds and rounds them up).
local MAX_SECONDS = MAX_MS / 1000

-- Log lines go to the user's logger, protected. Inside a pump tick we are in
-- a host I/O callback, where Neovim refuses its API (E5560): the line goes
-- through the loop's defer then. A logger error is reported once.
local function emit(self, line)
  local ok, err = pcall(self.logger, line)
  if not ok and not self._logger_failed then
    self._logger_failed = true
    loops.report(self._pump and self._pump.loop,
      "beeper: the logger raised (later errors not shown): " .. tostring(err))
  end
end

function Client:log_line(line)
  local pump = self._pump
  if pump and pump.ticking then
    pump.loop.defer(function() emit(self, line) end)
  else
    emit(self, line)
  end
end

-- What the C core needs beyond a JSON request (nil for those, the hot path):
-- bytes or a file for raw answers, multipart parts, a fresh connection.
local RAW, FRESH = { raw = true }, { fresh = true }

local function transfer_options(call)
  if call.upload then
    local u = call.upload
    local file = u[call.upload_field]
    local parts = { { name = call.upload_field, file = file,
                      filename = u.fileName or file:match("[^/]*$"), type = u.mimeType } }
    for wire, v in pairs(u) do
      if wire ~= call.upload_field then parts[#parts + 1] = { name = wire, data = tostring(v) } end
    end
    return { mime = parts, fresh = call.once or nil }
  end
  if call.raw then
    local output = call.opts and call.opts.output
    if output then return { output = output } end
    return RAW
  end
  if call.once then return FRESH end
  return nil
end

-- Starts one attempt; returns the core request id, or nil and an error value.
-- now anchors the deadline; started is when the call began.
local function start(self, call, timeout, connect, deadline, started, retries, now)
  if deadline then timeout = min(timeout, deadline - (now - started)) end
  if timeout <= 0 then
    return nil, errors.new { kind = "timeout", message = "deadline passed",
      method = call.method, path = call.path, retries = retries }
  end
  local c = self._core or self:core()
  -- The hot path makes no function call it can avoid: the header lines of
  -- a call without its own headers come from the cache, a JSON call needs
  -- no transfer options, and the core rounds milliseconds up itself.
  local opts = call.opts
  local lines = (opts == nil or opts.headers == nil)
    and header_cache[self][(call.auth and 2 or 0) + (call.body ~= nil and 1 or 0) + (call.raw and 4 or 0)]
    or self:header_lines(call) -- the key is header_key(call), inline
  if self.log_level >= DEBUG then self:log_line(log.request(call, self.base_url .. call.path, lines, retries)) end
  local transfer = (call.upload or call.raw or call.once) and transfer_options(call) or nil
  if connect > timeout then connect = timeout end
  -- The core joins base URL and path: one string less to make per request.
  local id, msg, why = c:start(call.method, self.base_url, lines, call.body,
    timeout < MAX_SECONDS and timeout * 1000 or 0, connect < MAX_SECONDS and connect * 1000 or 0,
    self.proxy, transfer, call.path)
  if not id then
    return nil, errors.new { kind = why == "io" and "io" or "connection", message = msg, method = call.method,
      path = call.path, retries = retries }
  end
  return id
end

function Client:attempt(call, s, retries, now)
  return start(self, call, s.timeout, s.connect_timeout, s.deadline, s.started, retries, now)
end

-- Judges one finished attempt (the core's take() results in ...): the value,
-- or an error value and the delay before the next try (nil: no more tries).
function Client:outcome(call, s, retries, t0, now, status, a, b, meta)
  local value, err, delay = response.outcome(call, retries, status, a, b, meta)
  if err then
    err.retries = retries
    -- A send that may have reached the server is not made twice.
    if delay and call.once and not (call.opts and call.opts.retry_unsafe) and not retry.unsent(err) then
      delay = nil
    end
    if err.status and self._core then err.server_version = self._core:server_version() end
    if retry.give_up(s, retries, delay, now - s.started) then delay = nil end
  end
  if self.log_level >= INFO then
    self:log_line(log.outcome(call, err, (now - t0) * 1000, delay))
  end
  return value, err, delay
end

-- Runs a call to the end, blocking: result, or nil and an error value.
-- Every script's hot path: an answer on the first try makes no settings
-- table, and the clock is read only for a deadline or an info log line.
function Client:run(call)
  if self._core == nil then self:core() end
  local o = call.opts or NO_OPTIONS
  local deadline = o.deadline
  local timed = deadline ~= nil or self.log_level >= INFO
  local started = timed and core_now() or 0
  local id, err = start(self, call, o.timeout or self.timeout, o.connect_timeout or self.connect_timeout,
    deadline, started, 0, started)
  if not id then return nil, err end
  -- self._core: the same unless a log sink closed the client
  local status, a, b, meta = self._core:run(id)
  local pump = self._pump -- run() drove the engine: the host loop's watchers follow
  if pump then pump:resync() end
  if b == nil and a ~= nil and status and status >= 200 and status < 300 and self.log_level < INFO then
    return a -- what outcome() would say, without its bookkeeping
  end
  return self:settle(call, timed, started, status, a, b, meta)
end

-- The rest of run() from the first attempt's result (core:take()'s): judged,
-- and tried again while outcome() gives a delay.
function Client:settle(call, timed, started, status, a, b, meta)
  local s = self:settings(call, started)
  local t0, retries = started, 0
  while true do
    local value, err, delay = self:outcome(call, s, retries, t0, timed and core_now() or t0, status, a, b, meta)
    if not delay then return value, err end
    core.sleep(delay)
    retries = retries + 1
    t0 = timed and core_now() or 0
    local id
    id, err = start(self, call, s.timeout, s.connect_timeout, s.deadline, started, retries, t0)
    if not id then return nil, err end
    status, a, b, meta = self._core:run(id)
    local pump = self._pump
    if pump then pump:resync() end
  end
end

-- The C fast path of endpoint d on this client (beeper.core.fast_call), or
-- nil. It makes a blocking call only when nothing above applies: no pump,
-- logging below info, the main thread, the header lines already cached
-- (so the token is there when the call needs it), no options. In Neovim
-- there is none: a blocking call there takes send(), which warns. Its
-- answers other than a plain 2xx value come back to settle(), as run()'s do.
function Client:fast_path(d)
  if warn_blocking or self._core == nil then return nil end
  local spec = api.fast_spec(d)
  if spec == nil then return nil end
  spec.client, spec.headers, spec.info = self, header_cache[self], INFO
  spec.resume = function(path, body, once, status, a, b, meta)
    return self:settle(api.call_of(d, path, body, once), false, 0, status, a, b, meta)
  end
  return core.fast_call(spec)
end

-- The pump for callback calls, made on the first one.
function Client:pump()
  if self._pump == nil then
    self._pump = async.pump(self, loops.resolve(self._loop))
  end
  return self._pump
end

-- Every public call ends here. With a callback: returns a handle at once and
-- later calls callback(err, result). Inside beeper.async: yields. Otherwise
-- blocks and returns result, or nil and an error value.
-- A missing token is a condition of the environment (awesome started from a
-- display manager without BEEPER_ACCESS_TOKEN), so it is an error value,
-- delivered like any other, not an exception that would abort rc.lua.
local function no_token(call)
  return errors.new { kind = "auth", method = call.method, path = call.path,
    message = call.name .. " needs an access token: pass access_token to beeper.new"
      .. " or set BEEPER_ACCESS_TOKEN" }
end

function Client:send(call, callback)
  if call.auth and not secrets[self] then
    if callback ~= nil then return self:pump():fail(call, callback, no_token(call)) end
    return nil, no_token(call)
  end
  if callback == nil then
    local co = coroutine.running()
    if not (co and async.threads[co]) then
      if warn_blocking then warn_blocking(call) end
      local value, err = self:run(call)
      -- Nothing keeps a blocking call's table: its endpoint may reuse it.
      local d = call.spare_of
      if d then d.spare = call end
      return value, err
    end
    return async.await(self:pump(), call)
  end
  return self:pump():start(call, callback)
end

--- The X-Beeper-Desktop-Version of the last answer, or nil before any.
---@return string? version the X-Beeper-Desktop-Version of the last answer
function Client:server_version()
  check_self(self, "server_version")
  return self._core and self._core:server_version() or nil
end

--- A client like this one (same base URL, loop, limits, proxy) for another
-- token: sign_in uses it to verify the device it just signed in.
---@param token string
---@return beeper.Client
function Client:with_token(token)
  check_self(self, "with_token")
  local c = M.new { base_url = self.base_url, access_token = token, loop = self._loop, proxy = self.proxy,
    timeout = self.timeout, connect_timeout = self.connect_timeout, max_retries = self.max_retries,
    max_body = self.max_body, max_depth = self.max_depth, logger = self.logger }
  c.log_level = self.log_level
  return c
end

--- Closes the transport; later calls make a new one. Idempotent.
---@return nil
function Client:close()
  check_self(self, "close")
  if self._pump then self._pump:cancel_all() end
  for sub in pairs(self._subscriptions or {}) do sub:close() end -- live events end too
  if self._core then
    self._core:close()
    self._core = nil
  end
end

return M
