/* libFuzzer target for the WebSocket client (csrc/ws.c): the server's 101
 * answer (status line, headers, Sec-WebSocket-Accept), or a stream of
 * frames from the server fed in pieces through wslay (fragments, control
 * frames, masks, reserved bits and opcodes, lengths, the max_message cap,
 * UTF-8), each complete message decoded as beeper.events does
 * (beeper.events.subscription.decode on lua-cjson). Sends are queued in
 * between so the close handshake meets them. Run from the repository root.
 * Input: byte 0 mode (even: head, odd: frames), byte 1 max_message (x 16),
 * byte 2 piece length; the rest is the server's bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "../csrc/ws.h"

static lua_State *L;
static int decode_ref;

/* The accept key of RFC 6455's example, so the fuzzer can reach a valid 101. */
static const char ACCEPT[] = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    L = luaL_newstate();
    luaL_openlibs(L);
    if (luaL_dostring(L, "package.path = 'lua/?.lua;lua/?/init.lua;' .. package.path\n"
                         "return require('beeper.events.subscription').decode") != 0)
        abort();
    decode_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

static void take(bp_ws *w)
{
    size_t i;
    for (i = 0; i < w->n_msgs; i++) {
        if (!bp_utf8_valid((const unsigned char *)w->msgs[i].data, w->msgs[i].len))
            abort(); /* only valid UTF-8 may reach Lua */
        lua_rawgeti(L, LUA_REGISTRYINDEX, decode_ref);
        lua_pushlstring(L, w->msgs[i].data, w->msgs[i].len);
        if (lua_pcall(L, 1, 1, 0) != 0)
            abort(); /* decode must never raise */
        lua_pop(L, 1);
        free(w->msgs[i].data);
    }
    w->n_msgs = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bp_ws w;
    size_t piece, off;
    if (size < 3)
        return 0;
    if (bp_ws_init(&w, -1, "127.0.0.1:1", "/v1/ws", "fuzz-token", 1 + (uint64_t)data[1] * 16) != 0)
        abort();
    memcpy(w.accept, ACCEPT, sizeof ACCEPT);
    if (data[0] % 2 == 0) {
        int rc = bp_ws_check_head(&w, (const char *)data + 3, size - 3);
        if ((rc == 0) != (w.err_kind == NULL))
            abort(); /* an error is set exactly when the answer is refused */
        bp_ws_free(&w);
        return 0;
    }
    bp_ws_open_for_test(&w);
    piece = 1 + data[2];
    for (off = 3; off < size && w.state == BP_WS_OPEN; off += piece) {
        size_t n = size - off < piece ? size - off : piece;
        bp_ws_feed(&w, (const char *)data + off, n);
        take(&w);
        if (off % 3 == 0)
            bp_ws_send_text(&w, "{\"type\":\"subscriptions.set\",\"chatIDs\":[]}", 41);
        if (off % 5 == 0)
            bp_ws_ping(&w);
    }
    bp_ws_shutdown(&w, 1000, "bye");
    bp_ws_io(&w, 0, 1);
    take(&w);
    if (w.state == BP_WS_DONE && w.err_kind == NULL && w.ctx != NULL
        && wslay_event_want_read(w.ctx))
        abort(); /* done while still reading, with no reason given */
    bp_ws_free(&w);
    return 0;
}
