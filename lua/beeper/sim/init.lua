--- A stateful Beeper Desktop simulator for tests, on LuaSocket.
--   local sim = require "beeper.sim"
--   local server = sim.start { qr_polls = 3 }      -- a separate process on a free port
--   local client = beeper.new { base_url = server.url, access_token = server.token }
--   server:fault { path = "^/v1/bridges$", status = 429, headers = { ["Retry-After"] = "1" } }
--   server:stop()
-- A started simulator goes away with the process that started it, even one
-- that never calls stop(). sim.serve(opts) runs one in the current process
-- (bin/beeper-sim does).
-- The control plane lives under /_sim/: faults, reset, requests, config,
-- state, incoming, assets, shutdown.
-- A fault matches `method` and `path` (a Lua pattern) for `times` requests
-- (default 1, 0: for ever) and answers `status` with `headers` and `body`
-- (or `json`), after `delay` seconds; or misbehaves: `close` (drop the
-- connection), `partial` (half the body, shorter than its Content-Length),
-- `reset` (the same, then a TCP reset), `trickle` (bytes per second), `hang`
-- (never answer). A fault with a `status` answers instead of the simulator:
-- the request changes nothing, unless `handle = true`. A fault without one
-- lets the simulator handle the request (a message is stored, a chat
-- created) and then misbehaves: `after = "close" | "reset" | "hang"` (or
-- `drop_after_store = true`, the same as after = "close", or close = true)
-- drops the connection without an answer, resets it, or never answers. To
-- drop a request unhandled: { status = 500, close = true }.
--
-- What it simulates: the Desktop API's 30 operations
-- (desktop-api-openapi-5.0.0.json) on seeded data (beeper.sim.desktop.seed:
-- 5 accounts, 62 chats, ~1,200 messages, contacts, assets, a 20 MiB file),
-- bridges and their login flows, app sign-in with device verification and
-- the recovery key (beeper.sim.verification). Every answer carries
-- X-Beeper-Desktop-Version (config.version, default 4.2.880). Requests are
-- checked like the API does: unknown or ill-typed query parameters and body
-- fields are a 400 {code, message, details.issues}. Pages: chats.list 50,
-- messages.list 20, newest first, numeric opaque cursors. messages.send
-- stores the message at once (sendStatus SUCCESS) under a final id; its
-- pendingMessageID finds it too.
-- Config (POST /_sim/config, or server:config{...}): token, qr_polls,
-- version, verify (true | "verification" | "secrets": sign-ins need the
-- device verified; emails starting "verify" / "secrets" do the same per
-- sign-in), verification_polls, peer_scans_qr, sas_mismatch,
-- incoming_verification, recovery_key, peer_qr (see beeper.sim.verification).
-- /v1/ws serves live events (beeper.sim.ws): REST calls publish them; ws
-- faults (server:fault{ ws = "drop" | "close" | "garbage" | "oversize" |
-- "invalid_utf8" | "masked" | "raw" | "fragments" | "no_pong" }) act at once
-- on the open connections.
-- server:incoming{chatID=, text=} delivers a message from someone else;
-- server:asset{size=} makes a patterned asset and returns its url.
local M = {}

local DEFAULTS = { token = "sim-token", qr_polls = 3 }

M.handle = require "beeper.sim.handle"

-- Runs a simulator in this process; see beeper.sim.server. Loaded only here:
-- the process that starts one must not load LuaSocket (Neovim crashes).
---@class beeper.SimOptions
---@field port integer? default: a free port (beeper-sim: 23373)
---@field host string? default 127.0.0.1
---@field token string? default "sim-token"
---@field qr_polls integer? polls before a QR login completes (default 3)
---@field version string? X-Beeper-Desktop-Version (default 4.2.880)
---@field idle_exit number? seconds without traffic before it exits (start: 900)
---@field lua string? interpreter for the child (start)

---@param opts beeper.SimOptions?
function M.serve(opts)
  opts = opts or {}
  local copy = {}
  for k, v in pairs(opts) do copy[k] = v end
  copy.token = copy.token or DEFAULTS.token
  copy.qr_polls = copy.qr_polls or DEFAULTS.qr_polls
  return require("beeper.sim.server").serve(copy)
end

--- Starts a simulator in a child process and returns its handle (see
-- beeper.sim.handle): url, token, stop, fault, reset, requests, config, state.
---@param opts beeper.SimOptions?
---@return beeper.SimHandle
function M.start(opts)
  return M.handle.start(opts or {}, DEFAULTS)
end

return M
