/* The core's client userdata, shared by its Lua methods (core.c) and the
 * blocking fast path (fastcall.c). */
#ifndef BEEPER_CLIENT_H
#define BEEPER_CLIENT_H

#include <stddef.h>

#include "compat.h"
#include "engine.h"

#define CLIENT_MT "beeper.core.client"
#define MAX_HEADERS 64
#define URL_JOIN 2048 /* base URL and path joined on the stack up to this */

typedef struct bp_client {
    bp_engine engine;
    int decoder_ref;
    size_t max_body;
    int closed;
} bp_client;

/* One line of text: no NUL, CR or LF in its len bytes. */
int bp_single_line(const char *s, size_t len);
/* Seconds or milliseconds v as curl's millisecond count: fractions round
 * up, huge values clamp to INT_MAX; -1 for NaN and negatives. */
long bp_ms(double v);
/* Drives the transfers until request id is done, then pushes what
 * c:take(id) returns and gives the count (see core.c). */
int bp_client_finish(lua_State *L, bp_client *c, long id);

#endif
