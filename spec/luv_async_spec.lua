-- Issue 12: the callback and coroutine cases of spec/async_cases.lua on the
-- luv loop, where the engine runs on socket events.
local has_luv, uv = pcall(require, "luv")
if has_luv then
  require "spec.async_cases" (_ENV or getfenv(1), "luv", uv)
else
  describe("non-blocking calls (luv loop)", function() pending("luv is not installed") end)
end
