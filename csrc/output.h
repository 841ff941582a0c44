/* Binary answers (issue 13): a 2xx body returned as bytes (raw) or streamed
 * to a file (output), and the io errors of those and of multipart uploads.
 * A non-2xx answer stays in memory and takes the JSON path: it is the API's
 * error document. */
#ifndef BEEPER_OUTPUT_H
#define BEEPER_OUTPUT_H

#include <lua.h>
#include "engine.h"

/* The write callback of an output request: the file is opened ("wb",
 * close-on-exec) at the first body byte of a 2xx answer; any other answer
 * goes to memory. Returns n, or 0 to stop the transfer. */
size_t bp_output_write(bp_request *r, const char *p, size_t n);
/* When the transfer has finished (r->result and r->status set): closes the
 * file, creates it empty for a 2xx answer without a body, and removes a
 * partial file after a failure. */
void bp_output_finish(bp_request *r);
/* When the request is released or cancelled: closes and removes a file
 * still open (an unfinished transfer) and frees the path. */
void bp_output_reset(bp_request *r);
/* Pushes take()'s results for a binary request: an io error
 * (nil, "io", message, curl_code), or a 2xx raw or output answer
 * (status, bytes or nil, nil, meta). Returns 0, pushing nothing, for
 * anything else: the JSON path of result.c handles it. */
int bp_push_binary(lua_State *L, const bp_request *r);

#endif
