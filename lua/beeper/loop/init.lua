--- Loop adapters: how the client gets timers, deferred calls and socket
-- readiness from its host. An adapter is a table with three functions:
--   start_timer(ms, fn) -> handle   call fn once, ms milliseconds from now
--   stop_timer(handle)              the timer must not fire any more
--   defer(fn)                       call fn soon from the host loop, not now
-- optionally report(message): show an error of user code (a logger, a
-- callback) where the host shows errors; without it they go to stderr;
-- and optionally, to be woken only when a socket or curl's deadline needs
-- it (else the engine is polled on timers while requests are in flight):
--   watch(fd, events, fn) -> handle call fn(readable, writable, err) each time
--                                   fd is ready; events is "r", "w" or "rw"
--   update(handle, events)          (optional) watch for other events
--   unwatch(handle)                 fn must not be called any more
-- Handles are the adapter's own values. fd is only ever watched once at a
-- time; it may be closed before unwatch and its number reused afterwards.
-- Plug your own (copas, cqueues, lgi/GLib) with beeper.new{ loop = adapter }.
---@class beeper.LoopAdapter
---@field start_timer fun(ms: number, fn: fun()): any
---@field stop_timer fun(handle: any)
---@field defer fun(fn: fun())
---@field report fun(message: string)?
---@field watch (fun(fd: integer, events: "r"|"w"|"rw", fn: fun(readable: boolean, writable: boolean, err: any)): any)?
---@field update fun(handle: any, events: "r"|"w"|"rw")?
---@field unwatch fun(handle: any)?

local M = {}

local NAMES = { neovim = true, awesome = true, luv = true, blocking = true }

local function is_adapter(loop)
  return type(loop) == "table" and type(loop.start_timer) == "function"
    and type(loop.stop_timer) == "function" and type(loop.defer) == "function"
    and (loop.watch == nil or type(loop.unwatch) == "function")
end

--- Picks the host's loop: Neovim, awesome, an already loaded luv, else the
-- blocking loop (scripts and tests: run it with beeper.run()).
---@return beeper.LoopAdapter
function M.detect()
  if type(vim) == "table" and (vim.uv or vim.loop) then
    return require("beeper.loop.neovim").new()
  end
  if type(awesome) == "table" and pcall(require, "gears.timer") then
    return require("beeper.loop.awesome").new()
  end
  if package.loaded.luv ~= nil then
    return require("beeper.loop.luv").new(package.loaded.luv)
  end
  return require("beeper.loop.blocking").default()
end

-- beeper.new's check of its loop option: nil (detected on the first
-- callback call, so that beeper.new loads no C module), a known name, or an
-- adapter. "luv" is made now: luv binds itself to the coroutine that first
-- requires it, so it must not be loaded later inside beeper.async or a task.
function M.check(loop)
  if loop == nil then return nil end
  if type(loop) == "string" then
    if not NAMES[loop] then
      error("beeper.new: unknown loop '" .. loop .. "' (known: neovim, awesome, luv, blocking; or an adapter table)", 3)
    end
    if loop == "luv" then return require("beeper.loop.luv").new() end
    return loop
  end
  if not is_adapter(loop) then
    error("beeper.new: a loop adapter needs start_timer, stop_timer and defer"
      .. " (and unwatch with watch)", 3)
  end
  return loop
end

-- Accepts what check() returned: nil, a name or an adapter.
function M.resolve(loop)
  if loop == nil then return M.detect() end
  if type(loop) == "string" then
    if loop == "blocking" then return require("beeper.loop.blocking").default() end
    if not NAMES[loop] then error("beeper: unknown loop '" .. loop .. "'", 3) end
    return require("beeper.loop." .. loop).new()
  end
  if not is_adapter(loop) then
    error("beeper: a loop adapter needs start_timer, stop_timer and defer"
      .. " (and unwatch with watch)", 3)
  end
  return loop
end

-- Shows an error of user code through the adapter, else on stderr. Never
-- raises: it is called where raising would stall the engine.
function M.report(adapter, message)
  message = tostring(message)
  if type(adapter) == "table" and adapter.report ~= nil and pcall(adapter.report, message) then
    return
  end
  pcall(function() io.stderr:write(message, "\n") end)
end

-- Calls user code (a callback) from the loop: protected and reported as
-- "an error in <what>", except on the blocking loop, which the script drives
-- itself (beeper.run()): there the error surfaces from run(), assertions in
-- specs included, after the engine has settled.
function M.call_user(adapter, what, fn, ...)
  if adapter and adapter.rethrow then return fn(...) end
  local ok, err = pcall(fn, ...)
  if not ok then M.report(adapter, "beeper: error in " .. what .. ": " .. tostring(err)) end
end

return M
