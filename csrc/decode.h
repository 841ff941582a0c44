/* JSON bodies to Lua values through a private lua-cjson instance. */
#ifndef BEEPER_DECODE_H
#define BEEPER_DECODE_H

#include <stddef.h>
#include <lua.h>

/* Makes a cjson.new() instance limited to max_depth and returns a registry
 * reference to its decode function. Raises if lua-cjson is missing. */
int bp_decoder_new(lua_State *L, int max_depth);

/* Decodes len bytes. On success pushes the normalised value and returns 1;
 * on failure (bad UTF-8 or JSON, nesting beyond the depth limit or the Lua
 * stack) pushes the message and returns 0. Raises only when out of memory. */
int bp_decode(lua_State *L, int decoder_ref, const char *buf, size_t len);

/* In place, under the table at idx: JSON null object members are removed,
 * and (on 5.3+) integral floats become integers. Array nulls stay as the
 * cjson.null sentinel so the array keeps its length. */
void bp_normalise(lua_State *L, int idx);

#endif
