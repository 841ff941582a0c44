/* See decode.h. */
#include "decode.h"
#include "compat.h"

#include <stdint.h>
#include <string.h>

/* Calls instance[name](arg) when arg > 0, leaving nothing on the stack. */
static void configure(lua_State *L, int instance, const char *name, int arg)
{
    lua_getfield(L, instance, name);
    lua_pushinteger(L, arg);
    lua_call(L, 1, 0);
}

int bp_decoder_new(lua_State *L, int max_depth)
{
    int instance;
    lua_getglobal(L, "require");
    lua_pushliteral(L, "cjson");
    lua_call(L, 1, 1);
    lua_getfield(L, -1, "new");
    lua_call(L, 0, 1); /* a private instance: the host's cjson settings stay untouched */
    instance = lua_gettop(L);
    configure(L, instance, "decode_max_depth", max_depth);
    lua_getfield(L, instance, "decode_invalid_numbers");
    lua_pushboolean(L, 0); /* NaN, Infinity and hex are not JSON */
    lua_call(L, 1, 0);
    lua_getfield(L, instance, "decode"); /* its config lives in its upvalues */
    {
        int ref = luaL_ref(L, LUA_REGISTRYINDEX);
        lua_pop(L, 2); /* instance, module */
        return ref;
    }
}

#if BP_HAS_INTEGERS
/* True when the float on top of the stack holds an integral value that fits. */
static int integral(lua_State *L, lua_Integer *out)
{
    lua_Number d = lua_tonumber(L, -1);
    if (lua_isinteger(L, -1) || !(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
        return 0;
    *out = (lua_Integer)d;
    return (lua_Number)*out == d;
}
#endif

void bp_normalise(lua_State *L, int idx)
{
    int t = idx < 0 ? lua_gettop(L) + idx + 1 : idx;
    luaL_checkstack(L, 4, "JSON nested too deeply");
    lua_pushnil(L);
    while (lua_next(L, t)) {
        int vt = lua_type(L, -1);
        if (vt == LUA_TTABLE) {
            bp_normalise(L, -1);
            lua_pop(L, 1);
        } else if (vt == LUA_TLIGHTUSERDATA && lua_touserdata(L, -1) == NULL) {
            lua_pop(L, 1);
            if (lua_type(L, -1) == LUA_TSTRING) { /* object member: drop it */
                lua_pushvalue(L, -1);
                lua_pushnil(L);
                lua_rawset(L, t); /* clearing a field during lua_next is allowed */
            }
#if BP_HAS_INTEGERS
        } else if (vt == LUA_TNUMBER) {
            lua_Integer i;
            int convert = integral(L, &i);
            lua_pop(L, 1);
            if (convert) {
                lua_pushvalue(L, -1);
                lua_pushinteger(L, i);
                lua_rawset(L, t);
            }
#endif
        } else {
            lua_pop(L, 1);
        }
    }
}

/* Offset of the first byte that breaks UTF-8 (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF), or len when the text is valid. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n, k;
        unsigned long cp;
        uint64_t word;
        /* JSON is mostly ASCII: skip eight such bytes at a time. */
        if (len - i >= 8 && (memcpy(&word, s + i, 8), (word & 0x8080808080808080ULL) == 0)) {
            i += 8;
            continue;
        }
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (len - i <= n)
            return i;
        for (k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return i;
        i += n + 1;
    }
    return len;
}

/* Under lua_pcall: (decoder, text) --> the normalised value. Normalising
 * needs Lua stack per level of nesting, and on 5.1 and LuaJIT a depth that
 * cjson accepts can exhaust it: that must be a decode error, not a raise. */
static int decode_protected(lua_State *L)
{
    lua_call(L, 1, 1);
    if (lua_type(L, -1) == LUA_TTABLE) {
        bp_normalise(L, -1);
#if BP_HAS_INTEGERS
    } else if (lua_type(L, -1) == LUA_TNUMBER) {
        lua_Integer i;
        if (integral(L, &i)) {
            lua_pop(L, 1);
            lua_pushinteger(L, i);
        }
#endif
    } else if (lua_type(L, -1) == LUA_TLIGHTUSERDATA && lua_touserdata(L, -1) == NULL) {
        lua_pop(L, 1);
        lua_pushnil(L); /* a bare null body */
    }
    return 1;
}

int bp_decode(lua_State *L, int decoder_ref, const char *buf, size_t len)
{
    size_t bad = utf8_invalid_at((const unsigned char *)buf, len);
    if (bad < len) {
        lua_pushfstring(L, "invalid UTF-8 at byte %d", (int)bad + 1);
        return 0;
    }
    lua_pushcfunction(L, decode_protected);
    lua_rawgeti(L, LUA_REGISTRYINDEX, decoder_ref);
    lua_pushlstring(L, buf, len);
    if (lua_pcall(L, 2, 1, 0) != 0) {
        if (!lua_isstring(L, -1)) {
            lua_pop(L, 1);
            lua_pushliteral(L, "invalid JSON");
        }
        return 0;
    }
    return 1;
}
