-- A stateful Beeper Desktop simulator for tests, on LuaSocket.
--   local sim = require "beeper.sim"
--   local server = sim.start { qr_polls = 3 }      -- a separate process on a free port
--   local client = beeper.new { base_url = server.url, access_token = server.token }
--   server:fault { path = "^/v1/bridges$", status = 429, headers = { ["Retry-After"] = "1" } }
--   server:stop()
-- A started simulator goes away with the process that started it, even one
-- that never calls stop(). sim.serve(opts) runs one in the current process
-- (bin/beeper-sim does).
-- The control plane lives under /_sim/: faults, reset, requests, config,
-- state, shutdown.
-- A fault matches `method` and `path` (a Lua pattern) for `times` requests
-- (default 1, 0: for ever) and answers `status` with `headers` and `body`
-- (or `json`), after `delay` seconds; or misbehaves: `close` (drop the
-- connection), `partial` (half the body, shorter than its Content-Length),
-- `reset` (the same, then a TCP reset), `trickle` (bytes per second), `hang`
-- (never answer).
local M = {}

local DEFAULTS = { token = "sim-token", qr_polls = 3 }

M.handle = require "beeper.sim.handle"

-- Runs a simulator in this process; see beeper.sim.server. Loaded only here:
-- the process that starts one must not load LuaSocket (Neovim crashes).
function M.serve(opts)
  opts = opts or {}
  local copy = {}
  for k, v in pairs(opts) do copy[k] = v end
  copy.token = copy.token or DEFAULTS.token
  copy.qr_polls = copy.qr_polls or DEFAULTS.qr_polls
  return require("beeper.sim.server").serve(copy)
end

-- Starts a simulator in a child process and returns its handle (see
-- beeper.sim.handle): url, token, stop, fault, reset, requests, config, state.
function M.start(opts)
  return M.handle.start(opts or {}, DEFAULTS)
end

return M
