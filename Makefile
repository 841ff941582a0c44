# beeper-lua: build the C core for each Lua, run the specs, package the rock.
#   make              build for every Lua version below
#   make check        install missing Debian packages if root, build, run all specs
#   make test LUA=5.4 run the specs on one version
VERSIONS   ?= 5.1 jit 5.3 5.4
LUA        ?= 5.4
CC         ?= cc
CFLAGS     ?= -O2 -g
WARN       := -std=c99 -Wall -Wextra -Werror -pedantic
CURL_CFLAGS := $(shell pkg-config --cflags libcurl 2>/dev/null)
CURL_LIBS   := $(shell pkg-config --libs libcurl 2>/dev/null || echo -lcurl)
SRC        := $(wildcard csrc/*.c)
HDR        := $(wildcard csrc/*.h)

lua_inc_5.1 := /usr/include/lua5.1
lua_inc_jit := /usr/include/luajit-2.1
lua_inc_5.3 := /usr/include/lua5.3
lua_inc_5.4 := /usr/include/lua5.4
lua_bin_5.1 := lua5.1
lua_bin_jit := luajit
lua_bin_5.3 := lua5.3
lua_bin_5.4 := lua5.4

.PHONY: all check deps test matrix clean rock demo
all: $(foreach v,$(VERSIONS),build/$(v)/beeper/core.so)

build/%/beeper/core.so: $(SRC) $(HDR)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) -fPIC -shared -I$(lua_inc_$*) $(CURL_CFLAGS) -o $@ $(SRC) $(CURL_LIBS)

deps:
	@sh .ci/deps

# One command from clone to green: packages, build, every Lua version.
check: deps
	@$(MAKE) --no-print-directory all
	@sh spec/run $(VERSIONS)

test: build/$(LUA)/beeper/core.so
	@sh spec/run $(LUA)

matrix: all
	@sh spec/run $(VERSIONS)

clean:
	rm -rf build
