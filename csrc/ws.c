/* The WebSocket client connection: upgrade request and 101 check by hand
 * (a few header lines), frames by wslay, SHA-1/base64/random by libcrypto.
 * Bad input from the server becomes w->err_*, never a crash. */
#define _GNU_SOURCE
#include "ws.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

static const char GUID[] = "258EAFA5-E914-47DA-95CA-C5AB0DC11B5E";

static void fail(bp_ws *w, const char *kind, const char *msg, int code)
{
    if (w->err_kind != NULL)
        return; /* the first failure is the one to tell */
    w->err_kind = kind;
    snprintf(w->err_msg, sizeof w->err_msg, "%s", msg);
    w->err_code = code;
}

int bp_utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t n, k;
        unsigned cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1, cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2, cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3, cp = c & 0x07;
        } else {
            return 0;
        }
        if (len - i <= n)
            return 0;
        for (k = 1; k <= n; k++) {
            unsigned d = s[i + k];
            if ((d & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (d & 0x3F);
        }
        /* overlong forms, surrogates, beyond U+10FFFF */
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF
            || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n + 1;
    }
    return 1;
}

static int random_bytes(uint8_t *buf, size_t len)
{
    return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}

/* --- wslay callbacks: our socket, or the fed bytes of a test ------------ */

/* A failed recv or send (errno set): would block, or the connection's
 * error (none after the server's close frame: the socket may be gone). */
static ssize_t io_failed(wslay_event_context_ptr ctx, bp_ws *w)
{
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
    } else {
        if (!wslay_event_get_close_received(ctx))
            fail(w, "connection", strerror(errno), 0);
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
    }
    return -1;
}

static ssize_t recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
                       void *user)
{
    bp_ws *w = user;
    ssize_t r;
    (void)flags;
    if (w->in_pos < w->in_len) { /* bytes that came with the 101 answer */
        size_t n = w->in_len - w->in_pos;
        if (n > len)
            n = len;
        memcpy(buf, w->in + w->in_pos, n);
        w->in_pos += n;
        return (ssize_t)n;
    }
    if (w->fd < 0 || w->rx_budget == 0) { /* the rest on the next turn */
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    if (len > w->rx_budget)
        len = w->rx_budget;
    do
        r = recv(w->fd, buf, len, 0);
    while (r < 0 && errno == EINTR);
    if (r > 0) {
        w->rx_budget -= (size_t)r;
        return r;
    }
    if (r == 0) {
        w->eof = 1;
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    return io_failed(ctx, w);
}

static ssize_t send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
                       void *user)
{
    bp_ws *w = user;
    ssize_t r;
    (void)flags;
    if (w->fd < 0)
        return (ssize_t)len;
    do
        r = send(w->fd, data, len, MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    if (r >= 0)
        return r;
    return io_failed(ctx, w);
}

static int genmask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *user)
{
    (void)user;
    if (random_bytes(buf, len) != 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    return 0;
}

static void on_msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
                      void *user)
{
    bp_ws *w = user;
    w->frames++;
    if (arg->opcode != WSLAY_TEXT_FRAME)
        return; /* pings are answered by wslay; binary is not part of the API */
    if (!bp_utf8_valid(arg->msg, arg->msg_length)) {
        fail(w, "protocol", "the server sent a text message that is not UTF-8", 1007);
        wslay_event_queue_close(ctx, 1007, NULL, 0);
        wslay_event_shutdown_read(ctx);
        return;
    }
    if (w->n_msgs == w->cap_msgs) {
        size_t cap = w->cap_msgs ? 2 * w->cap_msgs : 8;
        bp_ws_msg *m = realloc(w->msgs, cap * sizeof *m);
        if (m == NULL)
            goto nomem;
        w->cap_msgs = cap;
        w->msgs = m;
    }
    w->msgs[w->n_msgs].data = malloc(arg->msg_length + 1);
    if (w->msgs[w->n_msgs].data == NULL)
        goto nomem;
    memcpy(w->msgs[w->n_msgs].data, arg->msg, arg->msg_length);
    w->msgs[w->n_msgs].len = arg->msg_length;
    w->n_msgs++;
    return;
nomem:
    fail(w, "internal", "out of memory", 0);
    wslay_event_shutdown_read(ctx);
}

/* --- set-up -------------------------------------------------------------- */

static int token_ok(const char *t)
{
    for (; *t; t++)
        if ((unsigned char)*t < 0x20 || *t == 0x7f)
            return 0;
    return 1;
}

int bp_ws_init(bp_ws *w, int fd, const char *host, const char *path, const char *token,
               uint64_t max_message)
{
    static const struct wslay_event_callbacks cbs = {recv_cb, send_cb, genmask_cb, NULL,
                                                     NULL, NULL, on_msg_cb};
    uint8_t raw[16], digest[EVP_MAX_MD_SIZE];
    char key[32], joined[96];
    unsigned dlen = 0;
    size_t n;
    memset(w, 0, sizeof *w);
    w->fd = fd;
    w->max_message = max_message;
    if (token != NULL && !token_ok(token))
        return -1;
    if (random_bytes(raw, sizeof raw) != 0)
        return -1;
    EVP_EncodeBlock((unsigned char *)key, raw, sizeof raw); /* 24 chars */
    snprintf(joined, sizeof joined, "%s%s", key, GUID);
    if (EVP_Digest(joined, strlen(joined), digest, &dlen, EVP_sha1(), NULL) != 1)
        return -1;
    EVP_EncodeBlock((unsigned char *)w->accept, digest, (int)dlen); /* 28 chars */
    n = strlen(host) + strlen(path) + (token ? strlen(token) : 0) + 256;
    w->out = malloc(n);
    if (w->out == NULL)
        return -1;
    snprintf(w->out, n,
             "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s%s%s\r\n",
             path, host, key, token ? "Authorization: Bearer " : "", token ? token : "",
             token ? "\r\n" : "");
    w->out_len = strlen(w->out);
    w->in = malloc(BP_WS_MAX_HEAD + 1);
    if (w->in == NULL || wslay_event_context_client_init(&w->ctx, &cbs, w) != 0) {
        bp_ws_free(w);
        return -1;
    }
    /* A message over the cap is refused with close code 1009. */
    wslay_event_config_set_max_recv_msg_length(w->ctx, max_message);
    w->state = BP_WS_CONNECTING;
    return 0;
}

static void drop_out(bp_ws *w)
{
    if (w->out) {
        memset(w->out, 0, w->out_len); /* it held the token */
        free(w->out);
        w->out = NULL;
    }
}

void bp_ws_free(bp_ws *w)
{
    size_t i;
    drop_out(w);
    free(w->in);
    w->in = NULL;
    if (w->ctx)
        wslay_event_context_free(w->ctx);
    w->ctx = NULL;
    for (i = 0; i < w->n_msgs; i++)
        free(w->msgs[i].data);
    free(w->msgs);
    w->msgs = NULL;
    w->n_msgs = w->cap_msgs = 0;
    w->state = BP_WS_DONE;
}

/* --- the 101 answer ------------------------------------------------------ */

static int has_token(const char *v, size_t len, const char *tok)
{
    size_t tl = strlen(tok), i = 0;
    while (i < len) {
        size_t s, e;
        while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        s = i;
        while (i < len && v[i] != ',')
            i++;
        e = i;
        while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
            e--;
        if (e - s == tl && strncasecmp(v + s, tok, tl) == 0)
            return 1;
    }
    return 0;
}

int bp_ws_check_head(bp_ws *w, const char *head, size_t len)
{
    const char *p = head, *end = head + len, *eol;
    int status, upgrade = 0, connection = 0, accept = 0;
    char msg[96];
    eol = memchr(p, '\r', len);
    if (eol == NULL)
        eol = end;
    if (eol - p < 12 || memcmp(p, "HTTP/1.1 ", 9) != 0 || p[9] < '1' || p[9] > '5'
        || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9'
        || (eol - p > 12 && p[12] != ' ')) {
        fail(w, "handshake", "the server's answer to the upgrade is not HTTP/1.1", 0);
        return -1;
    }
    status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    if (status == 401) {
        fail(w, "unauthorized", "the server refused the access token (401)", 401);
        return status;
    }
    if (status != 101) {
        snprintf(msg, sizeof msg, "the server answered %d to the upgrade", status);
        fail(w, "handshake", msg, status);
        return status;
    }
    p = eol;
    while (p < end) {
        const char *name, *colon, *v, *ve;
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
            goto bad;
        p += 2;
        eol = p;
        while (eol < end && *eol != '\r')
            eol++;
        name = p;
        colon = memchr(p, ':', (size_t)(eol - p));
        if (colon == NULL || colon == p || *p == ' ' || *p == '\t')
            goto bad; /* no name, or obsolete line folding */
        for (v = name; v < colon; v++)
            if (*v <= ' ' || *v >= 0x7f)
                goto bad;
        v = colon + 1;
        while (v < eol && (*v == ' ' || *v == '\t'))
            v++;
        ve = eol;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
            ve--;
#define IS(h) ((size_t)(colon - name) == sizeof(h) - 1 && strncasecmp(name, h, sizeof(h) - 1) == 0)
        if (IS("Upgrade")) {
            upgrade += ve - v == 9 && strncasecmp(v, "websocket", 9) == 0 ? 1 : 2;
        } else if (IS("Connection")) {
            connection |= has_token(v, (size_t)(ve - v), "upgrade");
        } else if (IS("Sec-WebSocket-Accept")) {
            accept += (size_t)(ve - v) == strlen(w->accept) && memcmp(v, w->accept, ve - v) == 0
                          ? 1 : 2;
        } else if (IS("Sec-WebSocket-Extensions") || IS("Sec-WebSocket-Protocol")) {
            fail(w, "handshake", "the server chose an extension or protocol not asked for", 101);
            return 101;
        }
#undef IS
        p = eol;
    }
    if (upgrade != 1 || !connection) {
        fail(w, "handshake", "the 101 answer lacks Upgrade: websocket / Connection: upgrade", 101);
        return 101;
    }
    if (accept != 1) {
        fail(w, "handshake", "the server's Sec-WebSocket-Accept does not match our key", 101);
        return 101;
    }
    return 0;
bad:
    fail(w, "handshake", "malformed header line in the server's 101 answer", 101);
    return 101;
}

/* --- driving ------------------------------------------------------------- */

static void finish_open(bp_ws *w)
{
    wslay_event_context_ptr ctx = w->ctx;
    if (!wslay_event_get_read_enabled(ctx) && w->err_kind == NULL) {
        if (wslay_event_get_close_received(ctx)) {
            char msg[64];
            int code = wslay_event_get_status_code_received(ctx);
            snprintf(msg, sizeof msg, "the server closed the connection (%d)", code);
            fail(w, "closed", msg, code);
        } else {
            /* wslay saw a protocol error and queued its close frame. */
            int code = wslay_event_get_status_code_sent(ctx);
            if (code == 1009)
                fail(w, "too_large", "a message from the server is over max_message", code);
            else
                fail(w, "protocol", "the server broke the WebSocket protocol", code);
        }
    }
    if (w->eof && w->err_kind == NULL)
        fail(w, "connection", "the server closed the connection", 1006);
    if (w->eof || (w->err_kind != NULL && !wslay_event_want_write(ctx))
        || (!wslay_event_want_read(ctx) && !wslay_event_want_write(ctx)))
        w->state = BP_WS_DONE;
}

static void drive_open(bp_ws *w, int readable)
{
    wslay_event_context_ptr ctx = w->ctx;
    w->rx_budget = BP_WS_RX_BUDGET;
    if (readable && wslay_event_want_read(ctx) && wslay_event_recv(ctx) != 0) {
        if (wslay_event_get_close_received(ctx))
            finish_open(w); /* its close frame came before the end */
        else if (w->eof)
            fail(w, "connection", "the server closed the connection", 1006);
        else
            fail(w, "protocol", "the server broke the WebSocket protocol", 1002);
        w->state = BP_WS_DONE;
        return;
    }
    if (wslay_event_want_write(ctx) && wslay_event_send(ctx) != 0) {
        if (wslay_event_get_close_received(ctx))
            finish_open(w); /* gone after its close frame: not an error of the link */
        fail(w, "connection", "cannot send to the server", 1006);
        w->state = BP_WS_DONE;
        return;
    }
    finish_open(w);
}

static void read_head(bp_ws *w)
{
    for (;;) {
        ssize_t r;
        char *e;
        if (w->in_len >= BP_WS_MAX_HEAD) {
            fail(w, "handshake", "the server's upgrade answer is too long", 0);
            w->state = BP_WS_DONE;
            return;
        }
        do
            r = recv(w->fd, w->in + w->in_len, BP_WS_MAX_HEAD - w->in_len, 0);
        while (r < 0 && errno == EINTR);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (r <= 0) {
            fail(w, "connection", r == 0 ? "the server closed the connection before the upgrade"
                                         : strerror(errno), 0);
            w->state = BP_WS_DONE;
            return;
        }
        w->in_len += (size_t)r;
        w->in[w->in_len] = '\0';
        e = strstr(w->in, "\r\n\r\n");
        if (e == NULL) {
            if (memchr(w->in, '\0', w->in_len) != NULL) {
                fail(w, "handshake", "the server's upgrade answer is not text", 0);
                w->state = BP_WS_DONE;
            }
            continue;
        }
        if (bp_ws_check_head(w, w->in, (size_t)(e - w->in)) != 0) {
            w->state = BP_WS_DONE;
            return;
        }
        w->in_pos = (size_t)(e - w->in) + 4; /* frames that came along */
        w->state = BP_WS_OPEN;
        drive_open(w, 1);
        return;
    }
}

static void send_head(bp_ws *w)
{
    while (w->out_pos < w->out_len) {
        ssize_t r = send(w->fd, w->out + w->out_pos, w->out_len - w->out_pos, MSG_NOSIGNAL);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (r < 0) {
            fail(w, "connection", strerror(errno), 0);
            w->state = BP_WS_DONE;
            return;
        }
        w->out_pos += (size_t)r;
    }
    drop_out(w);
    w->state = BP_WS_READ_HEAD;
}

void bp_ws_io(bp_ws *w, int readable, int writable)
{
    switch (w->state) {
    case BP_WS_CONNECTING: {
        int err = 0;
        socklen_t l = sizeof err;
        if (!writable && !readable)
            return;
        if (getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &err, &l) != 0)
            err = errno;
        if (err != 0) {
            char msg[120];
            snprintf(msg, sizeof msg, "cannot connect: %s", strerror(err));
            fail(w, "connection", msg, 0);
            w->state = BP_WS_DONE;
            return;
        }
        w->state = BP_WS_SEND_HEAD;
    }
    /* fall through */
    case BP_WS_SEND_HEAD:
        send_head(w);
        return;
    case BP_WS_READ_HEAD:
        if (readable)
            read_head(w);
        return;
    case BP_WS_OPEN:
        drive_open(w, readable);
        return;
    default:
        return;
    }
}

int bp_ws_want(bp_ws *w)
{
    switch (w->state) {
    case BP_WS_CONNECTING:
    case BP_WS_SEND_HEAD:
        return 2;
    case BP_WS_READ_HEAD:
        return 1;
    case BP_WS_OPEN:
        return (wslay_event_want_read(w->ctx) ? 1 : 0) | (wslay_event_want_write(w->ctx) ? 2 : 0);
    default:
        return 0;
    }
}

static int queue(bp_ws *w, uint8_t opcode, const char *s, size_t len)
{
    struct wslay_event_msg m;
    if (w->state != BP_WS_OPEN || w->err_kind != NULL)
        return -1;
    m.opcode = opcode;
    m.msg = (const uint8_t *)s;
    m.msg_length = len;
    return wslay_event_queue_msg(w->ctx, &m) == 0 ? 0 : -1;
}

int bp_ws_send_text(bp_ws *w, const char *s, size_t len)
{
    return queue(w, WSLAY_TEXT_FRAME, s, len);
}

int bp_ws_ping(bp_ws *w)
{
    return queue(w, WSLAY_PING, "", 0);
}

int bp_ws_shutdown(bp_ws *w, uint16_t code, const char *reason)
{
    if (w->state != BP_WS_OPEN || wslay_event_get_close_sent(w->ctx))
        return -1;
    return wslay_event_queue_close(w->ctx, code, (const uint8_t *)reason,
                                   reason ? strlen(reason) : 0) == 0 ? 0 : -1;
}

int bp_ws_open_for_test(bp_ws *w)
{
    drop_out(w);
    w->state = BP_WS_OPEN;
    return 0;
}

void bp_ws_feed(bp_ws *w, const char *data, size_t len)
{
    if (w->state != BP_WS_OPEN)
        return;
    if (len > BP_WS_MAX_HEAD)
        len = BP_WS_MAX_HEAD;
    memcpy(w->in, data, len);
    w->in_len = len;
    w->in_pos = 0;
    drive_open(w, 1);
}
