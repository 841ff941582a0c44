package = "beeper-lua"
version = "0.1.0-1"
source = {
  url = "git+file:///beeper-lua", -- built from a checkout with `luarocks make`
}
description = {
  summary = "Beeper Desktop API client: libcurl C core, Lua facade, simulator",
  detailed = [[
Sign in to Beeper Desktop and connect chat accounts through bridge login
sessions from Lua 5.1, LuaJIT (Neovim), 5.3 (awesome) and 5.4. Includes a
stateful Beeper Desktop simulator for tests.
]],
  license = "MIT",
}
dependencies = {
  "lua >= 5.1, < 5.5",
  "lua-cjson",
  "luasocket", -- the simulator only
  -- the simulator's /v1/ws also needs luaossl (Debian: lua-luaossl) for SHA-1
}
external_dependencies = {
  CURL = { library = "curl" },
  QRENCODE = { library = "qrencode" },
  WSLAY = { header = "wslay/wslay.h" }, -- live events (issue 14): libwslay-dev
  CRYPTO = { header = "openssl/evp.h" }, -- SHA-1, base64, random: libssl-dev
}
build = {
  type = "builtin",
  modules = {
    ["beeper.core"] = {
      sources = { "csrc/core.c", "csrc/decode.c", "csrc/engine.c", "csrc/mime.c", "csrc/output.c", "csrc/result.c", "csrc/sockets.c",
        "csrc/ws.c", "csrc/ws_lua.c" },
      libraries = { "curl", "wslay", "crypto" },
      libdirs = { "$(CURL_LIBDIR)", "$(WSLAY_LIBDIR)", "$(CRYPTO_LIBDIR)" },
      incdirs = { "$(WSLAY_INCDIR)", "$(CRYPTO_INCDIR)" },
    },
    ["beeper.qrcode"] = {
      sources = { "csrc/qrcode.c" },
      libraries = { "qrencode" },
      libdirs = { "$(QRENCODE_LIBDIR)" },
    },
    ["beeper"] = "lua/beeper/init.lua",
    ["beeper.api"] = "lua/beeper/api.lua",
    ["beeper.async"] = "lua/beeper/async.lua",
    ["beeper.callable"] = "lua/beeper/callable.lua",
    ["beeper.client"] = "lua/beeper/client.lua",
    ["beeper.endpoints"] = "lua/beeper/endpoints.lua",
    ["beeper.errors"] = "lua/beeper/errors.lua",
    ["beeper.events"] = "lua/beeper/events/init.lua",
    ["beeper.events.backoff"] = "lua/beeper/events/backoff.lua",
    ["beeper.events.subscription"] = "lua/beeper/events/subscription.lua",
    ["beeper.flows"] = "lua/beeper/flows.lua",
    ["beeper.headers"] = "lua/beeper/headers.lua",
    ["beeper.log"] = "lua/beeper/log.lua",
    ["beeper.loop"] = "lua/beeper/loop/init.lua",
    ["beeper.loop.awesome"] = "lua/beeper/loop/awesome.lua",
    ["beeper.loop.blocking"] = "lua/beeper/loop/blocking.lua",
    ["beeper.loop.luv"] = "lua/beeper/loop/luv.lua",
    ["beeper.loop.neovim"] = "lua/beeper/loop/neovim.lua",
    ["beeper.pages"] = "lua/beeper/pages.lua",
    ["beeper.params"] = "lua/beeper/params.lua",
    ["beeper.path"] = "lua/beeper/path.lua",
    ["beeper.poll"] = "lua/beeper/poll.lua",
    ["beeper.protect"] = "lua/beeper/protect.lua",
    ["beeper.qr"] = "lua/beeper/qr.lua",
    ["beeper.response"] = "lua/beeper/response.lua",
    ["beeper.retry"] = "lua/beeper/retry.lua",
    ["beeper.sim"] = "lua/beeper/sim.lua",
    ["beeper.sim.handle"] = "lua/beeper/sim/handle.lua",
    ["beeper.sim.http"] = "lua/beeper/sim/http.lua",
    ["beeper.sim.proc"] = "lua/beeper/sim/proc.lua",
    ["beeper.sim.server"] = "lua/beeper/sim/server.lua",
    ["beeper.sim.state"] = "lua/beeper/sim/state.lua",
    ["beeper.sim.check"] = "lua/beeper/sim/check.lua",
    ["beeper.sim.clock"] = "lua/beeper/sim/clock.lua",
    ["beeper.sim.desktop"] = "lua/beeper/sim/desktop/init.lua",
    ["beeper.sim.desktop.accounts"] = "lua/beeper/sim/desktop/accounts.lua",
    ["beeper.sim.desktop.assets"] = "lua/beeper/sim/desktop/assets.lua",
    ["beeper.sim.desktop.base64"] = "lua/beeper/sim/desktop/base64.lua",
    ["beeper.sim.desktop.chats"] = "lua/beeper/sim/desktop/chats.lua",
    ["beeper.sim.desktop.events"] = "lua/beeper/sim/desktop/events.lua",
    ["beeper.sim.desktop.info"] = "lua/beeper/sim/desktop/info.lua",
    ["beeper.sim.desktop.messages"] = "lua/beeper/sim/desktop/messages.lua",
    ["beeper.sim.desktop.model"] = "lua/beeper/sim/desktop/model.lua",
    ["beeper.sim.desktop.schemas"] = "lua/beeper/sim/desktop/schemas.lua",
    ["beeper.sim.desktop.search"] = "lua/beeper/sim/desktop/search.lua",
    ["beeper.sim.desktop.seed"] = "lua/beeper/sim/desktop/seed.lua",
    ["beeper.sim.desktop.util"] = "lua/beeper/sim/desktop/util.lua",
    ["beeper.sim.multipart"] = "lua/beeper/sim/multipart.lua",
    ["beeper.sim.page"] = "lua/beeper/sim/page.lua",
    ["beeper.sim.query"] = "lua/beeper/sim/query.lua",
    ["beeper.sim.verification"] = "lua/beeper/sim/verification.lua",
    ["beeper.sim.ws"] = "lua/beeper/sim/ws.lua",
    ["beeper.steps"] = "lua/beeper/steps.lua",
    ["beeper.tui"] = "lua/beeper/tui.lua",
    ["beeper.ui_call"] = "lua/beeper/ui_call.lua",
    ["beeper.verify"] = "lua/beeper/verify.lua",
  },
  install = {
    bin = { ["beeper-sim"] = "bin/beeper-sim" },
  },
}
