/* The transfer engine: one curl multi handle, a pool of reusable easy
 * handles, and requests identified by integer ids. Pure C: nothing here
 * touches Lua, so curl callbacks can never re-enter the interpreter. */
#ifndef BEEPER_ENGINE_H
#define BEEPER_ENGINE_H

#include <stddef.h>
#include <curl/curl.h>

#include "sockets.h"

typedef struct bp_buffer {
    char *data;
    size_t len, cap;
} bp_buffer;

typedef enum { BP_RUNNING, BP_DONE } bp_state;

typedef struct bp_request {
    struct bp_request *next, *prev; /* in the engine's active list */
    struct bp_request *done_next;   /* in the finished-not-yet-taken queue */
    CURL *easy;
    struct curl_slist *headers;
    bp_buffer body;
    size_t max_body;
    int too_large; /* the body passed max_body and the transfer was stopped */
    long id;
    bp_state state;
    CURLcode result;
    long status;
    char errbuf[CURL_ERROR_SIZE];
    /* The few response headers the retry logic needs, captured as text. */
    char retry_after[64];
    char retry_after_ms[32];
    char should_retry[8];
} bp_request;

typedef struct bp_engine {
    CURLM *multi;
    bp_request *active;  /* running and finished-but-not-taken requests */
    bp_request *done_head, *done_tail;
    bp_request *pool;    /* idle requests kept with their easy handles */
    int pool_size;
    long next_id;
    int running;
    bp_watch watch;      /* sockets and timer curl asked the host loop for */
    int evented;         /* a host loop watches the sockets: see bp_engine_evented */
} bp_engine;

/* Everything needed to start one transfer. */
typedef struct bp_spec {
    const char *method; /* GET, POST, DELETE ... */
    const char *url;
    const char *const *headers; /* "Name: value" lines */
    int nheaders;
    const char *body; /* NULL: no body */
    size_t body_len;
    long timeout_ms, connect_timeout_ms; /* 0: no limit */
    size_t max_body;
    const char *proxy; /* NULL: none at all, not even from http_proxy & co. */
} bp_spec;

/* Every socket the engine owns is close-on-exec: a child process (io.popen,
 * jobstart) must not keep the client's connections open. */
int bp_engine_init(bp_engine *e);
void bp_engine_close(bp_engine *e); /* cancels everything; idempotent */

/* Returns the new request id, or -1 with a message in err. */
long bp_engine_start(bp_engine *e, const bp_spec *spec, char *err, size_t errlen);
/* Advances all transfers without blocking; returns transfers still running. */
int bp_engine_perform(bp_engine *e);
/* Acts on socket fd (events: CURL_CSELECT_* bits), or on curl's timer when
 * fd is CURL_SOCKET_TIMEOUT; collects finished transfers as perform() does.
 * Returns transfers still running. */
int bp_engine_socket_action(bp_engine *e, curl_socket_t fd, int events);
/* Called before the host first reads e->watch or calls socket_action:
 * from then on perform() keeps the reported sockets right. */
void bp_engine_evented(bp_engine *e);
/* Milliseconds until curl wants perform() called again; -1: no timer. */
long bp_engine_timeout(bp_engine *e);
/* Waits up to ms for socket activity (curl_multi_poll); returns at once when a finished
 * transfer is waiting to be collected. */
void bp_engine_wait(bp_engine *e, int ms);
/* The same, but always waits on the sockets: for a caller that waits for one
 * request while others sit finished in the done queue. */
void bp_engine_poll(bp_engine *e, int ms);
/* Pops the id of a finished request, or 0 when none. */
long bp_engine_next_done(bp_engine *e);
bp_request *bp_engine_find(bp_engine *e, long id);
/* Returns a finished request to the pool (after its result was read). */
void bp_engine_release(bp_engine *e, bp_request *r);
/* Stops a request wherever it is and frees it; 1 if it existed. */
int bp_engine_cancel(bp_engine *e, long id);
int bp_engine_count(const bp_engine *e);

/* The curl write and header callbacks (userdata is the bp_request); public
 * so the fuzzer can feed them without a socket. */
size_t bp_on_body(char *ptr, size_t size, size_t nmemb, void *userdata);
size_t bp_on_header(char *line, size_t size, size_t nitems, void *userdata);

#endif
