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

/* Where an output request's body goes: decided at its first body byte. */
typedef enum { BP_OUT_UNDECIDED, BP_OUT_FILE, BP_OUT_MEMORY } bp_out_state;

/* One part of a multipart/form-data body (see mime.h). */
typedef struct bp_part {
    const char *name;
    const char *file;            /* streamed from disk; NULL: data */
    const char *data;
    size_t data_len;
    const char *filename, *type; /* NULL: none (a file part's filename is its basename) */
} bp_part;

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
    char version[64]; /* X-Beeper-Desktop-Version */
    /* Issue 13's options; binary is 0 on the JSON path, which never reads the rest. */
    int binary;          /* raw, output or mime: result.c asks output.c first */
    int raw;             /* a 2xx body is returned as bytes, not decoded */
    char *output;        /* a 2xx body is streamed to this file (owned copy) */
    int out_fd;          /* -1: not open */
    int out_regular;     /* the file we opened is a regular one: removable */
    bp_out_state out_state;
    int out_errno;       /* an io failure: errno, and what failed */
    const char *out_what;
    size_t written;
    curl_mime *mime;     /* the multipart body; freed when the request is */
    char content_type[128]; /* captured for binary requests only */
    char content_range[96];
    /* What the pooled easy handle is configured for, so that the next plain
     * JSON request with the same setup skips curl_easy_reset and the setopts:
     * only its URL and body change. reusable is 0 when nothing is known. */
    int reusable;
    char setup_method[16];
    int setup_body, setup_nheaders;
    long setup_timeout_ms, setup_connect_ms;
    size_t setup_max_body;
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
    char server_version[64]; /* the last X-Beeper-Desktop-Version seen; "" none */
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
    /* Issue 13 (all zero: a JSON answer held in memory, as before). */
    int raw;              /* a 2xx body comes back as bytes: no UTF-8 or JSON check */
    const char *output;   /* a 2xx body is streamed to this file; max_body does not apply */
    const bp_part *parts; /* a multipart/form-data body (body must be NULL) */
    int nparts;
    int fresh;            /* a new connection, never a reused one */
} bp_spec;

/* Every socket the engine owns is close-on-exec: a child process (io.popen,
 * jobstart) must not keep the client's connections open. */
int bp_engine_init(bp_engine *e);
void bp_engine_close(bp_engine *e); /* cancels everything; idempotent */

/* Returns the new request id, or -1 with a message in err; *io is set to 1
 * when the failure is a file's (a multipart file that cannot be read). */
long bp_engine_start(bp_engine *e, const bp_spec *spec, char *err, size_t errlen, int *io);
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
/* The two halves of release, for a caller that runs Lua code (which may
 * close the client) while it reads a finished request: detach takes it out
 * of the engine, recycle pools or frees it afterwards (frees it when the
 * engine was closed meanwhile). */
void bp_engine_detach(bp_engine *e, bp_request *r);
void bp_engine_recycle(bp_engine *e, bp_request *r);
/* Stops a request wherever it is and frees it; 1 if it existed. */
int bp_engine_cancel(bp_engine *e, long id);
int bp_engine_count(const bp_engine *e);

/* The curl write and header callbacks (userdata is the bp_request); public
 * so the fuzzer can feed them without a socket. */
size_t bp_on_body(char *ptr, size_t size, size_t nmemb, void *userdata);
size_t bp_on_header(char *line, size_t size, size_t nitems, void *userdata);
/* Appends to the in-memory body, within max_body; returns n, or 0 to stop. */
size_t bp_body_append(bp_request *r, const char *p, size_t n);

#endif
