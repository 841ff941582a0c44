-- Issue 15 (Neovim): a fresh copy of the checkout, `make` in it (what
-- lazy.nvim's build = "make" runs), then real `nvim --headless` with the
-- copy on the runtimepath (or packpath) and no LUA_PATH / LUA_CPATH:
-- require "beeper" and its C core, :checkhealth beeper, :help beeper, the
-- Neovim ui driving whole flows, the blocking-call warning. Runs in the
-- LuaJIT pass only (Neovim's Lua).
local helper = require "spec.helper"
local common = require "spec.hosts.common"

local version = os.getenv("BEEPER_TEST_LUA_VERSION")
local root = os.getenv("PWD")
local nvim_it = (version == "jit") and it or pending

local TOKEN = "tok-15b-never-shown"

local function sh(cmd)
  local p = io.popen(cmd .. " 2>&1; echo \"exit=$?\"")
  local out = p:read("*a")
  p:close()
  return tonumber(out:match("exit=(%d+)%s*$")), out
end

-- The checkout as a user would clone it: tracked and new files, no build
-- products; under pack/beeper/start/ so that it is a package too.
local function fresh_copy(base)
  local dir = base .. "/pack/beeper/start/beeper-lua"
  assert(sh("mkdir -p " .. dir) == 0)
  local status, out = sh("git ls-files -co --exclude-standard | grep -v -e '^build/' -e '\\.so$' -e '^doc/tags$'"
    .. " | tar -cf - -T - | tar -xf - -C " .. dir)
  assert(status == 0, out)
  return dir
end

-- Runs nvim on a program or commands; returns its exit status and the
-- key=value result it wrote.
local function nvim(args, env)
  local out = os.tmpname()
  local parts = { "env -u LUA_PATH -u LUA_CPATH -u BEEPER_ACCESS_TOKEN -u BEEPER_BASE_URL",
    "BEEPER_ROOT='" .. root .. "'", "BEEPER_HOST_OUT='" .. out .. "'" }
  for k, v in pairs(env or {}) do parts[#parts + 1] = k .. "='" .. v .. "'" end
  local status = sh("cd /tmp && " .. table.concat(parts, " ") .. " timeout 60 nvim --headless -i NONE -n "
    .. args .. " >/dev/null")
  local result = common.read(out)
  os.remove(out)
  return status, result, out
end

-- The QR float's text back to modules (dark modules are the drawn ones in
-- the float), as a PGM that zbarimg (zbar-tools, not libqrencode) reads.
local DRAWN = { [" "] = { false, false }, ["▄"] = { false, true }, ["▀"] = { true, false }, ["█"] = { true, true } }

local function decode_float(text)
  local rows = {}
  for line in text:gmatch("[^|]+") do
    local top, bottom = {}, {}
    for ch in line:gmatch("[%z\1-\127\194-\244][\128-\191]*") do
      local pair = assert(DRAWN[ch], "unexpected glyph " .. ch)
      top[#top + 1], bottom[#bottom + 1] = pair[1], pair[2]
    end
    rows[#rows + 1], rows[#rows + 2] = top, bottom
  end
  local path = os.tmpname() .. ".pgm"
  local f = assert(io.open(path, "w"))
  f:write("P2\n", #rows[1] * 4, " ", #rows * 4, "\n255\n")
  for y = 1, #rows * 4 do
    local row, px = rows[math.floor((y - 1) / 4) + 1], {}
    for x = 1, #rows[1] * 4 do px[x] = row[math.floor((x - 1) / 4) + 1] and "0" or "255" end
    f:write(table.concat(px, " "), "\n")
  end
  f:close()
  local p = io.popen(helper.child_prefix .. " zbarimg --quiet --raw " .. path .. " 2>/dev/null")
  local out = p:read("*a")
  p:close()
  os.remove(path)
  return (out:gsub("\n$", ""))
end

local function read_file(path)
  local f = io.open(path)
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

describe("#15 Neovim plugin from a checkout", function()
  local sim, base, dir, make_ms
  local function on_rtp(program)
    return "-u NONE --cmd 'set rtp^=" .. dir .. "' -c 'luafile " .. root .. "/spec/hosts/" .. program .. "'"
  end
  local function env(token)
    return { BEEPER_BASE_URL = sim.url, BEEPER_ACCESS_TOKEN = token or sim.token }
  end

  setup(function()
    if version ~= "jit" then return end
    sim = helper.start_sim { token = TOKEN }
    base = os.tmpname()
    os.remove(base)
    dir = fresh_copy(base)
    local t0 = helper.now()
    local status, out = sh("make -C " .. dir)
    make_ms = (helper.now() - t0) * 1000
    assert(status == 0, out)
  end)
  teardown(function()
    if sim then sim:stop() end
    if base then os.execute("rm -rf '" .. base .. "'") end
  end)
  before_each(function()
    if sim then sim:reset() end
  end)

  nvim_it("`make` puts the LuaJIT core where Neovim's runtimepath loader looks, and doc/tags", function()
    print(string.format("#15 make in a fresh checkout: %.0f ms", make_ms))
    assert.is_truthy(io.open(dir .. "/lua/beeper/core.so"))
    assert.is_truthy(io.open(dir .. "/lua/beeper/qrcode.so"))
    assert.matches("%*beeper%*", read_file(dir .. "/doc/tags") or "")
  end)

  nvim_it("a checkout on 'runtimepath' (lazy.nvim): require 'beeper', two callback requests, exit 0", function()
    local status, r = nvim(on_rtp("nvim_plugin_rtp.lua"), env())
    assert.is_table(r, "nvim wrote no result")
    assert.are.equal("true", r.ok, r.err)
    assert.are.equal(dir .. "/lua/beeper/init.lua", r.lua_file)
    assert.are.equal(dir .. "/lua/beeper/core.so", r.core_file)
    assert.are.equal("true", r.finished)
    assert.are.equal("4.2.880", r.info)
    assert.are.equal("5", r.bridges)
    assert.are.equal("neovim", r.loop)
    assert.are.equal("true", r.qr)
    assert.are.equal(0, status)
  end)

  nvim_it("a plain package under 'packpath' (pack/*/start) works the same", function()
    local status, r = nvim("-u NORC --cmd 'set packpath^=" .. base .. "' -c 'luafile " .. root
      .. "/spec/hosts/nvim_plugin_rtp.lua'", env())
    assert.is_table(r, "nvim wrote no result")
    assert.are.equal("true", r.ok, r.err)
    assert.are.equal(dir .. "/lua/beeper/core.so", r.core_file)
    assert.are.equal("5", r.bridges)
    assert.are.equal(0, status)
  end)

  nvim_it("without `make` the same checkout fails as the issue says (the control)", function()
    local bare = os.tmpname()
    os.remove(bare)
    local bare_dir = fresh_copy(bare)
    local status, r = nvim("-u NONE --cmd 'set rtp^=" .. bare_dir .. "' -c 'luafile " .. root
      .. "/spec/hosts/nvim_plugin_rtp.lua'", env())
    os.execute("rm -rf '" .. bare .. "'")
    assert.are.equal("false", r.ok)
    assert.matches("beeper.core", r.err)
    assert.are.equal(0, status)
  end)

  -- :checkhealth beeper's buffer, written to a file.
  local function health(extra_env)
    local file = os.tmpname()
    local status = nvim("-u NONE --cmd 'set rtp^=" .. dir .. "' -c 'checkhealth beeper' -c 'w! " .. file
      .. "' -c 'qa!'", extra_env)
    local text = read_file(file) or ""
    os.remove(file)
    return status, text
  end

  nvim_it(":checkhealth beeper against the simulator: core, libcurl, qrencode, token, version, loop", function()
    local status, text = health(env())
    local core_so = (dir .. "/lua/beeper/core.so"):gsub("%p", "%%%0")
    assert.matches("OK: C core [%d.]+ loaded for LuaJIT [^\n]*" .. core_so, text)
    assert.matches("OK: libcurl %d+%.%d+", text)
    assert.matches("OK: libqrencode works", text)
    assert.matches("OK: Beeper Desktop 4%.2%.880 at " .. sim.url:gsub("%p", "%%%0"), text)
    assert.matches("OK: access token present and accepted %(5 accounts%)", text)
    assert.matches("OK: loop adapter: neovim %(socket events%)", text)
    assert.is_nil(text:find("ERROR", 1, true), text)
    assert.is_nil(text:find(TOKEN, 1, true), "the token was shown")
    assert.are.equal(0, status)
  end)

  nvim_it(":checkhealth beeper with no token and no server: errors and advice, no crash", function()
    local url = "http://127.0.0.1:" .. helper.closed_port()
    local status, text = health { BEEPER_BASE_URL = url }
    assert.matches("OK: C core", text)
    assert.matches("ERROR: Beeper Desktop not reachable at " .. url:gsub("%p", "%%%0") .. ": beeper: connection", text)
    assert.matches("Start Beeper Desktop", text)
    assert.matches("WARNING: no access token", text)
    assert.matches("OK: loop adapter: neovim", text)
    assert.are.equal(0, status)
  end)

  nvim_it(":checkhealth beeper with a Beeper Desktop that never answers: a timeout within 2 s, not a hang", function()
    sim:fault { path = "^/v1/info$", hang = true }
    local t0 = helper.now()
    local status, text = health(env())
    local elapsed = helper.now() - t0
    print(string.format("#15 :checkhealth beeper against a hung server: %.1f s", elapsed))
    assert.matches("ERROR: Beeper Desktop not reachable at [^\n]*beeper: timeout", text)
    assert.matches("OK: access token present %(not checked", text)
    assert.is_true(elapsed < 6, elapsed)
    assert.are.equal(0, status)
  end)

  nvim_it(":checkhealth beeper with a wrong token: reachable, token refused, the token not shown", function()
    local status, text = health(env("wrong-" .. TOKEN))
    assert.matches("OK: Beeper Desktop 4%.2%.880", text)
    assert.matches("ERROR: access token present but refused: beeper: http 401", text)
    assert.is_nil(text:find(TOKEN, 1, true), "the token was shown")
    assert.are.equal(0, status)
  end)

  nvim_it(":checkhealth beeper uses Neovim 0.10's vim.health.start/ok/... when they are there", function()
    local status, r = nvim(on_rtp("nvim_health_api.lua"), env())
    assert.is_table(r, "nvim wrote no result")
    assert.are.equal("true", r.ok, r.err)
    assert.matches("^start:beeper: C core|ok:C core", r.seen)
    assert.matches("|start:beeper: Beeper Desktop|ok:Beeper Desktop 4%.2%.880", r.seen)
    assert.matches("|ok:loop adapter: neovim", r.seen)
    assert.are.equal(0, status)
  end)

  nvim_it(":help beeper opens doc/beeper.txt of the checkout; its tags resolve", function()
    local file = os.tmpname()
    local lua = "local out = {} for _, tag in ipairs { 'beeper', 'beeper-install', 'beeper-health', 'beeper-ui',"
      .. " 'beeper-blocking' } do vim.cmd('help ' .. tag) out[#out + 1] = tag .. '=' .. vim.fn.expand('%:p')"
      .. " .. ':' .. vim.fn.getline('.') end vim.fn.writefile(out, '" .. file .. "')"
    local status = nvim("-u NONE --cmd 'set rtp^=" .. dir .. "' -c \"lua " .. lua .. "\" -c 'qa!'")
    local text = read_file(file) or ""
    os.remove(file)
    for _, tag in ipairs { "beeper", "beeper-install", "beeper-health", "beeper-ui", "beeper-blocking" } do
      local line = text:match("\n?" .. tag:gsub("%-", "%%-") .. "=([^\n]*)")
      assert.is_truthy(line, tag .. " not found in: " .. text)
      assert.are.equal(dir .. "/doc/beeper.txt", line:match("^([^:]*)"))
      assert.is_truthy(line:find("*" .. tag .. "*", 1, true), line)
    end
    assert.are.equal(0, status)
  end)

  nvim_it("beeper.ui.neovim: connect (QR float, then fields and a secret) and sign-in through vim.ui", function()
    local status, r = nvim(on_rtp("nvim_ui_connect.lua"), env())
    assert.is_table(r, "nvim wrote no result")
    assert.are.equal("true", r.ok, r.err)
    -- 1. bridge chosen with vim.ui.select, QR in a float, closed at the end
    assert.are.equal("", r.qr_err)
    assert.are.equal("complete", r.qr_status)
    assert.matches("^local%-whatsapp", r.qr_account)
    assert.are.equal("1", r.qr_floats)
    assert.are.equal("true", r.qr_blocks)
    assert.is_true(tonumber(r.qr_lines) >= 10, r.qr_lines)
    assert.are.equal("0", r.qr_left_open)
    assert.matches("Normal:BeeperQR", r.qr_hl) -- dark on light whatever the colour scheme
    -- The float shows the simulator's QR payload, readable by a decoder.
    assert.are.equal("2@c2ltdWxhdGVk,ZGVza3RvcA==,YmVlcGVyLWx1YQ==", decode_float(r.qr_text))
    -- The editor's 10 ms timer kept firing while the flow ran (a blocked loop gives about 0).
    print(string.format("#15 Neovim ui: %s ticks of a 10 ms timer during a %s ms QR login", r.qr_ticks, r.qr_ms))
    assert.is_true(tonumber(r.qr_ticks) >= tonumber(r.qr_ms) / 10 * 0.5, r.qr_ticks .. " ticks in " .. r.qr_ms)
    -- 2. telegram: the phone and the code by vim.ui.input, the password by inputsecret()
    assert.are.equal("", r.tg_err)
    assert.are.equal("complete", r.tg_status)
    assert.matches("select:Connect\\ninput:Phone number (+1 555 555 0100): \\nsecret:Two-step password "
      .. "[optional]: \\ninput:Code: ", r.prompts, 1, true)
    -- 3. a cancelled choice aborts
    assert.are.equal("aborted", r.abort_kind)
    -- 5. cancelled while a prompt waits: "cancelled", the session deleted on the server
    assert.are.equal("true", r.cancel_returned)
    assert.are.equal("cancelled", r.cancel_kind)
    local deleted = 0
    for _, req in ipairs(sim:requests()) do
      if req.method == "DELETE" and req.path:match("^/v1/bridges/telegram/login%-sessions/") then
        deleted = deleted + 1
      end
    end
    assert.are.equal(1, deleted)
    -- 4. sign-in: the code and a username
    assert.are.equal("", r.signin_err)
    assert.are.equal("string", r.signin_token)
    assert.matches("access token hidden", r.signin_shown)
    -- progress and errors through vim.notify
    assert.matches("2:beeper: connected local%-whatsapp", r.notes)
    assert.matches("3:beeper: login failed: beeper: aborted", r.notes)
    assert.matches("2:beeper: signed in", r.notes)
    -- What reached the server: the typed secret, in the submit of the telegram step.
    local sent
    for _, req in ipairs(sim:requests()) do
      if req.method == "POST" and req.path:match("/v1/bridges/telegram/login%-sessions/.+/steps/") then
        sent = (sent or "") .. req.body
      end
    end
    assert.matches('"password":"hunter2"', sent or "")
    assert.matches('"phone":"%+15555550100"', sent or "")
    assert.are.equal(0, status)
  end)

  nvim_it("a blocking call on Neovim's main loop warns once (WARN), pointing at the callback form", function()
    local status, r = nvim("-u NONE -c 'luafile " .. root .. "/spec/hosts/nvim_blocking_warn.lua'", env())
    assert.is_table(r, "nvim wrote no result")
    assert.are.equal("true", r.ok, r.err)
    assert.are.equal("0", r.after_callback)
    assert.are.equal("1", r.first)
    assert.are.equal("1", r.second)
    assert.are.equal("1", r.count)
    assert.are.equal("true", r.level)
    assert.matches("bridges%.list blocked Neovim", r.message)
    assert.matches("callback", r.message)
    assert.matches("beeper%.async", r.message)
    assert.are.equal(0, status)
  end)

  nvim_it("vim.g.beeper_blocking_ok = true silences that warning", function()
    local status, r = nvim("-u NONE --cmd 'let g:beeper_blocking_ok = v:true' -c 'luafile " .. root
      .. "/spec/hosts/nvim_blocking_warn.lua'", env())
    assert.is_table(r, "nvim wrote no result")
    assert.are.equal("true", r.ok, r.err)
    assert.are.equal("0", r.count)
    assert.are.equal(0, status)
  end)
end)
