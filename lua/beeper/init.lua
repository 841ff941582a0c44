--- beeper: Lua binding for the Beeper Desktop API.
--   local beeper = require "beeper"
--   local client = beeper.new { access_token = "...", timeout = 30 }
--   local session, err = client.bridges.login_sessions.get("local-whatsapp", id)
-- The module's own call tree (beeper.bridges..., beeper.app...) runs on a
-- default client made from the environment on first use.
local api = require "beeper.api"
local client = require "beeper.client"
local errors = require "beeper.transport.errors"
local async = require "beeper.transport.async"

--- The module: the call tree on a default client made from the environment,
--- and the functions below.
---@class beeper.module : beeper.api
---@field VERSION string the client's version
---@field _VERSION string the rock's semantic version, "0.1.0"
---@field null lightuserdata what a JSON null inside an array decodes to
---@field is_error fun(value: any): boolean
---@field new fun(opts: beeper.ClientOptions?): beeper.Client
---@field poll fun(client: beeper.Client, bridge_id: string, session_id: string, opts: table?): beeper.LoginSession?, beeper.Error?
---@field connect fun(client: beeper.Client, bridge_id: string, ui: beeper.Ui, opts: beeper.ConnectOptions?): table?, beeper.Error?
---@field sign_in fun(client: beeper.Client, email: string, ui: beeper.Ui, opts: table?): table?, beeper.Error?
---@field verify fun(client: beeper.Client, ui: beeper.Ui, opts: table?): table?, beeper.Error?
---@field each fun(call: function, ...): fun(): any, beeper.Error?
---@field steps table beeper.steps: dispatch, user_input, cookies, is_end
---@field qr table beeper.qr: render, lines, matrix
---@field sim table beeper.sim: start, serve
---@field tui table beeper.tui: new
---@field async fun(fn: fun(...), ...) calls inside yield to the host loop

---@type beeper.module
local M = {
  VERSION = client.VERSION,
  _VERSION = client.VERSION, -- the rock's version (semantic), as LuaRocks modules spell it
  null = require("cjson").null, -- what a JSON null inside an array decodes to
  is_error = errors.is,
  new = client.new,
}

-- The login-session layer, loaded when first used.
local lazy = { poll = { "beeper.flows.poll", "poll" }, connect = { "beeper.flows", "connect" },
               sign_in = { "beeper.flows", "sign_in" }, verify = { "beeper.flows", "verify" },
               each = { "beeper.api.pages", "each" }, steps = { "beeper.flows.steps" },
               qr = { "beeper.ui.qr" }, sim = { "beeper.sim" }, tui = { "beeper.ui.tui" } }
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

--- Drives the blocking loop (scripts, tests) until no request is pending.
---@param done (fun(): boolean)? stop once it returns true
function M.run(done)
  require("beeper.loop.blocking").default():run(done)
end

local default
--- The client behind beeper.bridges... and beeper.app...; made on first use.
---@return beeper.Client
function M.default_client()
  if default == nil then default = client.new() end
  return default
end

--- Forgets the default client (after the environment changed, say).
---@return nil
function M.reset_default()
  if default then default:close() end
  default = nil
end

for k, v in pairs(api.tree(nil, M.default_client)) do M[k] = v end
api.nodes[M] = true -- beeper.bridges:list() is a colon misuse too

-- Live events on the default client: beeper.events.subscribe(opts, fn),
-- beeper.events.iter(opts) (see beeper.events).
M.events = {
  subscribe = function(o, fn) return M.default_client().events.subscribe(o, fn) end,
  iter = function(o) return M.default_client().events.iter(o) end,
}

return M
