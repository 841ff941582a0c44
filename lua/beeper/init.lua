-- beeper: Lua binding for the Beeper Desktop API.
--   local beeper = require "beeper"
--   local client = beeper.new { access_token = "...", timeout = 30 }
--   local session, err = client.bridges.login_sessions.get("local-whatsapp", id)
-- The module's own call tree (beeper.bridges..., beeper.app...) runs on a
-- default client made from the environment on first use.
local api = require "beeper.api"
local client = require "beeper.client"
local errors = require "beeper.errors"
local async = require "beeper.async"

local M = {
  VERSION = client.VERSION,
  null = require("cjson").null, -- what a JSON null inside an array decodes to
  is_error = errors.is,
  new = client.new,
}

-- The login-session layer, loaded when first used.
local lazy = { poll = { "beeper.poll", "poll" }, connect = { "beeper.flows", "connect" },
               sign_in = { "beeper.flows", "sign_in" }, verify = { "beeper.flows", "verify" },
               each = { "beeper.pages", "each" }, steps = { "beeper.steps" },
               qr = { "beeper.qr" }, sim = { "beeper.sim" }, tui = { "beeper.tui" } }
setmetatable(M, { __index = function(t, k)
  local where = lazy[k]
  if where == nil then return nil end
  local mod = require(where[1])
  local v = where[2] and mod[where[2]] or mod
  rawset(t, k, v)
  return v
end })

-- Runs fn as a coroutine in which calls without a callback yield to the
-- host loop instead of blocking it.
M.async = async.run

-- Drives the blocking loop (scripts, tests) until no request is pending.
function M.run(done)
  require("beeper.loop.blocking").default():run(done)
end

local default
-- The client behind beeper.bridges... and beeper.app...; made on first use.
function M.default_client()
  if default == nil then default = client.new() end
  return default
end

-- Forgets the default client (after the environment changed, say).
function M.reset_default()
  if default then default:close() end
  default = nil
end

for k, v in pairs(api.tree(M.default_client)) do M[k] = v end

-- Live events on the default client: beeper.events.subscribe(opts, fn),
-- beeper.events.iter(opts) (see beeper.events).
M.events = {
  subscribe = function(o, fn) return M.default_client().events.subscribe(o, fn) end,
  iter = function(o) return M.default_client().events.iter(o) end,
}

return M
