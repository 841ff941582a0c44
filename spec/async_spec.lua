-- Callback and coroutine calls on the blocking loop (spec/async_cases.lua;
-- the same cases on luv's socket events: spec/luv_async_spec.lua).
require "spec.async_cases" (_ENV or getfenv(1), "blocking")
