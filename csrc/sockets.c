/* Socket and timer bookkeeping for curl's socket interface. See sockets.h.
 *
 * Per fd number one byte of flags: what curl wants now, what the host was
 * last told, whether curl dropped a socket on this number since the last
 * drain, and whether the fd is queued. A burst of changes to one fd thus
 * costs one queue slot and is drained as its net effect.
 *
 * fd reuse: when curl drops socket 7 and opens a new socket 7 within one
 * burst, the drain yields (7, remove) then (7, new state). The final state
 * alone is safe only for a host that re-registers on every change (libuv's
 * uv_poll_start() does an epoll DEL and ADD each time; GLib polls by fd
 * number), and only if a net "no change" were still reported. An epoll or
 * kqueue registration dies with the closed socket, so a host that skips a
 * watch it believes it has (same fd, same events) would never watch the new
 * socket. Remove-then-add is right for any host: drop the old watcher, make
 * a new one. A socket made and dropped within one burst, which the host
 * never saw, is not reported at all. */
#include "sockets.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define WANT_MASK 0x03u  /* BP_WATCH_* curl wants now */
#define SHOWN_SHIFT 2    /* BP_WATCH_* the host was last told */
#define GONE 0x10u       /* curl removed a socket on this number */
#define QUEUED 0x20u

/* Makes fds[] and queue[] cover fd. queue[] never needs more than one slot
 * per fd number, so enqueueing cannot overflow it. */
static int cover(bp_watch *w, int fd)
{
    int n = 64;
    if (fd < w->nfds && fd < w->qcap)
        return 1;
    while (n <= fd)
        n *= 2;
    if (n > w->nfds) {
        unsigned char *fds = realloc(w->fds, (size_t)n);
        if (fds == NULL)
            return 0;
        memset(fds + w->nfds, 0, (size_t)(n - w->nfds));
        w->fds = fds;
        w->nfds = n;
    }
    if (n > w->qcap) {
        int *queue = realloc(w->queue, (size_t)n * sizeof *queue);
        if (queue == NULL)
            return 0;
        w->queue = queue;
        w->qcap = n;
    }
    return 1;
}

static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    bp_watch *w = userp;
    unsigned char f;
    (void)easy;
    (void)socketp;
    if (s < 0)
        return 0;
    /* Out of memory (or an absurd fd): -1 makes curl fail the transfers
     * rather than silently lose a socket. */
    if (s > INT_MAX / 4 || !cover(w, (int)s))
        return -1;
    f = w->fds[s];
    if (what == CURL_POLL_REMOVE)
        f = (unsigned char)((f & ~WANT_MASK) | GONE);
    else
        f = (unsigned char)((f & ~WANT_MASK) | ((unsigned)what & WANT_MASK));
    if (!(f & QUEUED)) {
        f |= QUEUED;
        w->queue[w->nqueue++] = (int)s;
    }
    w->fds[s] = f;
    return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    bp_watch *w = userp;
    (void)multi;
    w->timer_ms = timeout_ms;
    w->timer_changed = 1;
    return 0;
}

int bp_watch_init(bp_watch *w, CURLM *multi)
{
    memset(w, 0, sizeof *w);
    w->timer_ms = -1;
    /* The socket callback from the start: curl skips reporting a socket it
     * already put in its socket hash, so none may go in unrecorded. */
    return curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket) == CURLM_OK &&
           curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, (void *)w) == CURLM_OK;
}

int bp_watch_timer(bp_watch *w, CURLM *multi)
{
    return curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer) == CURLM_OK &&
           curl_multi_setopt(multi, CURLMOPT_TIMERDATA, (void *)w) == CURLM_OK;
}

void bp_watch_free(bp_watch *w)
{
    free(w->fds);
    free(w->queue);
    memset(w, 0, sizeof *w);
    w->timer_ms = -1;
}

void bp_watch_soon(bp_watch *w)
{
    w->timer_ms = 0;
    w->timer_changed = 1;
}

int bp_watch_drain(bp_watch *w, void (*fn)(void *ud, int fd, int what), void *ud,
                   int *timer_changed, long *timer_ms)
{
    int i, n = 0;
    for (i = 0; i < w->nqueue; i++) {
        int fd = w->queue[i];
        unsigned f = w->fds[fd];
        unsigned want = f & WANT_MASK, shown = (f >> SHOWN_SHIFT) & WANT_MASK;
        if ((f & GONE) && shown != BP_WATCH_NONE) {
            fn(ud, fd, BP_WATCH_NONE); /* the host's watcher is for a dead socket */
            shown = BP_WATCH_NONE;
            n++;
        }
        if (want != shown) {
            fn(ud, fd, (int)want);
            n++;
        }
        w->fds[fd] = (unsigned char)(want | want << SHOWN_SHIFT);
    }
    w->nqueue = 0;
    *timer_changed = w->timer_changed;
    *timer_ms = w->timer_ms;
    w->timer_changed = 0;
    return n;
}

/* curl 7.88's curl_multi_perform() runs every transfer but, unlike
 * curl_multi_socket_action(), does not compare their sockets with the ones
 * reported before (lib/multi.c calls singlesocket() from multi_socket(), and
 * from perform only while resolving, on curl_multi_remove_handle() and when
 * a socket is closed). A socket opened or switched from out to in during a
 * perform would never reach the host. curl_multi_socket_all() is perform
 * followed by that comparison for every transfer: it is deprecated in favour
 * of socket_action, but still supported, and exactly what a mixed caller
 * (callback requests on the host loop, c:run() on the same client) needs.
 * It costs about 3% more instructions per blocking request, so the engine
 * uses it only once the host loop watches the client's sockets. */
CURLMcode bp_watch_perform(CURLM *multi, int *running)
{
    CURLMcode rc;
#ifdef CURL_IGNORE_DEPRECATION
    CURL_IGNORE_DEPRECATION(rc = curl_multi_socket_all(multi, running);)
#else
    rc = curl_multi_socket_all(multi, running);
#endif
    return rc;
}
