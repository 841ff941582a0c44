/* Lua version differences (5.1, LuaJIT 2.1, 5.3, 5.4) kept in one place. */
#ifndef BEEPER_COMPAT_H
#define BEEPER_COMPAT_H

#include <lua.h>
#include <lauxlib.h>

#if LUA_VERSION_NUM < 502
/* 5.1 and LuaJIT: no lua_rawlen. */
#define lua_rawlen(L, i) lua_objlen((L), (i))
#endif

#if LUA_VERSION_NUM < 502 && !defined(luaL_newlib)
/* PUC 5.1 only: LuaJIT 2.1 already has these two. */
static inline void bp_setfuncs(lua_State *L, const luaL_Reg *l, int nup)
{
    luaL_checkstack(L, nup + 1, "too many upvalues");
    for (; l->name != NULL; l++) {
        int i;
        for (i = 0; i < nup; i++)
            lua_pushvalue(L, -nup);
        lua_pushcclosure(L, l->func, nup);
        lua_setfield(L, -(nup + 2), l->name);
    }
    lua_pop(L, nup);
}
#define luaL_setfuncs(L, l, nup) bp_setfuncs((L), (l), (nup))
#define luaL_newlib(L, l) (lua_newtable(L), luaL_setfuncs((L), (l), 0))
#endif

#if LUA_VERSION_NUM >= 503
/* Integer subtype exists: JSON numbers with integral values become integers. */
#define BP_HAS_INTEGERS 1
#else
#define BP_HAS_INTEGERS 0
#endif

#endif
