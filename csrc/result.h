/* Turns a finished request into the values core's take() returns:
 *   an HTTP answer:  status, value, decode_error, meta
 *   no answer:       nil, kind, message, curl_code                       */
#ifndef BEEPER_RESULT_H
#define BEEPER_RESULT_H

#include <lua.h>
#include "engine.h"

int bp_push_result(lua_State *L, int decoder_ref, const bp_request *r);

#endif
