-- pcall for user code that may yield (a ui function waiting for the user:
-- take coroutine.running(), yield, get resumed from a host callback).
-- pcall is yieldable on Lua 5.2+ and LuaJIT. On PUC Lua 5.1 the function
-- runs in a coroutine of its own whose yields are passed through to the
-- caller's coroutine; so that resuming "the running coroutine" still works,
-- coroutine.running() inside it answers the caller's coroutine, as it would
-- under a real pcall.
local M = {}

if _VERSION ~= "Lua 5.1" or jit then
  M.pcall = pcall
  return M
end

local create, resume, yield, status = coroutine.create, coroutine.resume, coroutine.yield,
  coroutine.status
local raw_running = coroutine.running

-- Each inner coroutine to the coroutine it stands in for. Weak keys; the
-- values never lead back to the keys, so entries go on 5.1 too.
local outer_of = setmetatable({}, { __mode = "k" })

local function running()
  local co = raw_running()
  return co and outer_of[co] or co
end

-- Installed once, on PUC 5.1 only; for every other coroutine it answers as before.
coroutine.running = running -- luacheck: ignore 122 (meant: see above)

-- Passes the inner coroutine's yields up and what the outer one is resumed
-- with down, until the inner one ends.
local function pass(inner, ok, ...)
  if not ok or status(inner) == "dead" then
    outer_of[inner] = nil
    return ok, ...
  end
  return pass(inner, resume(inner, yield(...)))
end

function M.pcall(fn, ...)
  local outer = running()
  if outer == nil then return pcall(fn, ...) end -- main thread: nothing can yield
  -- A closure: coroutine.create takes only Lua functions on 5.1.
  local inner = create(function(...) return fn(...) end)
  outer_of[inner] = outer
  return pass(inner, resume(inner, ...))
end

return M
