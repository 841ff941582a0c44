/* A WebSocket client connection (RFC 6455) on a non-blocking socket we own:
 * the HTTP/1.1 upgrade is done here, the framing by wslay. No Lua in here:
 * ws_lua.c is the Lua face. The host loop drives it: bp_ws_io() after the
 * socket is ready, bp_ws_want() for what to watch next. */
#ifndef BEEPER_WS_H
#define BEEPER_WS_H

#include <stddef.h>
#include <stdint.h>

#include <wslay/wslay.h>

enum { BP_WS_CONNECTING, BP_WS_SEND_HEAD, BP_WS_READ_HEAD, BP_WS_OPEN, BP_WS_DONE };

#define BP_WS_MAX_HEAD 16384 /* bytes of the 101 answer's head */
/* Bytes read per turn of the host loop: a flooding server cannot hold it. */
#define BP_WS_RX_BUDGET (1024 * 1024)

typedef struct {
    char *data;
    size_t len;
} bp_ws_msg;

typedef struct {
    int fd;
    int state;
    wslay_event_context_ptr ctx;
    char *out; /* the upgrade request while it is sent (holds the token) */
    size_t out_len, out_pos;
    char *in; /* the 101 answer's head, then bytes read past it */
    size_t in_len, in_pos;
    char accept[32]; /* the Sec-WebSocket-Accept we expect */
    uint64_t max_message;
    bp_ws_msg *msgs; /* complete text messages not yet taken */
    size_t n_msgs, cap_msgs;
    unsigned long frames; /* every message received, control ones too */
    size_t rx_budget;     /* bytes still to read in this turn of the host loop */
    int eof;
    /* The first failure, kept: kind is a short word, message says why,
     * code is the HTTP status or the close code. */
    const char *err_kind;
    char err_msg[160];
    int err_code;
} bp_ws;

/* Sets w up for a connection to an already connecting fd (or -1 for tests
 * that feed bytes with bp_ws_feed). Returns 0, or -1 (no memory / bad token). */
int bp_ws_init(bp_ws *w, int fd, const char *host, const char *path, const char *token,
               uint64_t max_message);
void bp_ws_free(bp_ws *w);

/* Checks an upgrade answer's head (up to and without the blank line).
 * Returns 0 when it is a valid 101 with the expected accept key, else the
 * HTTP status (or -1 when none could be read) and sets w's error. */
int bp_ws_check_head(bp_ws *w, const char *head, size_t len);

/* After the socket was ready: moves the connection on as far as it goes. */
void bp_ws_io(bp_ws *w, int readable, int writable);
/* 0 nothing (done), 1 read, 2 write, 3 both. */
int bp_ws_want(bp_ws *w);

int bp_ws_send_text(bp_ws *w, const char *s, size_t len);
int bp_ws_ping(bp_ws *w);
int bp_ws_shutdown(bp_ws *w, uint16_t code, const char *reason);

/* For the fuzz target: treat data as bytes read from the server after the
 * head was checked (state OPEN, no socket). */
int bp_ws_open_for_test(bp_ws *w);
void bp_ws_feed(bp_ws *w, const char *data, size_t len);

/* RFC 3629: 1 when s is valid UTF-8. */
int bp_utf8_valid(const unsigned char *s, size_t len);

#endif
