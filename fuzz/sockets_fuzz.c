/* libFuzzer target for the socket bookkeeping (csrc/sockets.c): arbitrary
 * sequences of curl socket and timer callbacks with drains in between,
 * checked against a model of curl's sockets and of the host's watchers.
 * After every drain the host must watch exactly what curl wants; a watcher
 * left from a removed socket must be dropped before its fd number is
 * watched again; the host is never told to forget what it does not watch. */
#include <stdint.h>
#include <stdlib.h>

#include "../csrc/sockets.c" /* the callbacks are static */

#define NFD 80 /* past the first 64 slots, so the tables grow */

typedef struct model {
    int want[NFD], gen[NFD];           /* curl: wanted events, socket generation */
    int host_want[NFD], host_gen[NFD]; /* the host's watchers */
} model;

static void on_change(void *ud, int fd, int what)
{
    model *m = ud;
    if (fd < 0 || fd >= NFD || what < 0 || what > 3)
        abort();
    if (what == BP_WATCH_NONE) {
        if (m->host_want[fd] == BP_WATCH_NONE)
            abort(); /* forgetting a socket nobody watches */
        m->host_want[fd] = BP_WATCH_NONE;
        return;
    }
    if (m->host_want[fd] != BP_WATCH_NONE && m->host_gen[fd] != m->gen[fd])
        abort(); /* a stale watcher reused for a new socket */
    if (m->host_want[fd] == what && m->host_gen[fd] == m->gen[fd])
        abort(); /* a change that changes nothing */
    m->host_want[fd] = what;
    m->host_gen[fd] = m->gen[fd];
}

/* Input: 2-byte steps. 0xff in the first byte drains; 0xfe sets the timer
 * to the second byte (255: -1); else fd = first % NFD, what = second % 5
 * (4 = CURL_POLL_REMOVE). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bp_watch w;
    model m = {{0}, {0}, {0}, {0}};
    long timer = -1;
    int timer_set = 0;
    size_t i;
    memset(&w, 0, sizeof w); /* bp_watch_init() without a multi handle */
    w.timer_ms = -1;
    for (i = 0; i + 1 < size; i += 2) {
        if (data[i] == 0xff || i + 3 >= size) {
            int changed;
            long ms;
            int fd;
            bp_watch_drain(&w, on_change, &m, &changed, &ms);
            if (changed != timer_set || (changed && ms != timer))
                abort();
            timer_set = 0;
            for (fd = 0; fd < NFD; fd++)
                if (m.host_want[fd] != m.want[fd] ||
                    (m.want[fd] != BP_WATCH_NONE && m.host_gen[fd] != m.gen[fd]))
                    abort();
        } else if (data[i] == 0xfe) {
            timer = data[i + 1] == 255 ? -1 : data[i + 1];
            timer_set = 1;
            on_timer(NULL, timer, &w);
        } else {
            int fd = data[i] % NFD, what = data[i + 1] % 5;
            if (what == 4) {
                if (m.want[fd] == BP_WATCH_NONE)
                    continue; /* curl only removes sockets it reported */
                m.want[fd] = BP_WATCH_NONE;
                m.gen[fd]++; /* the next socket on this number is another one */
            } else {
                if (what == BP_WATCH_NONE)
                    continue; /* curl reports IN, OUT or INOUT, or REMOVE */
                m.want[fd] = what;
            }
            if (on_socket(NULL, fd, what == 4 ? CURL_POLL_REMOVE : what, &w, NULL) != 0)
                abort();
        }
    }
    bp_watch_free(&w);
    return 0;
}
