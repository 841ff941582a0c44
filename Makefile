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
SRC        := csrc/core.c csrc/decode.c csrc/engine.c csrc/mime.c csrc/output.c csrc/result.c csrc/sockets.c
HDR        := $(wildcard csrc/*.h)
# Issue 14: the WebSocket client (wslay frames, libcrypto SHA-1/base64/random).
SRC        += csrc/ws.c csrc/ws_lua.c
# Issue 12: the blocking fast path of a JSON call.
SRC        += csrc/fastcall.c
CURL_LIBS  += -lwslay -lcrypto

lua_inc_5.1 := /usr/include/lua5.1
lua_inc_jit := /usr/include/luajit-2.1
lua_inc_5.3 := /usr/include/lua5.3
lua_inc_5.4 := /usr/include/lua5.4
lua_bin_5.1 := lua5.1
lua_bin_jit := luajit
lua_bin_5.3 := lua5.3
lua_bin_5.4 := lua5.4

.PHONY: lint docs types
.PHONY: all check deps test matrix clean rock demo asan valgrind memcheck fuzz gc-stress bench harden fuzz-sockets contract fuzz-ws
all: $(foreach v,$(VERSIONS),build/$(v)/beeper/core.so build/$(v)/beeper/qrcode.so)

build/%/beeper/core.so: $(SRC) $(HDR)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) -fPIC -shared -I$(lua_inc_$*) $(CURL_CFLAGS) -o $@ $(SRC) $(CURL_LIBS)

build/%/beeper/qrcode.so: csrc/qrcode.c csrc/compat.h
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) -fPIC -shared -I$(lua_inc_$*) -o $@ csrc/qrcode.c -lqrencode

deps:
	@sh .ci/deps

# One command from clone to green: packages, build, every Lua version.
check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory lint
	@sh .ci/rock-check 5.4 5.1
	@sh spec/run $(VERSIONS)

# luacheck (lua-check) with .luacheckrc: no warning anywhere.
lint:
	@luacheck -q lua spec bench bin/beeper-sim examples tools

# LuaLS definitions of the call tree, from lua/beeper/endpoints.lua and the
# OpenAPI document (spec/types_spec.lua checks that they are current).
types:
	@lua5.4 tools/gen-types.lua > types/beeper.lua.new && mv types/beeper.lua.new types/beeper.lua

# The API reference from the sources' doc comments (LDoc, lua-ldoc): build/docs/.
docs:
	@ldoc -q .

# Packs beeper-lua-<v>.src.rock from the checkout (.ci/pack-rock), then
# installs it, and `luarocks make`s the checkout, into fresh trees for 5.4
# and 5.1, offline, and makes a request from each installed rock.
rock:
	@sh .ci/pack-rock
	@sh .ci/rock-check 5.4 5.1

test: build/$(LUA)/beeper/core.so
	@sh spec/run $(LUA)

matrix: all
	@sh spec/run $(VERSIONS)

# The main job: sign-in and a QR bridge login against the bundled simulator,
# unattended, even when BEEPER_ACCESS_TOKEN is exported (the Quickstart says
# to). A real Beeper Desktop only when asked: `make demo REAL=1` (with
# BEEPER_ACCESS_TOKEN, and BEEPER_BASE_URL if not the default), interactive.
REAL ?=
demo: deps
	@$(MAKE) --no-print-directory build/5.4/beeper/core.so build/5.4/beeper/qrcode.so
	@if [ -n "$(REAL)" ] && [ -z "$${BEEPER_ACCESS_TOKEN:-}" ]; then \
		echo "make demo REAL=1 needs BEEPER_ACCESS_TOKEN (Beeper Desktop: Settings > Developers)" >&2; exit 2; fi
	@$(if $(REAL),,env -u BEEPER_ACCESS_TOKEN -u BEEPER_BASE_URL BEEPER_DEMO=$${BEEPER_DEMO-1}) \
		LUA_PATH="$(CURDIR)/lua/?.lua;$(CURDIR)/lua/?/init.lua;;" \
		LUA_CPATH="$(CURDIR)/build/5.4/?.so;;" lua5.4 examples/connect.lua $(BRIDGE) $(EMAIL)

clean:
	rm -rf build
	rm -f lua/beeper/core.so lua/beeper/qrcode.so doc/tags

# --- Sanitizers, valgrind and fuzzing (clang and valgrind from Debian) ---
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1
ASAN_RT    = $(shell clang -print-file-name=libclang_rt.asan-x86_64.so)
FUZZ_SECONDS ?= 60

build/asan/beeper/core.so: $(SRC) $(HDR)
	@mkdir -p $(dir $@)
	clang $(WARN) $(SAN_FLAGS) -fPIC -shared -I$(lua_inc_5.4) $(CURL_CFLAGS) -o $@ $(SRC) $(CURL_LIBS)

build/asan/beeper/qrcode.so: csrc/qrcode.c csrc/compat.h
	@mkdir -p $(dir $@)
	clang $(WARN) $(SAN_FLAGS) -fPIC -shared -I$(lua_inc_5.4) -o $@ csrc/qrcode.c -lqrencode

# The whole suite on Lua 5.4 with the C modules built under ASan and UBSan.
asan: build/asan/beeper/core.so build/asan/beeper/qrcode.so
	BEEPER_CHILD_PREFIX="env -u LD_PRELOAD" BEEPER_SIM_LUA="env -u LD_PRELOAD lua5.4" \
	BEEPER_WRAP="env LD_PRELOAD=$(ASAN_RT)" ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	BEEPER_BUILD=build/asan sh spec/run 5.4

# The whole suite under valgrind: any error or definite leak fails it.
valgrind: build/5.4/beeper/core.so build/5.4/beeper/qrcode.so
	SPECS="$(SPECS)" BEEPER_WRAP="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --trace-children=no" \
	BEEPER_SLOW=1 sh spec/run 5.4

# The engine, request, error and async specs under valgrind (quicker than
# the whole suite): zero errors and zero definite leaks.
MEMCHECK_SPECS := spec/core_spec.lua spec/fast_path_spec.lua spec/handle_reuse_spec.lua spec/bridges_spec.lua spec/errors_spec.lua spec/async_spec.lua spec/luv_async_spec.lua spec/event_pump_spec.lua spec/decode_spec.lua
memcheck:
	@$(MAKE) --no-print-directory valgrind SPECS="$(MEMCHECK_SPECS)"

# What CI runs besides `make check`: sanitizers, valgrind, GC stress and a
# bounded fuzzing run. Installs clang and valgrind when missing (as root).
harden:
	@sh .ci/deps .ci/packages .ci/packages-hardening
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory asan
	@$(MAKE) --no-print-directory valgrind
	@$(MAKE) --no-print-directory gc-stress
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)
	@$(MAKE) --no-print-directory fuzz-ws FUZZ_SECONDS=$(FUZZ_SECONDS)

# Benchmarks against the alternatives (installs nginx, hyperfine, the Node SDK).
bench:
	@sh bench/run

# Issue 13's contract tests (Prism from npm, mock and proxy) on every version;
# `make check` runs them in the 5.4 pass only.
contract: all
	@[ -d spec/contract/node_modules ] || npm ci --prefix spec/contract --no-audit --no-fund
	@BEEPER_CONTRACT_ALL=1 SPECS=spec/contract_spec.lua sh spec/run $(VERSIONS)

# Every version with the collector running all the time.
gc-stress: all
	BEEPER_GC_STRESS=1 sh spec/run $(VERSIONS)

build/fuzz/response_fuzz: fuzz/response_fuzz.c $(SRC) $(HDR)
	@mkdir -p $(dir $@)
	clang -std=c99 -g -O1 -fsanitize=fuzzer,address,undefined -I$(lua_inc_5.4) $(CURL_CFLAGS) \
		-o $@ fuzz/response_fuzz.c csrc/decode.c csrc/engine.c csrc/mime.c csrc/output.c csrc/result.c csrc/sockets.c -llua5.4 $(CURL_LIBS)

# Bounded fuzzing of the response path from the seed corpus.
fuzz: build/fuzz/response_fuzz
	@mkdir -p build/fuzz/corpus && cp fuzz/corpus/* build/fuzz/corpus/
	@build/fuzz/response_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=16384 -print_final_stats=1 \
		build/fuzz/corpus > build/fuzz/log 2>&1; rc=$$?; grep -E '^#[0-9]+.*DONE|stat::(number_of_executed_units|new_units_added|peak_rss)' build/fuzz/log; \
		echo "corpus: $$(ls build/fuzz/corpus | wc -l) inputs"; [ $$rc -eq 0 ] || tail -40 build/fuzz/log; exit $$rc

# The socket bookkeeping against a model of curl and of the host's watchers.
build/fuzz/sockets_fuzz: fuzz/sockets_fuzz.c csrc/sockets.c csrc/sockets.h
	@mkdir -p $(dir $@)
	clang -std=c99 -g -O1 -fsanitize=fuzzer,address,undefined $(CURL_CFLAGS) -o $@ fuzz/sockets_fuzz.c $(CURL_LIBS)

fuzz-sockets: build/fuzz/sockets_fuzz
	@build/fuzz/sockets_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 \
		> build/fuzz/sockets.log 2>&1; rc=$$?; grep -E 'stat::(number_of_executed_units|new_units_added)' build/fuzz/sockets.log; \
		[ $$rc -eq 0 ] || tail -40 build/fuzz/sockets.log; exit $$rc

# --- Neovim: what lazy.nvim's `build = "make"` (and packer's `run`) get ---
# Every Lua whose headers are installed, plus the LuaJIT build copied to
# lua/beeper/, where Neovim's runtimepath loader finds `require "beeper.core"`
# (it tries lua/<name>.so on 'runtimepath' before package.cpath), and the
# help tags. A plugin user needs only libluajit-5.1-dev, not every Lua.
AVAILABLE := $(foreach v,$(VERSIONS),$(if $(wildcard $(lua_inc_$(v))/lua.h),$(v)))
.DEFAULT_GOAL := default
.PHONY: default nvim
default: $(foreach v,$(AVAILABLE),build/$(v)/beeper/core.so build/$(v)/beeper/qrcode.so) nvim

nvim: lua/beeper/core.so lua/beeper/qrcode.so doc/tags

lua/beeper/%.so: build/jit/beeper/%.so
	cp $< $@

build/jit/beeper/core.so build/jit/beeper/qrcode.so: | $(lua_inc_jit)/lua.h

$(lua_inc_jit)/lua.h:
	@echo "Neovim needs the LuaJIT headers: apt-get install libluajit-5.1-dev" >&2; exit 1

# lazy.nvim makes the tags itself; packer and plain packpath installs do not.
doc/tags: doc/beeper.txt
	@if command -v nvim >/dev/null; then nvim --headless -u NONE -i NONE -n -c 'helptags doc' -c 'qa!'; \
	else echo "nvim not found: run :helptags doc yourself"; fi

# Issue 14: the WebSocket client's 101 check, frame stream and event decoding.
build/fuzz/ws_fuzz: fuzz/ws_fuzz.c csrc/ws.c csrc/ws.h lua/beeper/events/subscription.lua
	@mkdir -p $(dir $@)
	clang -std=c99 -g -O1 -fsanitize=fuzzer,address,undefined -I$(lua_inc_5.4) -o $@ fuzz/ws_fuzz.c csrc/ws.c \
		-llua5.4 -lwslay -lcrypto

fuzz-ws: build/fuzz/ws_fuzz
	@mkdir -p build/fuzz/ws_corpus && cp fuzz/ws_corpus/* build/fuzz/ws_corpus/
	@build/fuzz/ws_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -print_final_stats=1 build/fuzz/ws_corpus \
		> build/fuzz/ws.log 2>&1; rc=$$?; grep -E 'stat::(number_of_executed_units|new_units_added)' build/fuzz/ws.log; \
		[ $$rc -eq 0 ] || tail -40 build/fuzz/ws.log; exit $$rc
