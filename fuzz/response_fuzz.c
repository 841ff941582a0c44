/* libFuzzer target for the response path: arbitrary status, header lines and
 * body go through the curl callbacks, the decoder (UTF-8 check, cjson, null
 * and integer normalisation) and the Lua error mapping (beeper.response),
 * exactly as a finished transfer would; or, for issue 13's options, as raw
 * bytes or streamed to a file (build/fuzz/out.bin, or /dev/full for the
 * write error). Run from the repository root. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "../csrc/decode.h"
#include "../csrc/engine.h"
#include "../csrc/output.h"
#include "../csrc/result.h"

static lua_State *L;

/* strdup is POSIX, not C99. */
static char *copy(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p == NULL)
        abort();
    return memcpy(p, s, n);
}
static int decoder_ref, judge_ref;

/* Maps a finished attempt to a string, as a caller would see it. */
static const char JUDGE[] =
    "package.path = 'lua/?.lua;lua/?/init.lua;' .. package.path\n"
    "local response = require 'beeper.transport.response'\n"
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

/* Input: 2 bytes status, 1 byte transport outcome (% 5) and mode (/ 5 % 4:
 * JSON, raw, output file, output to a full disk), then header lines up to
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
    r.out_fd = -1;
    r.status = 100 + ((data[0] << 8 | data[1]) % 500);
    switch (data[2] / 5 % 4) {
    case 1: r.raw = r.binary = 1; break;
    case 2: r.output = copy("build/fuzz/out.bin"); r.binary = 1; break;
    case 3: r.output = copy("/dev/full"); r.binary = 1; break;
    default: break;
    }
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
    if (r.out_errno && r.result == CURLE_OK)
        r.result = CURLE_WRITE_ERROR; /* what curl makes of a refused write */
    bp_output_finish(&r);
    lua_rawgeti(L, LUA_REGISTRYINDEX, judge_ref);
    n = bp_push_result(L, decoder_ref, &r);
    if (lua_pcall(L, n, 1, 0) != 0 || lua_type(L, -1) != LUA_TSTRING)
        abort(); /* the mapping must never raise */
    lua_settop(L, top);
    bp_output_reset(&r);
    free(r.body.data);
    return 0;
}
