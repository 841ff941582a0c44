/* The blocking fast path of a JSON call (issue 12).
 *
 *   local fast = core.fast_call(spec)   -- once per endpoint of a client
 *   fast(...)  --> value  |  what spec.resume returns  |  spec.skip
 *
 * It does in C what the Lua call path does for the common blocking call:
 * ids seen before, parameters of plain types (for a query endpoint: none),
 * no options, no callback, on the main thread, logging off, no host loop
 * pump: the URL, the JSON body
 * (spec.encode: lua-cjson), the request, the decoded answer (or true for
 * an empty one, as beeper.transport.response says). Anything else
 * it leaves untouched and returns spec.skip, and the Lua path runs as ever:
 * it raises on a mistake (at the caller's line), retries, logs, yields.
 * An answer that is not a plain 2xx value goes to
 * spec.resume(path, body, fresh, status, value, decode_error, meta): the Lua
 * path's judge and retry loop, so an error is the same value either way.
 * Nothing here is an endpoint: spec is the endpoint's row, as data.
 *
 * spec (read once; see beeper.api fast_spec and beeper.client):
 *   method, nids (0..2), pieces = { text around the ids },
 *   names (takes parameters), body (they go as JSON; else as a query),
 *   empty_ok (an empty 2xx answer is true, as a 204 always is),
 *   plain = { name = wire }, types = { name = "string"|"boolean"|"table" },
 *   required = { wire, ... }, once, safe_with (a wire name), header_key,
 *   client, headers (the client's header line cache), resume, encode,
 *   nodes, encoded (beeper.api.path's memo: id -> encoded), skip, info. */
#include <limits.h>
#include <string.h>

#include "client.h"

enum {
    UV_NIDS = 1, UV_FLAGS, UV_METHOD, UV_PIECE1, UV_PIECE2, UV_PIECE3,
    UV_PLAIN, UV_TYPES, UV_REQUIRED, UV_SAFE_WITH, UV_HEADER_KEY,
    UV_CLIENT, UV_HEADERS, UV_RESUME, UV_ENCODE, UV_NODES, UV_ENCODED,
    UV_SKIP, UV_INFO, UV_WIRE, UV_CORE,
    UV_COUNT = UV_CORE
};

#define F_NAMES 1 /* the endpoint takes parameters */
#define F_BODY 2  /* ... as a JSON body (else as a query string) */
#define F_ONCE 4  /* a send that must not be repeated on a reused connection */
#define F_EMPTY_OK 8 /* an empty 2xx answer is true */

#define UP(i) lua_upvalueindex(i)
/* Past this many seconds the core is given 0, curl's "no limit": as
 * beeper.client does. */
#define MAX_SECONDS ((double)INT_MAX / 1000.0)

typedef struct url_buf {
    char text[URL_JOIN];
    size_t len;
} url_buf;

static int append(url_buf *u, const char *s, size_t n)
{
    if (u->len + n >= sizeof u->text)
        return 0; /* a long URL: the Lua path joins it */
    memcpy(u->text + u->len, s, n);
    u->len += n;
    u->text[u->len] = '\0';
    return 1;
}

static int append_upvalue(url_buf *u, lua_State *L, int uv)
{
    size_t n;
    const char *s = lua_tolstring(L, UP(uv), &n);
    return s == NULL || append(u, s, n);
}

static int skip(lua_State *L)
{
    lua_pushvalue(L, UP(UV_SKIP));
    return 1;
}

/* client[k] (raw) pushed; returns its type. */
static int client_field(lua_State *L, const char *k)
{
    lua_pushstring(L, k);
    lua_rawget(L, UP(UV_CLIENT));
    return lua_type(L, -1);
}

/* The client's core at the top of the stack, if it is one and open. */
static bp_client *open_core(lua_State *L)
{
    bp_client *c;
    if (lua_type(L, -1) != LUA_TUSERDATA)
        return NULL;
    if (!lua_rawequal(L, -1, UP(UV_CORE))) { /* checked once per core */
        int same;
        if (!lua_getmetatable(L, -1))
            return NULL;
        luaL_getmetatable(L, CLIENT_MT);
        same = lua_rawequal(L, -1, -2);
        lua_pop(L, 2);
        if (!same)
            return NULL;
        lua_pushvalue(L, -1);
        lua_replace(L, UP(UV_CORE));
    }
    c = lua_touserdata(L, -1);
    return c->closed ? NULL : c;
}

/* Gives the reusable wire table (at w) back empty: the wire names it was
 * filled with are the n values above it on the stack (no lua_next, which
 * looks every key up again). */
static void release_wire(lua_State *L, int w, int n)
{
    int i;
    for (i = 1; i <= n; i++) {
        lua_pushvalue(L, w + i);
        lua_pushnil(L);
        lua_rawset(L, w);
    }
    lua_pushvalue(L, w);
    lua_replace(L, UP(UV_WIRE));
}

/* Parameters at p (nil: none) into the wire table at w, renamed and
 * checked, each wire name also pushed above w; returns how many, or -1
 * (after *n of them) when one needs the Lua path (unknown, not plain, a
 * required one missing: the Lua path raises). */
static int collect(lua_State *L, int p, int w, int *n)
{
    int i, nreq;
    *n = 0;
    if (!lua_isnil(L, p)) {
        lua_pushnil(L);
        while (lua_next(L, p)) { /* ..., names, key, value */
            int want;
            if (lua_type(L, -2) != LUA_TSTRING || !lua_checkstack(L, 4)) {
                lua_pop(L, 2);
                return -1;
            }
            lua_pushvalue(L, -2);
            lua_rawget(L, UP(UV_TYPES));
            want = lua_isnumber(L, -1) ? (int)lua_tointeger(L, -1) : LUA_TNONE;
            lua_pop(L, 1);
            if (lua_type(L, -1) != want) {
                lua_pop(L, 2);
                return -1;
            }
            lua_pushvalue(L, -2);
            lua_rawget(L, UP(UV_PLAIN)); /* key, value, wire */
            lua_pushvalue(L, -1);
            lua_insert(L, -4); /* wire, key, value, wire */
            lua_insert(L, -2); /* wire, key, wire, value */
            lua_rawset(L, w);  /* wire, key */
            (*n)++;
        }
    }
    nreq = (int)lua_rawlen(L, UP(UV_REQUIRED));
    for (i = 1; i <= nreq; i++) {
        int missing;
        lua_rawgeti(L, UP(UV_REQUIRED), i);
        lua_rawget(L, w);
        missing = lua_isnil(L, -1);
        lua_pop(L, 1);
        if (missing)
            return -1;
    }
    return *n;
}

/* Whether the safe_with parameter (which makes a send safe to repeat) is in
 * the wire table at w. */
static int has_safe_with(lua_State *L, int w)
{
    int has;
    if (lua_isnil(L, UP(UV_SAFE_WITH)))
        return 0;
    lua_pushvalue(L, UP(UV_SAFE_WITH));
    lua_rawget(L, w);
    has = !lua_isnil(L, -1);
    lua_pop(L, 1);
    return has;
}

static int fast_call(lua_State *L)
{
    int n = lua_gettop(L), i, nheaders, lines_at, body_at = 0, fresh, top;
    int nids = (int)lua_tointeger(L, UP(UV_NIDS));
    int flags = (int)lua_tointeger(L, UP(UV_FLAGS));
    int expected = nids + ((flags & F_NAMES) ? 1 : 0);
    const char *lines[MAX_HEADERS], *base;
    size_t base_len;
    lua_Number timeout, connect;
    url_buf url;
    bp_spec spec;
    bp_client *c;
    long id;

    while (n > expected && lua_isnil(L, n))
        n--; /* f(id, nil, nil): as f(id) */
    if (n < nids || n > expected) /* a missing id, options, a callback */
        return skip(L);
    lua_settop(L, expected);
    if (expected > 0 && lua_istable(L, 1)) { /* client.chats:list(): a colon */
        lua_pushvalue(L, 1);
        lua_rawget(L, UP(UV_NODES));
        if (!lua_isnil(L, -1))
            return skip(L);
        lua_pop(L, 1);
    }
    /* What makes beeper.client's send and run more than a request. */
    if (client_field(L, "_pump") != LUA_TNIL || client_field(L, "log_level") != LUA_TNUMBER ||
        lua_tonumber(L, -1) >= lua_tonumber(L, UP(UV_INFO)) || !lua_pushthread(L))
        return skip(L);
    lua_settop(L, expected);

    if (client_field(L, "base_url") != LUA_TSTRING) /* stays on the stack */
        return skip(L);
    url.len = 0;
    base = lua_tolstring(L, -1, &base_len);
    if (!append(&url, base, base_len) || !append_upvalue(&url, L, UV_PIECE1))
        return skip(L);
    for (i = 1; i <= nids; i++) {
        size_t len = 0;
        const char *done;
        if (lua_type(L, i) != LUA_TSTRING)
            return skip(L);
        lua_pushvalue(L, i);
        lua_rawget(L, UP(UV_ENCODED)); /* an id checked and encoded before */
        done = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
        if (done == NULL || !append(&url, done, len) || !append_upvalue(&url, L, UV_PIECE1 + i))
            return skip(L);
        lua_pop(L, 1);
    }

    fresh = (flags & F_ONCE) != 0;
    if (flags & F_NAMES) {
        int p = nids + 1;
        if (!lua_isnil(L, p) && (!lua_istable(L, p) || lua_getmetatable(L, p)))
            return skip(L); /* not a plain table: maybe a callable */
        if (!(flags & F_BODY)) { /* a query: only without parameters here */
            lua_pushnil(L);
            if ((!lua_isnil(L, p) && lua_next(L, p)) || lua_rawlen(L, UP(UV_REQUIRED)) > 0)
                return skip(L);
        } else {
            int w, nwire;
            lua_pushvalue(L, UP(UV_WIRE)); /* taken: a call made meanwhile makes its own */
            if (lua_isnil(L, -1)) {
                lua_pop(L, 1);
                lua_newtable(L);
            } else {
                lua_pushnil(L);
                lua_replace(L, UP(UV_WIRE));
            }
            w = lua_gettop(L);
            if (collect(L, p, w, &nwire) < 0) {
                release_wire(L, w, nwire);
                return skip(L);
            }
            if (fresh && has_safe_with(L, w))
                fresh = 0;
            lua_pushvalue(L, UP(UV_ENCODE));
            lua_pushvalue(L, w);
            lua_call(L, 1, 1);
            if (lua_type(L, -1) != LUA_TSTRING)
                return luaL_error(L, "beeper: the JSON encoder returned no string");
            lua_insert(L, w);
            body_at = w;
            release_wire(L, w + 1, nwire);
            lua_settop(L, w);
        }
    }

    /* After the encoder: its allocations may have run a finalizer that
     * closed the client, so the core is looked at only now. */
    if (client_field(L, "_core") != LUA_TUSERDATA || (c = open_core(L)) == NULL)
        return skip(L);
    lua_pushinteger(L, lua_tointeger(L, UP(UV_HEADER_KEY)));
    lua_rawget(L, UP(UV_HEADERS)); /* built by the Lua path's first call */
    if (!lua_istable(L, -1))
        return skip(L);
    lines_at = lua_gettop(L);
    nheaders = (int)lua_rawlen(L, lines_at);
    if (nheaders > MAX_HEADERS)
        return skip(L);
    luaL_checkstack(L, nheaders + 8, "too many headers");
    /* Lines the client built from values beeper.transport.headers checked
     * (no CR, LF or NUL) and keeps where no caller can reach them. */
    for (i = 0; i < nheaders; i++) {
        lua_rawgeti(L, lines_at, i + 1); /* stays on the stack until started */
        lines[i] = lua_tostring(L, -1);
        if (lines[i] == NULL)
            return skip(L);
    }
    if (client_field(L, "timeout") != LUA_TNUMBER || !((timeout = lua_tonumber(L, -1)) > 0) ||
        client_field(L, "connect_timeout") != LUA_TNUMBER || !((connect = lua_tonumber(L, -1)) >= 0))
        return skip(L);
    if (connect > timeout)
        connect = timeout;

    memset(&spec, 0, sizeof spec);
    if (client_field(L, "proxy") != LUA_TNIL) {
        size_t len;
        if (lua_type(L, -1) != LUA_TSTRING)
            return skip(L);
        spec.proxy = lua_tolstring(L, -1, &len);
        if (!bp_single_line(spec.proxy, len))
            return skip(L);
    }
    if (!bp_single_line(url.text, url.len))
        return skip(L);
    spec.method = lua_tostring(L, UP(UV_METHOD));
    spec.url = url.text;
    spec.headers = lines;
    spec.nheaders = nheaders;
    if (body_at)
        spec.body = lua_tolstring(L, body_at, &spec.body_len);
    spec.timeout_ms = timeout < MAX_SECONDS ? bp_ms(timeout * 1000) : 0;
    spec.connect_timeout_ms = connect < MAX_SECONDS ? bp_ms(connect * 1000) : 0;
    if (spec.connect_timeout_ms == 0)
        spec.connect_timeout_ms = INT_MAX; /* curl's 0 here means its 300 s default */
    spec.max_body = c->max_body;
    spec.fresh = fresh;
    {
        char err[256];
        int io;
        id = bp_engine_start(&c->engine, &spec, err, sizeof err, &io);
    }
    if (id < 0) /* nothing was sent: the Lua path starts it again and reports why */
        return skip(L);

    top = lua_gettop(L);
    if (bp_client_finish(L, c, id) == 4 && lua_type(L, top + 1) == LUA_TNUMBER) {
        lua_Number status = lua_tonumber(L, top + 1);
        if (status >= 200 && status < 300 && lua_isnil(L, top + 3)) {
            if (!lua_isnil(L, top + 2)) {
                lua_settop(L, top + 2);
                return 1;
            }
            if (status == 204 || (flags & F_EMPTY_OK)) { /* no body, and none expected */
                lua_pushboolean(L, 1);
                return 1;
            }
        }
    }
    lua_settop(L, top + 4); /* status, value, decode_error, meta */
    lua_pushvalue(L, UP(UV_RESUME));
    lua_pushlstring(L, url.text + base_len, url.len - base_len);
    if (body_at)
        lua_pushvalue(L, body_at);
    else
        lua_pushnil(L);
    lua_pushboolean(L, fresh);
    for (i = 1; i <= 4; i++)
        lua_pushvalue(L, top + i);
    lua_call(L, 7, 2);
    return 2;
}

static int type_code(const char *name)
{
    if (strcmp(name, "string") == 0)
        return LUA_TSTRING;
    if (strcmp(name, "boolean") == 0)
        return LUA_TBOOLEAN;
    if (strcmp(name, "table") == 0)
        return LUA_TTABLE;
    return LUA_TNONE;
}

static void push_field(lua_State *L, const char *k, int type)
{
    lua_getfield(L, 1, k);
    if (type != LUA_TNONE && lua_type(L, -1) != type)
        luaL_error(L, "beeper: fast_call: spec.%s must be a %s", k, lua_typename(L, type));
}

static int flag(lua_State *L, const char *k, int bit)
{
    int on;
    lua_getfield(L, 1, k);
    on = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return on ? bit : 0;
}

/* core.fast_call(spec) --> the closure above, its upvalues read from spec. */
int bp_fast_call_new(lua_State *L)
{
    int i, nids;
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    luaL_checkstack(L, UV_COUNT + 4, "fast_call");
    push_field(L, "nids", LUA_TNUMBER);
    nids = (int)lua_tointeger(L, -1);
    luaL_argcheck(L, nids >= 0 && nids <= 2, 1, "spec.nids must be 0, 1 or 2");
    lua_pushinteger(L, flag(L, "names", F_NAMES) | flag(L, "body", F_BODY) | flag(L, "once", F_ONCE) |
                       flag(L, "empty_ok", F_EMPTY_OK));
    push_field(L, "method", LUA_TSTRING);
    push_field(L, "pieces", LUA_TTABLE);
    for (i = 1; i <= 3; i++)
        lua_rawgeti(L, -i, i); /* the pieces table moves down as they are pushed */
    lua_remove(L, -4);
    push_field(L, "plain", LUA_TTABLE);
    lua_newtable(L); /* types: name -> LUA_T* */
    push_field(L, "types", LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        const char *name = lua_tostring(L, -1);
        lua_pushvalue(L, -2);
        lua_pushinteger(L, name ? type_code(name) : LUA_TNONE);
        lua_rawset(L, -6);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    push_field(L, "required", LUA_TTABLE);
    push_field(L, "safe_with", LUA_TNONE);
    push_field(L, "header_key", LUA_TNUMBER);
    push_field(L, "client", LUA_TTABLE);
    push_field(L, "headers", LUA_TTABLE);
    push_field(L, "resume", LUA_TFUNCTION);
    push_field(L, "encode", LUA_TFUNCTION);
    push_field(L, "nodes", LUA_TTABLE);
    push_field(L, "encoded", LUA_TTABLE);
    push_field(L, "skip", LUA_TNONE);
    push_field(L, "info", LUA_TNUMBER);
    lua_newtable(L); /* the reusable wire table */
    lua_pushnil(L);  /* the last core checked */
    lua_pushcclosure(L, fast_call, UV_COUNT);
    return 1;
}
