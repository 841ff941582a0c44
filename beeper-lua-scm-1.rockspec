-- The development rockspec: `luarocks make beeper-lua-scm-1.rockspec` from a checkout.
package = "beeper-lua"
version = "scm-1"
source = {
  url = "git+https://github.com/beeper-lua/beeper-lua.git",
  branch = "main", -- development: the newest commit
}
description = {
  summary = "Beeper Desktop API client: libcurl C core, Lua facade, simulator",
  detailed = [[
Sign in to Beeper Desktop and connect chat accounts through bridge login
sessions from Lua 5.1, LuaJIT (Neovim), 5.3 (awesome) and 5.4. Includes a
stateful Beeper Desktop simulator for tests.
]],
  homepage = "https://github.com/beeper-lua/beeper-lua",
  license = "MIT",
}
dependencies = {
  "lua >= 5.1, < 5.5",
  "lua-cjson",
  -- LuaSocket is for the simulator only (beeper.sim, beeper-sim): not a
  -- dependency of the client; install it yourself for the simulator (and
  -- luaossl, Debian's lua-luaossl, for its /v1/ws: SHA-1).
}
-- Headers are checked too. On Debian curl's are in the multiarch include
-- dir, which the compiler searches by itself but LuaRocks 3 does not: there
-- pass CURL_INCDIR=/usr/include/$(gcc -print-multiarch) (`make rock` does).
external_dependencies = {
  CURL = { header = "curl/curl.h", library = "curl" },
  QRENCODE = { header = "qrencode.h", library = "qrencode" },
  WSLAY = { header = "wslay/wslay.h", library = "wslay" }, -- live events (issue 14): libwslay-dev
  CRYPTO = { header = "openssl/evp.h", library = "crypto" }, -- SHA-1, base64, random: libssl-dev
}
build = {
  type = "builtin",
  modules = {
    ["beeper.core"] = {
      sources = { "csrc/core.c", "csrc/decode.c", "csrc/engine.c", "csrc/mime.c", "csrc/output.c", "csrc/result.c", "csrc/sockets.c",
        "csrc/ws.c", "csrc/ws_lua.c", "csrc/fastcall.c" },
      libraries = { "curl", "wslay", "crypto" },
      incdirs = { "$(CURL_INCDIR)", "$(WSLAY_INCDIR)", "$(CRYPTO_INCDIR)" },
      libdirs = { "$(CURL_LIBDIR)", "$(WSLAY_LIBDIR)", "$(CRYPTO_LIBDIR)" },
    },
    ["beeper.qrcode"] = {
      sources = { "csrc/qrcode.c" },
      libraries = { "qrencode" },
      incdirs = { "$(QRENCODE_INCDIR)" },
      libdirs = { "$(QRENCODE_LIBDIR)" },
    },
    ["beeper"] = "lua/beeper/init.lua",
    ["beeper.api"] = "lua/beeper/api/init.lua",
    ["beeper.transport.async"] = "lua/beeper/transport/async.lua",
    ["beeper.transport.callable"] = "lua/beeper/transport/callable.lua",
    ["beeper.client"] = "lua/beeper/client.lua",
    ["beeper.endpoints"] = "lua/beeper/endpoints.lua",
    ["beeper.transport.errors"] = "lua/beeper/transport/errors.lua",
    ["beeper.events"] = "lua/beeper/events/init.lua",
    ["beeper.events.backoff"] = "lua/beeper/events/backoff.lua",
    ["beeper.events.subscription"] = "lua/beeper/events/subscription.lua",
    ["beeper.flows"] = "lua/beeper/flows/init.lua",
    ["beeper.health"] = "lua/beeper/health.lua",
    ["beeper.ui.awesome_widget"] = "lua/beeper/ui/awesome_widget.lua",
    ["beeper.ui.blocking_warning"] = "lua/beeper/ui/blocking_warning.lua",
    ["beeper.ui.neovim"] = "lua/beeper/ui/neovim.lua",
    ["beeper.ui.fields"] = "lua/beeper/ui/fields.lua",
    ["beeper.transport.headers"] = "lua/beeper/transport/headers.lua",
    ["beeper.transport.log"] = "lua/beeper/transport/log.lua",
    ["beeper.loop"] = "lua/beeper/loop/init.lua",
    ["beeper.loop.awesome"] = "lua/beeper/loop/awesome.lua",
    ["beeper.loop.blocking"] = "lua/beeper/loop/blocking.lua",
    ["beeper.loop.luv"] = "lua/beeper/loop/luv.lua",
    ["beeper.loop.neovim"] = "lua/beeper/loop/neovim.lua",
    ["beeper.api.pages"] = "lua/beeper/api/pages.lua",
    ["beeper.api.params"] = "lua/beeper/api/params.lua",
    ["beeper.api.path"] = "lua/beeper/api/path.lua",
    ["beeper.flows.poll"] = "lua/beeper/flows/poll.lua",
    ["beeper.transport.protect"] = "lua/beeper/transport/protect.lua",
    ["beeper.ui.qr"] = "lua/beeper/ui/qr.lua",
    ["beeper.transport.response"] = "lua/beeper/transport/response.lua",
    ["beeper.transport.retry"] = "lua/beeper/transport/retry.lua",
    ["beeper.sim"] = "lua/beeper/sim/init.lua",
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
    ["beeper.flows.steps"] = "lua/beeper/flows/steps.lua",
    ["beeper.ui.tui"] = "lua/beeper/ui/tui.lua",
    ["beeper.ui.call"] = "lua/beeper/ui/call.lua",
    ["beeper.flows.verify"] = "lua/beeper/flows/verify.lua",
  },
  install = {
    bin = { ["beeper-sim"] = "bin/beeper-sim" },
  },
  -- LuaLS definitions, installed in the rock's folder (`luarocks show beeper-lua`)
  copy_directories = { "types", "doc" },
}
