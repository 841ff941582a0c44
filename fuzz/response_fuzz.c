/* libFuzzer target for the response path: arbitrary status, header lines and
 * body go through the curl callbacks, the decoder (UTF-8 check, cjson, null
 * and integer normalisation) and the Lua error mapping (beeper.response),
 * exactly as a finished transfer would. Run from the repository root. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "../csrc/decode.h"
#include "../csrc/engine.h"
#include "../csrc/result.h"

static lua_State *L;
static int decoder_ref, judge_ref;

/* Maps a finished attempt to a string, as a caller would see it. */
static const char JUDGE[] =
    "package.path = 'lua/?.lua;lua/?/init.lua;' .. package.path\n"
    "local response = require 'beeper.response'\n"
    "return function(...)\n"
    "  local v, err = response.outcome({ method = 'GET', path = '/v1/x' }, 0, ...)\n"
    "  if err then return tostring(err) end\n"
    "  return type(v)\n"
    "end\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    L = luaL_newstate();
    luaL_openlibs(L);
    decoder_ref = bp_decoder_new(L, 128);
    if (luaL_dostring(L, JUDGE) != 0)
        abort();
    judge_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

/* Input: 2 bytes status, 1 byte transport outcome, then header lines up to
 * an empty line, then the body (fed in two pieces). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bp_request r;
    const char *p, *end, *blank;
    int top = lua_gettop(L), n;
    if (size < 3)
        return 0;
    memset(&r, 0, sizeof r);
    r.max_body = 4096;
    r.status = 100 + ((data[0] << 8 | data[1]) % 500);
    p = (const char *)data + 3;
    end = (const char *)data + size;
    blank = NULL;
    for (const char *q = p; q + 1 < end; q++)
        if (q[0] == '\n' && q[1] == '\n') {
            blank = q;
            break;
        }
    if (blank == NULL)
        blank = end;
    while (p < blank) {
        const char *nl = memchr(p, '\n', (size_t)(blank - p));
        size_t len = nl ? (size_t)(nl - p + 1) : (size_t)(blank - p);
        bp_on_header((char *)p, 1, len, &r);
        p += len;
    }
    if (blank + 2 <= end) {
        const char *body = blank + 2;
        size_t len = (size_t)(end - body), half = len / 2;
        if (bp_on_body((char *)body, 1, half, &r) == half)
            bp_on_body((char *)body + half, 1, len - half, &r);
    }
    switch (data[2] % 5) {
    case 0: r.result = r.too_large ? CURLE_WRITE_ERROR : CURLE_OK; break;
    case 1: r.result = CURLE_OPERATION_TIMEDOUT; break;
    case 2: r.result = CURLE_RECV_ERROR; break;
    case 3: r.result = CURLE_FILESIZE_EXCEEDED; break; /* Content-Length over max_body */
    default: r.result = CURLE_COULDNT_CONNECT; break;
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, judge_ref);
    n = bp_push_result(L, decoder_ref, &r);
    if (lua_pcall(L, n, 1, 0) != 0 || lua_type(L, -1) != LUA_TSTRING)
        abort(); /* the mapping must never raise */
    lua_settop(L, top);
    free(r.body.data);
    return 0;
}
