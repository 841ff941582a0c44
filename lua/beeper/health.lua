-- :checkhealth beeper. Reports the C core and its libraries, the token
-- (present or not, never its value), Beeper Desktop at the base URL and the
-- loop adapter. The client is made from the environment (BEEPER_BASE_URL,
-- BEEPER_ACCESS_TOKEN), as beeper.new{} makes it.
local M = {}

-- Neovim 0.10 renamed vim.health.report_* to vim.health.*; 0.7 has them in
-- the `health` module only.
local function reporter()
  local h = vim.health
  if h == nil or (h.start == nil and h.report_start == nil) then h = require "health" end
  return {
    start = h.start or h.report_start,
    ok = h.ok or h.report_ok,
    warn = h.warn or h.report_warn,
    error = h.error or h.report_error,
    info = h.info or h.report_info,
  }
end

local WAIT_MS = 3000 -- for Beeper Desktop's answer; the call's own timeout is 2 s

-- Where a module was found: Neovim's runtimepath first (its loader runs
-- before package.cpath), then package.cpath.
local function where(name)
  local file = name:gsub("%.", "/") .. ".so"
  local found = vim.api.nvim_get_runtime_file("lua/" .. file, false)[1]
  if found then return found end
  return package.searchpath and package.searchpath(name, package.cpath) or "package.cpath"
end

local function lua_name()
  return jit and jit.version or _VERSION
end

local function check_core(r)
  local ok, core = pcall(require, "beeper.core")
  if not ok then
    r.error("C core not loaded: " .. tostring(core), {
      "Run `make` in the plugin's directory (lazy.nvim: build = \"make\"); it needs "
        .. "libcurl4-openssl-dev and libluajit-5.1-dev.",
    })
    return nil
  end
  r.ok(string.format("C core %s loaded for %s (%s)", core.version, lua_name(), where("beeper.core")))
  r.ok("libcurl " .. core.curl_version)
  return core
end

local function check_qrencode(r)
  local ok, qrcode = pcall(require, "beeper.qrcode")
  if not ok then
    r.warn("libqrencode module not loaded: QR logins cannot be shown: " .. tostring(qrcode),
      { "Install libqrencode-dev and run `make` again." })
    return
  end
  local rows = qrcode.encode("beeper health")
  if rows then
    r.ok(string.format("libqrencode works (%s, a %d-module test symbol)", where("beeper.qrcode"), #rows))
  else
    r.error("libqrencode failed to encode a test symbol")
  end
end

-- Calls fn(callback) and waits for the callback while Neovim runs its loop.
local function wait(fn)
  local done, a, b = false, nil, nil
  fn(function(err, value) done, a, b = true, err, value end)
  vim.wait(WAIT_MS, function() return done end, 10)
  if not done then return { kind = "timeout", message = "no answer in " .. WAIT_MS .. " ms" } end
  return a, b
end

local function check_server(r, client)
  local opts = { timeout = 2, connect_timeout = 1, max_retries = 0 }
  local err, info = wait(function(cb) return client.info(opts, cb) end)
  if err then
    r.error(string.format("Beeper Desktop not reachable at %s: %s", client.base_url, tostring(err)), {
      "Start Beeper Desktop and enable its API (Settings > Developers), or set BEEPER_BASE_URL.",
    })
    return false
  end
  local version = info.app and info.app.version or client:server_version() or "unknown version"
  r.ok(string.format("Beeper Desktop %s at %s", version, client.base_url))
  return true
end

local function check_token(r, client, reachable)
  if not client:has_token() then
    r.warn("no access token: calls other than info fail with kind \"auth\"", {
      "Create a token in Beeper Desktop (Settings > Developers) and export BEEPER_ACCESS_TOKEN,"
        .. " or pass access_token to beeper.new.",
    })
    return
  end
  if not reachable then
    r.ok("access token present (not checked: Beeper Desktop is not reachable)")
    return
  end
  local err, accounts = wait(function(cb)
    return client.accounts.list({ timeout = 2, connect_timeout = 1, max_retries = 0 }, cb)
  end)
  if err then
    -- The error value never holds the token; its message is safe to show.
    r.error("access token present but refused: " .. tostring(err))
  else
    r.ok(string.format("access token present and accepted (%d accounts)", #accounts))
  end
end

function M.check()
  local r = reporter()
  r.start("beeper: C core")
  local core = check_core(r)
  check_qrencode(r)
  if not core then return end

  r.start("beeper: Beeper Desktop")
  local beeper = require "beeper"
  local ok, client = pcall(beeper.new, {})
  if not ok then
    r.error("beeper.new{} failed: " .. tostring(client), { "Check BEEPER_BASE_URL and BEEPER_ACCESS_TOKEN." })
    return
  end
  local reachable = check_server(r, client)
  check_token(r, client, reachable)

  r.start("beeper: loop")
  local loop = client:pump().loop
  r.ok(string.format("loop adapter: %s (%s)", tostring(loop.name or "custom"),
    loop.watch and "socket events" or "timer pump"))
  client:close()
end

return M
