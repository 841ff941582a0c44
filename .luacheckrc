-- luacheck (Debian's lua-check) over lua/ and spec/: `make lint`, part of
-- `make check`.
std = "max"                     -- one tree for 5.1, LuaJIT, 5.3 and 5.4
read_globals = { "vim", "awesome", "jit", "newproxy", "setfenv" }
max_line_length = false         -- long lines are messages and data, wrapped by hand
self = false                    -- a method need not use self
exclude_files = { "spec/contract/node_modules/**", "build/**" }
-- Specs: busted's globals; callbacks with fixed signatures and locals that
-- shadow the helper's names are normal there.
files["spec/**"] = { std = "+busted", unused_args = false, ignore = { "431" } }
-- Neovim programs of the specs stand in for the user: they replace
-- vim.notify, vim.ui.select/input and vim.health as a user's config does.
files["spec/hosts/nvim_*.lua"] = { globals = { "vim" } }
