/* What a finished transfer becomes on the Lua stack. See result.h. */
#include "result.h"
#include "decode.h"
#include "output.h"

#include <stdio.h>

#define RAW_SNIPPET 512

/* Pushes the results of a transfer that got no HTTP answer. */
static int push_failure(lua_State *L, const bp_request *r)
{
    const char *msg = r->errbuf[0] ? r->errbuf : curl_easy_strerror(r->result);
    lua_pushnil(L);
    /* FILESIZE_EXCEEDED: a Content-Length over the cap, refused up front. */
    if (r->too_large || r->result == CURLE_FILESIZE_EXCEEDED) {
        char text[64]; /* lua_pushfstring has no size_t format */
        snprintf(text, sizeof text, "response body larger than %zu bytes", r->max_body);
        lua_pushliteral(L, "decode");
        lua_pushstring(L, text);
    } else if (r->result == CURLE_OPERATION_TIMEDOUT) {
        lua_pushliteral(L, "timeout");
        lua_pushstring(L, msg);
    } else {
        lua_pushliteral(L, "connection");
        lua_pushstring(L, msg);
    }
    lua_pushinteger(L, (lua_Integer)r->result);
    return 4;
}

static void set_text(lua_State *L, const char *k, const char *v)
{
    if (v[0]) {
        lua_pushstring(L, v);
        lua_setfield(L, -2, k);
    }
}

/* Pushes status, value, decode_error, meta for an HTTP answer. */
static int push_answer(lua_State *L, int decoder_ref, const bp_request *r)
{
    int decoded = 1;
    lua_pushinteger(L, (lua_Integer)r->status);
    if (r->body.len == 0)
        lua_pushnil(L);
    else
        decoded = bp_decode(L, decoder_ref, r->body.data, r->body.len);
    if (decoded) {
        lua_pushnil(L);
    } else {
        lua_pushnil(L);
        lua_insert(L, -2); /* value nil, then the decoder's message */
    }
    if (!decoded || r->retry_after[0] || r->retry_after_ms[0] || r->should_retry[0]) {
        lua_createtable(L, 0, 4);
        set_text(L, "retry_after", r->retry_after);
        set_text(L, "retry_after_ms", r->retry_after_ms);
        set_text(L, "should_retry", r->should_retry);
        if (!decoded) { /* what the server said, for the error message */
            size_t n = r->body.len < RAW_SNIPPET ? r->body.len : RAW_SNIPPET;
            lua_pushlstring(L, r->body.data, n);
            lua_setfield(L, -2, "raw");
        }
    } else {
        lua_pushnil(L);
    }
    return 4;
}

int bp_push_result(lua_State *L, int decoder_ref, const bp_request *r)
{
    /* Issue 13's hook: raw and output answers and io errors (output.c);
     * it pushes nothing for the rest, and JSON requests never call it. */
    int n = r->binary ? bp_push_binary(L, r) : 0;
    if (n)
        return n;
    return r->result == CURLE_OK ? push_answer(L, decoder_ref, r) : push_failure(L, r);
}
