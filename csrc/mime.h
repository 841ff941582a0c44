/* Multipart/form-data bodies (issue 13) through libcurl's MIME API: file
 * parts are streamed from disk by curl, never read into memory here. */
#ifndef BEEPER_MIME_H
#define BEEPER_MIME_H

#include <stddef.h>
#include <curl/curl.h>
#include "engine.h"

/* Builds the form of n parts for easy. Returns it, or NULL with a message
 * in err; *io is set to 1 when a part's file cannot be read. The caller
 * frees the form with curl_mime_free once the transfer is removed. */
curl_mime *bp_mime_build(CURL *easy, const bp_part *parts, int n, char *err, size_t errlen, int *io);

#endif
