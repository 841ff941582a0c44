#!/usr/bin/env lua
-- Sign in to Beeper and connect a chat account through a bridge.
--
--   lua examples/connect.lua [bridge_id] [email]
--
-- With BEEPER_ACCESS_TOKEN set it talks to your Beeper Desktop
-- (BEEPER_BASE_URL, default http://localhost:23373) and skips sign-in. Without
-- it, it starts the bundled simulator and signs in there first. With
-- BEEPER_DEMO=1 the answers are scripted, so it runs unattended (make demo).
local beeper = require "beeper"

local bridge_id = arg[1] or "local-whatsapp"
local email = arg[2] or "new-user@example.com"
local demo = os.getenv("BEEPER_DEMO") == "1"

local token = os.getenv("BEEPER_ACCESS_TOKEN")
local ui = beeper.tui.new {
  -- The simulator's code is 123456; then a username, then the first login
  -- flow (with a token there is no sign-in: only the flow).
  answers = demo and ((token and token ~= "") and { "1" } or { "123456", "newuser42", "1" }) or nil,
}

local server, client
if token and token ~= "" then
  client = beeper.new {}
  ui.say("Using Beeper Desktop at ", client.base_url)
else
  server = beeper.sim.start { qr_polls = 3 }
  ui.say("No BEEPER_ACCESS_TOKEN: using the bundled simulator at ", server.url)
  local anonymous = beeper.new { base_url = server.url, access_token = "" }
  ui.say("Signing in as ", email)
  local creds = assert(beeper.sign_in(anonymous, email, ui))
  ui.say("Signed in: ", tostring(creds))
  client = beeper.new { base_url = server.url, access_token = creds.access_token }
end

local ok, result, err = pcall(beeper.connect, client, bridge_id, ui, { interval = 0.5, deadline = 300 })
if server then server:stop() end
if not ok then error(result, 0) end
if not result then
  io.stderr:write(tostring(err), "\n")
  os.exit(1)
end
local account = result.account or {}
local user = account.user or {}
ui.say("Connected ", tostring(account.accountID), " (", tostring(user.fullName or user.id), ") on ",
  bridge_id, ", login ", tostring(result.login and result.login.loginID))
