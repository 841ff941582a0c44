/* Bookkeeping for curl's socket interface (CURLMOPT_SOCKETFUNCTION and
 * CURLMOPT_TIMERFUNCTION). The callbacks only record what changed, so that
 * the host loop can apply it later: curl never calls into Lua. Pure C. */
#ifndef BEEPER_SOCKETS_H
#define BEEPER_SOCKETS_H

#include <curl/curl.h>

/* What the host must watch a socket for (values seen by Lua). */
enum { BP_WATCH_NONE = 0, BP_WATCH_IN = 1, BP_WATCH_OUT = 2, BP_WATCH_INOUT = 3 };

typedef struct bp_watch {
    unsigned char *fds; /* per fd number: bit flags, see sockets.c */
    int nfds;           /* fds[] covers 0 .. nfds-1 */
    int *queue;         /* fds changed since the last drain, in order of first change */
    int nqueue, qcap;
    long timer_ms;      /* curl's latest timer request (-1: delete) */
    int timer_changed;
} bp_watch;

/* Installs the socket callback on multi; w must stay at the same address until
 * bp_watch_free(), which is called after curl_multi_cleanup(). */
int bp_watch_init(bp_watch *w, CURLM *multi);
/* Installs the timer callback too. Kept apart because curl calls it after
 * every perform (about 400 instructions a request on the blocking path);
 * curl reports its current deadline on the next perform or socket_action. */
int bp_watch_timer(bp_watch *w, CURLM *multi);
void bp_watch_free(bp_watch *w);

/* Hands each pending change to fn (what: BP_WATCH_*; NONE = stop watching)
 * and forgets it. Returns the number of calls; *timer_changed and *timer_ms
 * say whether curl's timer request changed and to what. */
int bp_watch_drain(bp_watch *w, void (*fn)(void *ud, int fd, int what), void *ud,
                   int *timer_changed, long *timer_ms);

/* Makes the next drain ask for a socket_action() as soon as possible (timer
 * 0), as when work is waiting that no socket or deadline would announce. */
void bp_watch_soon(bp_watch *w);

/* curl_multi_perform() followed by a socket update for every transfer: see
 * sockets.c for why plain perform is not enough. */
CURLMcode bp_watch_perform(CURLM *multi, int *running);

#endif
