/* The Lua face of csrc/ws.c (no Lua is ever called from C callbacks):
 *
 *   local ws = core.ws_connect(host, port, path, token, max_message)
 *       --> ws | nil, message [, "setup" when retrying cannot help]
 *       (the connect is started, non-blocking)
 *   ws:fd()  ws:want() --> "r" | "w" | "rw" | nil (nothing more to do)
 *   ws:io(readable, writable) --> messages (a list of strings) or nil,
 *                                 then nil | kind, message, code
 *   ws:send_text(s), ws:ping(), ws:shutdown(code, reason) --> true | nil
 *   ws:frames() --> messages received so far, control frames included
 *   ws:wait(ms) --> readable, writable (poll on the socket, for scripts)
 *   ws:close()  idempotent, also __gc: frees the socket at once
 * kind: "connection", "handshake", "unauthorized", "protocol",
 * "too_large", "closed" (the server's close frame, code its status).
 * The token only ever goes into the upgrade request, wiped once sent. */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "compat.h"
#include "ws.h"

#define WS_MT "beeper.ws"

typedef struct {
    bp_ws w;
    int live;
} ws_ud;

static ws_ud *check(lua_State *L)
{
    ws_ud *u = luaL_checkudata(L, 1, WS_MT);
    return u;
}

static int open_socket(const char *host, int port, char *msg, size_t msglen)
{
    struct addrinfo hints, *res = NULL, *ai;
    char service[16];
    int fd = -1, rc;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    snprintf(service, sizeof service, "%d", port);
    rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0) {
        snprintf(msg, msglen, "cannot resolve %s: %s", host, gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS)
            break;
        close(fd);
        fd = -1;
    }
    if (fd < 0)
        snprintf(msg, msglen, "cannot connect to %s:%d: %s", host, port, strerror(errno));
    freeaddrinfo(res);
    return fd;
}

static int ws_connect(lua_State *L)
{
    const char *host = luaL_checkstring(L, 1);
    int port = (int)luaL_checkinteger(L, 2);
    const char *path = luaL_checkstring(L, 3);
    const char *token = luaL_optstring(L, 4, NULL);
    lua_Number max = luaL_optnumber(L, 5, 1048576);
    char msg[200], hosthdr[300];
    ws_ud *u;
    int fd;
    if (max < 1 || max > 1e12)
        return luaL_argerror(L, 5, "max_message out of range");
    if (strpbrk(path, "\r\n ") != NULL || strpbrk(host, "\r\n ") != NULL)
        return luaL_argerror(L, 3, "bad host or path");
    u = lua_newuserdata(L, sizeof *u);
    memset(u, 0, sizeof *u);
    u->w.fd = -1;
    luaL_getmetatable(L, WS_MT);
    lua_setmetatable(L, -2);
    fd = open_socket(host, port, msg, sizeof msg);
    if (fd < 0) {
        lua_pushnil(L);
        lua_pushstring(L, msg);
        return 2;
    }
    snprintf(hosthdr, sizeof hosthdr, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
    if (bp_ws_init(&u->w, fd, hosthdr, path, token, (uint64_t)max) != 0) {
        close(fd);
        lua_pushnil(L);
        lua_pushliteral(L, "cannot set up the WebSocket (control characters in the token?)");
        lua_pushliteral(L, "setup"); /* retrying cannot help */
        return 3;
    }
    u->live = 1;
    return 1;
}

static int ws_close(lua_State *L)
{
    ws_ud *u = check(L);
    if (u->live) {
        u->live = 0;
        if (u->w.fd >= 0)
            close(u->w.fd);
        u->w.fd = -1;
        bp_ws_free(&u->w);
    }
    return 0;
}

static int ws_fd(lua_State *L)
{
    ws_ud *u = check(L);
    if (!u->live)
        return 0;
    lua_pushinteger(L, u->w.fd);
    return 1;
}

static const char *const WANT[] = {NULL, "r", "w", "rw"};

static int ws_want(lua_State *L)
{
    ws_ud *u = check(L);
    int want = u->live ? bp_ws_want(&u->w) : 0;
    if (want == 0)
        return 0;
    lua_pushstring(L, WANT[want]);
    return 1;
}

static int ws_io(lua_State *L)
{
    ws_ud *u = check(L);
    size_t i;
    if (!u->live) {
        lua_pushnil(L);
        lua_pushliteral(L, "closed");
        lua_pushliteral(L, "the connection is closed");
        return 3;
    }
    bp_ws_io(&u->w, lua_toboolean(L, 2), lua_toboolean(L, 3));
    if (u->w.n_msgs > 0) {
        lua_createtable(L, (int)u->w.n_msgs, 0);
        for (i = 0; i < u->w.n_msgs; i++) {
            lua_pushlstring(L, u->w.msgs[i].data, u->w.msgs[i].len);
            lua_rawseti(L, -2, (int)i + 1);
        }
        /* Pushed before freed: a raise (memory) leaves them for __gc. */
        for (i = 0; i < u->w.n_msgs; i++)
            free(u->w.msgs[i].data);
        u->w.n_msgs = 0;
    } else {
        lua_pushnil(L);
    }
    if (u->w.err_kind == NULL)
        return 1;
    lua_pushstring(L, u->w.err_kind);
    lua_pushstring(L, u->w.err_msg);
    lua_pushinteger(L, u->w.err_code);
    return 4;
}

static int done(lua_State *L, int rc)
{
    if (rc != 0)
        return 0;
    lua_pushboolean(L, 1);
    return 1;
}

static int ws_send_text(lua_State *L)
{
    ws_ud *u = check(L);
    size_t len;
    const char *s = luaL_checklstring(L, 2, &len);
    return done(L, u->live ? bp_ws_send_text(&u->w, s, len) : -1);
}

static int ws_ping(lua_State *L)
{
    ws_ud *u = check(L);
    return done(L, u->live ? bp_ws_ping(&u->w) : -1);
}

static int ws_shutdown(lua_State *L)
{
    ws_ud *u = check(L);
    int code = (int)luaL_optinteger(L, 2, 1000);
    const char *reason = luaL_optstring(L, 3, NULL);
    if (code < 1000 || code > 4999)
        return luaL_argerror(L, 2, "close code out of range");
    if (reason && strlen(reason) > 123)
        return luaL_argerror(L, 3, "close reason over 123 bytes");
    return done(L, u->live ? bp_ws_shutdown(&u->w, (uint16_t)code, reason) : -1);
}

static int ws_frames(lua_State *L)
{
    ws_ud *u = check(L);
    lua_pushinteger(L, (lua_Integer)u->w.frames);
    return 1;
}

static int ws_wait(lua_State *L)
{
    ws_ud *u = check(L);
    lua_Number ms = luaL_optnumber(L, 2, 0);
    struct pollfd p;
    int want = u->live ? bp_ws_want(&u->w) : 0;
    if (want == 0 || u->w.fd < 0)
        return 0;
    p.fd = u->w.fd;
    p.events = (short)(((want & 1) ? POLLIN : 0) | ((want & 2) ? POLLOUT : 0));
    p.revents = 0;
    if (ms < 0)
        ms = 0;
    if (ms > 1000000)
        ms = 1000000;
    if (poll(&p, 1, (int)ms) <= 0)
        return 0;
    lua_pushboolean(L, (p.revents & (POLLIN | POLLERR | POLLHUP)) != 0);
    lua_pushboolean(L, (p.revents & (POLLOUT | POLLERR)) != 0);
    return 2;
}

static int ws_tostring(lua_State *L)
{
    ws_ud *u = check(L);
    lua_pushfstring(L, "beeper.ws (%s)", u->live ? "open" : "closed");
    return 1;
}

static const luaL_Reg methods[] = {
    {"fd", ws_fd},           {"want", ws_want},   {"io", ws_io},
    {"send_text", ws_send_text}, {"ping", ws_ping}, {"shutdown", ws_shutdown},
    {"frames", ws_frames},   {"wait", ws_wait},   {"close", ws_close},
    {NULL, NULL},
};

/* Adds ws_connect to the module table on the top of the stack. */
void bp_ws_register(lua_State *L)
{
    if (luaL_newmetatable(L, WS_MT)) {
        lua_newtable(L);
        luaL_setfuncs(L, methods, 0);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, ws_close);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, ws_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    lua_pushcfunction(L, ws_connect);
    lua_setfield(L, -2, "ws_connect");
}
