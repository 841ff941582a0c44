/* beeper.core: the Lua face of the transfer engine.
 *
 *   local c = core.client{ max_body = bytes, max_depth = n }    -- nil: the defaults
 *   local id = c:start(method, url, headers, body, timeout_ms, connect_timeout_ms, proxy, opts, path)
 *       --> id  |  nil, message  |  nil, message, "io" (a multipart file cannot be read)
 *   c:perform() --> running;  c:timeout() --> ms;  c:wait(ms);  c:next_done() --> id | nil
 *   c:take(id)  --> status, value, decode_error, meta   (an HTTP answer)
 *               --> nil, kind, message, curl_code      (no answer, or an "io" error)
 *               --> false                               (still running)
 *   c:run(id)   --> as take, after driving the transfers until id is done
 *   c:cancel(id), c:close(), c:count()
 *   c:server_version() --> the last X-Beeper-Desktop-Version any answer carried, or nil
 *   core.sleep(seconds), core.now()
 *   core.fast_call(spec) --> a blocking JSON call made wholly in C (fastcall.c)
 *
 * path: when given, the URL is url .. path (joined in C: one Lua string less
 * per request on the hot path).
 * headers: "Name: value" lines (strings or numbers). A request without a
 * Content-Type line is sent without one (curl would say form-urlencoded).
 * timeout_ms, connect_timeout_ms: any number >= 0 (default 30000, 10000);
 * 0 means no limit, fractions round up, huge values clamp to INT_MAX.
 * proxy: nil uses no proxy at all, not even http_proxy / ALL_PROXY from the
 * environment (they would get the token); a string is the proxy URL.
 * c:wait(ms) clamps ms to 0..INT_MAX. c:run(id) waits on the sockets until
 * that request is done, however many others sit finished and untaken.
 * A body that fails to decode, nesting too deep for the Lua stack included,
 * is a decode error value; a taken request is released even if pushing its
 * result raises. Every socket is close-on-exec. core.sleep raises for a
 * non-finite value, returns at once for <= 0 and clamps at 2^31-1 s.
 * PUT, PATCH and DELETE send body (if any) with that method; a query is
 * part of url. meta is nil for a JSON answer unless it has retry headers
 * (retry_after, retry_after_ms, should_retry) or failed to decode (raw:
 * the first 512 bytes).
 *
 * opts (nil: all off, and the JSON path pays nothing for them):
 *   raw = true      a 2xx body comes back as a string, any bytes, no UTF-8
 *                   or JSON check: status, bytes, nil, meta. max_body applies.
 *   output = path   a 2xx body is streamed to path (created "wb", close-on-
 *                   exec, at its first byte; empty for an empty body), never
 *                   held in memory, max_body not applied: status, nil, nil,
 *                   meta. Cannot be combined with raw. A failed transfer
 *                   removes the partial file (only ever a regular file).
 *     Both: a non-2xx answer is the API's JSON error, decoded as without
 *     opts (output: no file is created). meta of a 2xx answer: size (bytes
 *     returned or written), path (output), content_type, content_range,
 *     version (X-Beeper-Desktop-Version), each when known. A file that
 *     cannot be opened or written (bad path, disk full) is an error value:
 *     nil, "io", "cannot open|write <path>: <reason>", curl_code.
 *   mime = { {name=, file=path | data=bytes, filename=, type=}, ... }
 *                   a multipart/form-data body (1..32 parts) through curl's
 *                   MIME API; file parts are streamed from disk, with the
 *                   path's basename as filename unless given. body must be
 *                   nil; a Content-Type header line is dropped (curl sets it
 *                   with the boundary); method POST, or PUT/PATCH as given.
 *                   A file that cannot be read is refused by start
 *                   (nil, message, "io"); one that goes away later gives
 *                   nil, "io", message from take(). The form is freed with
 *                   the request: taken, cancelled, closed or failed to start.
 *   fresh = true    a new connection for this transfer, never a pooled one:
 *                   curl re-sends a request when a reused connection closes
 *                   without an answer, so a non-idempotent send could be
 *                   stored twice.

 * Event-driven use (the host loop watches the sockets; no perform/wait):
 *   local n, timer = c:changes(buf)
 *       fills the reusable table buf with n pairs buf[2i-1] = fd, buf[2i] =
 *       what (1 read, 2 write, 3 both, 0 stop watching) for each socket whose
 *       watch must change since the last call, in the order they changed
 *       (entries past 2n are left alone). A (fd, 0) always comes before a new
 *       socket on a reused fd number: drop the old watcher, then make a new
 *       one. timer is false when curl's deadline did not change, else -1 (no
 *       deadline) or ms (call c:socket_action() in ms; 0: as soon as possible).
 *       Call it after start, cancel, socket_action, perform and run.
 *   local running = c:socket_action(fd, events)
 *       fd became ready; events: 1 readable, 2 writable, 4 error (bitmask)
 *       as the host's poller says. c:socket_action() (or fd -1): curl's
 *       deadline passed. Finished transfers then wait in next_done()/take().
 *   A closed client: changes() gives 0, false; socket_action() gives 0.
 *   perform()/run() keep the reported sockets right, so callback requests on
 *   the host loop and a blocking c:run() can share one client.
 */
#define _GNU_SOURCE /* dladdr; also clock_gettime, nanosleep */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "decode.h"
#include "result.h"

#define MAX_PARTS 32

#ifndef BEEPER_VERSION
#define BEEPER_VERSION "0.1.0"
#endif

static bp_client *check_client(lua_State *L)
{
    return luaL_checkudata(L, 1, CLIENT_MT);
}

static bp_client *check_open(lua_State *L)
{
    bp_client *c = check_client(L);
    if (c->closed)
        luaL_error(L, "beeper: client is closed");
    return c;
}

/* Read as numbers: 1e300 must meet the range check, not a failed or
 * undefined conversion to an integer. */
static lua_Number opt_number_field(lua_State *L, int t, const char *k, lua_Number dflt)
{
    lua_Number v;
    lua_getfield(L, t, k);
    v = luaL_optnumber(L, -1, dflt);
    lua_pop(L, 1);
    return v;
}

#define MAX_BODY_CAP 9007199254740992.0 /* 2^53: exact in a double, fits size_t */

static int client_new(lua_State *L)
{
    bp_client *c;
    lua_Number max_body, max_depth;
    lua_settop(L, 1);
    if (lua_isnil(L, 1)) { /* core.client() and core.client(nil): the defaults */
        lua_newtable(L);
        lua_replace(L, 1);
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    max_body = opt_number_field(L, 1, "max_body", 8 * 1024 * 1024);
    max_depth = opt_number_field(L, 1, "max_depth", 128);
    luaL_argcheck(L, max_body >= 1, 1, "max_body must be positive");
    luaL_argcheck(L, max_depth >= 1 && max_depth <= 10000, 1, "max_depth must be 1..10000");
    if (max_body > MAX_BODY_CAP)
        max_body = MAX_BODY_CAP;

    c = lua_newuserdata(L, sizeof *c);
    memset(c, 0, sizeof *c);
    c->closed = 1; /* until fully made, so __gc has nothing to undo */
    c->decoder_ref = LUA_NOREF;
    luaL_getmetatable(L, CLIENT_MT);
    lua_setmetatable(L, -2);
    c->decoder_ref = bp_decoder_new(L, (int)max_depth);
    if (!bp_engine_init(&c->engine)) {
        bp_engine_close(&c->engine);
        return luaL_error(L, "beeper: curl_multi_init failed");
    }
    c->max_body = (size_t)max_body;
    c->closed = 0;
    return 1;
}

/* Shared by close() and __gc: safe to call any number of times. */
static int client_close(lua_State *L)
{
    bp_client *c = check_client(L);
    if (!c->closed) {
        c->closed = 1;
        bp_engine_close(&c->engine);
    }
    if (c->decoder_ref != LUA_NOREF) {
        luaL_unref(L, LUA_REGISTRYINDEX, c->decoder_ref);
        c->decoder_ref = LUA_NOREF;
    }
    return 0;
}

static int client_tostring(lua_State *L)
{
    bp_client *c = check_client(L);
    if (c->closed)
        lua_pushfstring(L, "beeper.core.client (closed)");
    else
        lua_pushfstring(L, "beeper.core.client (%d requests)", bp_engine_count(&c->engine));
    return 1;
}

/* A header line must not smuggle a second header or end the header block. */
/* One line of text: no NUL, CR or LF in its len bytes. memchr, not
 * strpbrk: glibc's strpbrk builds a table per call, and this runs for each
 * header of each request. */
int bp_single_line(const char *s, size_t len)
{
    return memchr(s, '\0', len) == NULL && memchr(s, '\r', len) == NULL && memchr(s, '\n', len) == NULL;
}

/* See client.h: 0 stays 0, fractions round up (0.5 ms must not become 0). */
long bp_ms(double v)
{
    long ms;
    if (!(v >= 0))
        return -1;
    if (v >= (double)INT_MAX)
        return INT_MAX; /* 24 days: no limit in practice, and fits curl's fields */
    ms = (long)v;
    return (double)ms < v ? ms + 1 : ms;
}

/* Argument i as a curl millisecond count: NaN and negatives raise. */
static long ms_arg(lua_State *L, int i, lua_Number dflt, const char *name)
{
    long ms = bp_ms((double)luaL_optnumber(L, i, dflt));
    if (ms < 0)
        luaL_error(L, "beeper: start: %s must be a number >= 0", name);
    return ms;
}

/* t[k] (raw: no metamethod can hand back a string nothing else holds) as a
 * string or NULL. The table at t anchors the string while start runs. */
static const char *string_field(lua_State *L, int t, const char *k, size_t *len, const char *what)
{
    const char *v = NULL;
    lua_pushstring(L, k);
    lua_rawget(L, t);
    if (!lua_isnil(L, -1)) {
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "beeper: start: %s.%s must be a string", what, k);
        v = lua_tolstring(L, -1, len);
    }
    lua_pop(L, 1);
    return v;
}

/* Text for C: no NUL; and no CR or LF either when it goes into a header line. */
static const char *text_field(lua_State *L, int t, const char *k, const char *what, int line)
{
    size_t len = 0;
    const char *v = string_field(L, t, k, &len, what);
    if (v && strlen(v) != len)
        luaL_error(L, "beeper: start: %s.%s contains NUL", what, k);
    if (v && line && strpbrk(v, "\r\n") != NULL)
        luaL_error(L, "beeper: start: %s.%s contains CR or LF", what, k);
    return v;
}

/* opts.mime (at t): an array of { name =, file = | data =, filename =, type = }. */
static int read_parts(lua_State *L, int t, bp_part *parts)
{
    int n = (int)lua_rawlen(L, t), i;
    luaL_argcheck(L, n >= 1 && n <= MAX_PARTS, 9, "opts.mime must hold 1 to 32 parts");
    for (i = 0; i < n; i++) {
        bp_part *p = &parts[i];
        int pt;
        lua_rawgeti(L, t, i + 1);
        pt = lua_gettop(L);
        if (!lua_istable(L, pt))
            luaL_error(L, "beeper: start: opts.mime[%d] must be a table", i + 1);
        memset(p, 0, sizeof *p);
        p->name = text_field(L, pt, "name", "opts.mime[i]", 1);
        p->file = text_field(L, pt, "file", "opts.mime[i]", 0);
        p->data = string_field(L, pt, "data", &p->data_len, "opts.mime[i]");
        p->filename = text_field(L, pt, "filename", "opts.mime[i]", 1);
        p->type = text_field(L, pt, "type", "opts.mime[i]", 1);
        if (p->name == NULL || (p->file == NULL) == (p->data == NULL))
            luaL_error(L, "beeper: start: opts.mime[%d] needs a name and one of file, data", i + 1);
        lua_pop(L, 1); /* opts.mime still holds the part, and the part its strings */
    }
    return n;
}

/* The 8th argument: nil (a JSON answer, as before) or
 * { raw = bool, output = path, mime = parts, fresh = bool }. */
static void read_opts(lua_State *L, int t, bp_spec *spec, bp_part *parts)
{
    luaL_checktype(L, t, LUA_TTABLE);
    lua_getfield(L, t, "raw");
    spec->raw = lua_toboolean(L, -1);
    lua_getfield(L, t, "fresh");
    spec->fresh = lua_toboolean(L, -1);
    lua_pop(L, 2);
    spec->output = text_field(L, t, "output", "opts", 0);
    luaL_argcheck(L, !(spec->raw && spec->output), 9, "raw and output exclude each other");
    lua_pushliteral(L, "mime");
    lua_rawget(L, t);
    if (!lua_isnil(L, -1)) {
        luaL_argcheck(L, lua_istable(L, -1), 9, "opts.mime must be a table of parts");
        luaL_argcheck(L, spec->body == NULL, 9, "a request with opts.mime takes no body");
        spec->nparts = read_parts(L, lua_gettop(L), parts);
        spec->parts = parts;
    }
    lua_pop(L, 1); /* opts still holds mime */
}

static int client_start(lua_State *L)
{
    bp_client *c = check_open(L);
    const char *lines[MAX_HEADERS];
    bp_part parts[MAX_PARTS];
    char err[256], joined[URL_JOIN];
    bp_spec spec;
    size_t url_len;
    long id;
    int i, io;

    lua_settop(L, 10);
    memset(&spec, 0, sizeof spec);
    spec.method = luaL_checkstring(L, 2);
    spec.url = luaL_checklstring(L, 3, &url_len);
    if (!lua_isnil(L, 10)) {
        size_t path_len;
        const char *path = luaL_checklstring(L, 10, &path_len);
        if (url_len + path_len < sizeof joined) {
            memcpy(joined, spec.url, url_len);
            memcpy(joined + url_len, path, path_len + 1);
            spec.url = joined;
        } else { /* a long query string: Lua joins it */
            lua_pushvalue(L, 3);
            lua_pushvalue(L, 10);
            lua_concat(L, 2);
            lua_replace(L, 3);
            spec.url = lua_tostring(L, 3);
        }
        url_len += path_len;
    }
    if (!lua_isnil(L, 4)) {
        luaL_checktype(L, 4, LUA_TTABLE);
        spec.nheaders = (int)lua_rawlen(L, 4);
        luaL_argcheck(L, spec.nheaders <= MAX_HEADERS, 4, "too many headers");
        luaL_checkstack(L, spec.nheaders, "too many headers");
        for (i = 0; i < spec.nheaders; i++) {
            size_t len;
            lua_rawgeti(L, 4, i + 1);
            /* Stays on the stack until started: a number's text lives only there. */
            lines[i] = lua_tolstring(L, -1, &len);
            /* Never echo the line: it may be the Authorization header. */
            if (lines[i] == NULL || !bp_single_line(lines[i], len))
                return luaL_error(L, "beeper: header %d is not a single line of text", i + 1);
        }
        spec.headers = lines;
    }
    if (!lua_isnil(L, 5))
        spec.body = luaL_checklstring(L, 5, &spec.body_len);
    spec.timeout_ms = ms_arg(L, 6, 30000, "timeout_ms"); /* curl: 0 is no limit */
    spec.connect_timeout_ms = ms_arg(L, 7, 10000, "connect_timeout_ms");
    if (spec.connect_timeout_ms == 0)
        spec.connect_timeout_ms = INT_MAX; /* curl's 0 here means its 300 s default */
    if (!lua_isnil(L, 8)) {
        size_t len;
        spec.proxy = luaL_checklstring(L, 8, &len);
        if (!bp_single_line(spec.proxy, len))
            return luaL_error(L, "beeper: proxy contains CR, LF or NUL");
    }
    spec.max_body = c->max_body;
    if (!bp_single_line(spec.url, url_len))
        return luaL_error(L, "beeper: URL contains CR, LF or NUL");
    if (!lua_isnil(L, 9))
        read_opts(L, 9, &spec, parts);

    id = bp_engine_start(&c->engine, &spec, err, sizeof err, &io);
    if (id < 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        if (!io)
            return 2;
        lua_pushliteral(L, "io");
        return 3;
    }
    lua_pushinteger(L, (lua_Integer)id);
    return 1;
}

static int client_perform(lua_State *L)
{
    bp_client *c = check_client(L);
    lua_pushinteger(L, c->closed ? 0 : bp_engine_perform(&c->engine));
    return 1;
}

static int client_socket_action(lua_State *L)
{
    bp_client *c = check_client(L);
    lua_Integer fd = luaL_optinteger(L, 2, -1);
    lua_Integer ev = luaL_optinteger(L, 3, 0);
    int mask = 0;
    luaL_argcheck(L, fd >= -1 && fd <= 0x7fffffff, 2, "not a socket");
    if (c->closed) {
        lua_pushinteger(L, 0);
        return 1;
    }
    bp_engine_evented(&c->engine);
    /* Spelled out rather than passed through: the Lua values are ours. */
    if (ev & 1)
        mask |= CURL_CSELECT_IN;
    if (ev & 2)
        mask |= CURL_CSELECT_OUT;
    if (ev & 4)
        mask |= CURL_CSELECT_ERR;
    lua_pushinteger(L, bp_engine_socket_action(&c->engine,
                                               fd < 0 ? CURL_SOCKET_TIMEOUT : (curl_socket_t)fd, mask));
    return 1;
}

typedef struct changes_out {
    lua_State *L;
    int n; /* slots filled in the table at stack index 2 */
} changes_out;

static void push_change(void *ud, int fd, int what)
{
    changes_out *o = ud;
    lua_pushinteger(o->L, fd);
    lua_rawseti(o->L, 2, ++o->n);
    lua_pushinteger(o->L, what);
    lua_rawseti(o->L, 2, ++o->n);
}

static int client_changes(lua_State *L)
{
    bp_client *c = check_client(L);
    changes_out o;
    int timer_changed = 0;
    long timer_ms = -1;
    luaL_checktype(L, 2, LUA_TTABLE);
    o.L = L;
    o.n = 0;
    if (!c->closed) {
        bp_engine_evented(&c->engine);
        bp_watch_drain(&c->engine.watch, push_change, &o, &timer_changed, &timer_ms);
    }
    lua_pushinteger(L, o.n / 2);
    if (timer_changed)
        lua_pushinteger(L, (lua_Integer)timer_ms);
    else
        lua_pushboolean(L, 0);
    return 2;
}

static int client_timeout(lua_State *L)
{
    bp_client *c = check_client(L);
    lua_pushinteger(L, c->closed ? -1 : bp_engine_timeout(&c->engine));
    return 1;
}

static int client_wait(lua_State *L)
{
    bp_client *c = check_client(L);
    lua_Number ms = luaL_checknumber(L, 2);
    if (ms != ms)
        return luaL_error(L, "beeper: wait: ms must be a number, not NaN");
    if (!c->closed)
        bp_engine_wait(&c->engine, ms <= 0 ? 0 : ms >= (lua_Number)INT_MAX ? INT_MAX : (int)ms);
    return 0;
}

static int client_next_done(lua_State *L)
{
    bp_client *c = check_client(L);
    long id = c->closed ? 0 : bp_engine_next_done(&c->engine);
    if (id == 0)
        return 0;
    lua_pushinteger(L, (lua_Integer)id);
    return 1;
}

static int client_server_version(lua_State *L)
{
    bp_client *c = check_client(L);
    if (c->engine.server_version[0] == '\0')
        return 0;
    lua_pushstring(L, c->engine.server_version);
    return 1;
}

static int client_count(lua_State *L)
{
    bp_client *c = check_client(L);
    lua_pushinteger(L, c->closed ? 0 : bp_engine_count(&c->engine));
    return 1;
}

static int client_cancel(lua_State *L)
{
    bp_client *c = check_client(L);
    lua_Integer id = luaL_checkinteger(L, 2);
    lua_pushboolean(L, !c->closed && bp_engine_cancel(&c->engine, (long)id));
    return 1;
}

/* Under lua_pcall: (request, decoder_ref) --> the results of take(). */
static int push_result(lua_State *L)
{
    const bp_request *r = lua_touserdata(L, 1);
    return bp_push_result(L, (int)lua_tointeger(L, 2), r);
}

static int take(lua_State *L, bp_client *c, long id)
{
    bp_request *r = bp_engine_find(&c->engine, id);
    int top, status;
    if (r == NULL) {
        lua_pushnil(L);
        lua_pushliteral(L, "cancelled");
        lua_pushliteral(L, "request was cancelled");
        return 3;
    }
    if (r->state == BP_RUNNING) {
        lua_pushboolean(L, 0);
        return 1;
    }
    /* Protected, so the request goes back to the pool even if a push
     * raises (out of memory): it must never stay in the engine for ever.
     * Detached first: decoding allocates, and a __gc it triggers may close
     * this client, which must not free the request being read. */
    bp_engine_detach(&c->engine, r);
    top = lua_gettop(L);
    lua_pushcfunction(L, push_result);
    lua_pushlightuserdata(L, r);
    lua_pushinteger(L, (lua_Integer)c->decoder_ref);
    status = lua_pcall(L, 2, LUA_MULTRET, 0);
    bp_engine_recycle(&c->engine, r);
    if (status != 0)
        return lua_error(L);
    return lua_gettop(L) - top;
}

static int client_take(lua_State *L)
{
    bp_client *c = check_open(L);
    return take(L, c, (long)luaL_checkinteger(L, 2));
}

int bp_client_finish(lua_State *L, bp_client *c, long id)
{
    bp_request *r = bp_engine_find(&c->engine, id);
    while (r && r->state == BP_RUNNING) {
        long ms;
        bp_engine_perform(&c->engine);
        if (r->state != BP_RUNNING)
            break;
        ms = bp_engine_timeout(&c->engine);
        /* poll, not wait: a callback request finished and left in the done
         * queue must not turn this loop into a busy one. */
        bp_engine_poll(&c->engine, (ms < 0 || ms > 1000) ? 1000 : (int)ms);
    }
    return take(L, c, id);
}

static int client_run(lua_State *L)
{
    bp_client *c = check_open(L);
    return bp_client_finish(L, c, (long)luaL_checkinteger(L, 2));
}

#define MAX_SLEEP 2147483647.0 /* seconds; fits any time_t */

static int core_sleep(lua_State *L)
{
    lua_Number s = luaL_checknumber(L, 1);
    struct timespec ts;
    /* Casting inf or NaN to time_t is undefined: nanosleep then fails with
     * EINVAL, and retrying it for ever would spin. */
    if (!isfinite(s))
        return luaL_error(L, "beeper: sleep: seconds must be a finite number");
    if (s <= 0)
        return 0;
    if (s > MAX_SLEEP)
        s = MAX_SLEEP;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (lua_Number)ts.tv_sec) * 1e9);
    if (ts.tv_nsec > 999999999L)
        ts.tv_nsec = 999999999L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ; /* interrupted by a signal: sleep the rest */
    return 0;
}

static int core_now(lua_State *L)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
    return 1;
}

static const luaL_Reg client_methods[] = {
    {"start", client_start},
    {"perform", client_perform},
    {"socket_action", client_socket_action},
    {"changes", client_changes},
    {"timeout", client_timeout},
    {"wait", client_wait},
    {"next_done", client_next_done},
    {"take", client_take},
    {"run", client_run},
    {"cancel", client_cancel},
    {"count", client_count},
    {"server_version", client_server_version},
    {"close", client_close},
    {NULL, NULL},
};

int bp_fast_call_new(lua_State *L); /* fastcall.c */

static const luaL_Reg core_functions[] = {
    {"client", client_new},
    {"sleep", core_sleep},
    {"now", core_now},
    {"fast_call", bp_fast_call_new},
    {NULL, NULL},
};

void bp_ws_register(lua_State *L); /* ws_lua.c */

int luaopen_beeper_core(lua_State *L)
{
    static int curl_ready = 0; /* the one-time process-wide init */
    if (!curl_ready) {
        Dl_info self;
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return luaL_error(L, "beeper: curl_global_init failed");
        curl_ready = 1;
        /* Stay loaded until the process ends: lua_close would otherwise
         * unload this module and libcurl with it (curl_global_init is never
         * undone, and libcurl's TLS library keeps thread-local state), which
         * crashes tools that inspect the process at exit (LeakSanitizer). */
        if (dladdr(&curl_ready, &self) && self.dli_fname) /* an object of this module */
            (void)dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
    }
    if (luaL_newmetatable(L, CLIENT_MT)) {
        lua_newtable(L);
        luaL_setfuncs(L, client_methods, 0);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, client_close);
        lua_setfield(L, -2, "__gc");
#if LUA_VERSION_NUM >= 504
        lua_pushcfunction(L, client_close);
        lua_setfield(L, -2, "__close"); /* local c <close> = ... */
#endif
        lua_pushcfunction(L, client_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);

    luaL_newlib(L, core_functions);
    bp_ws_register(L);
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "null"); /* same value as cjson.null */
    lua_pushliteral(L, BEEPER_VERSION);
    lua_setfield(L, -2, "version");
    lua_pushstring(L, curl_version_info(CURLVERSION_NOW)->version);
    lua_setfield(L, -2, "curl_version");
    return 1;
}
