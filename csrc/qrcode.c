/* beeper.qrcode: QR symbols from libqrencode, as rows of "1" (dark) and "0".
 *   local rows = qrcode.encode(data [, level])   -- level "L", "M" (default), "Q", "H"
 * A separate module so the HTTP core never links libqrencode. */
#include <errno.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"

#define BOX_MT "beeper.qrcode.box"

/* The QRcode lives in a userdata box while rows are pushed: if a push raises
 * (out of memory), the collector still frees it. */
static int box_gc(lua_State *L)
{
    QRcode **box = luaL_checkudata(L, 1, BOX_MT);
    if (*box) {
        QRcode_free(*box);
        *box = NULL;
    }
    return 0;
}

static int qr_encode(lua_State *L)
{
    size_t len;
    const char *data = luaL_checklstring(L, 1, &len);
    const char *level_name = luaL_optstring(L, 2, "M");
    QRecLevel level;
    QRcode *qr, **box;
    luaL_Buffer row;
    int y, x;

    switch (level_name[0]) {
    case 'L': level = QR_ECLEVEL_L; break;
    case 'M': level = QR_ECLEVEL_M; break;
    case 'Q': level = QR_ECLEVEL_Q; break;
    case 'H': level = QR_ECLEVEL_H; break;
    default: return luaL_argerror(L, 2, "level must be L, M, Q or H");
    }
    if (len == 0)
        return luaL_argerror(L, 1, "nothing to encode");
    box = lua_newuserdata(L, sizeof *box);
    *box = NULL;
    luaL_getmetatable(L, BOX_MT);
    lua_setmetatable(L, -2);
    /* 8-bit mode with an explicit length: the payload may hold any byte. */
    qr = *box = QRcode_encodeData((int)len, (const unsigned char *)data, 0, level);
    if (qr == NULL) {
        int e = errno;
        lua_pushnil(L);
        lua_pushstring(L, e == ERANGE ? "data too large for a QR code" : strerror(e));
        return 2;
    }
    lua_createtable(L, qr->width, 1);
    for (y = 0; y < qr->width; y++) {
        luaL_buffinit(L, &row);
        for (x = 0; x < qr->width; x++)
            luaL_addchar(&row, (qr->data[y * qr->width + x] & 1) ? '1' : '0');
        luaL_pushresult(&row);
        lua_rawseti(L, -2, y + 1);
    }
    lua_pushinteger(L, qr->version);
    lua_setfield(L, -2, "version");
    *box = NULL;
    QRcode_free(qr);
    return 1;
}

int luaopen_beeper_qrcode(lua_State *L)
{
    static const luaL_Reg functions[] = { { "encode", qr_encode }, { NULL, NULL } };
    if (luaL_newmetatable(L, BOX_MT)) {
        lua_pushcfunction(L, box_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    luaL_newlib(L, functions);
    return 1;
}
