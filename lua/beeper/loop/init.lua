-- Loop adapters: how the client gets timers and deferred calls from its host.
-- An adapter is a table with three functions:
--   start_timer(ms, fn) -> handle   call fn once, ms milliseconds from now
--   stop_timer(handle)              the timer must not fire any more
--   defer(fn)                       call fn soon from the host loop, not now
-- Plug your own (copas, cqueues, lgi/GLib) with beeper.new{ loop = adapter }.
local M = {}

local function has_module(name)
  return package.loaded[name] ~= nil
end

-- Picks the host's loop: Neovim, awesome, an already loaded luv, else the
-- blocking loop (scripts and tests: run it with beeper.run()).
function M.detect()
  if type(vim) == "table" and (vim.uv or vim.loop) then
    return require("beeper.loop.neovim").new()
  end
  if type(awesome) == "table" and pcall(require, "gears.timer") then
    return require("beeper.loop.awesome").new()
  end
  if has_module("luv") then
    return require("beeper.loop.luv").new(package.loaded.luv)
  end
  return require("beeper.loop.blocking").default()
end

-- Accepts an adapter table or one of the names above.
function M.resolve(loop)
  if loop == nil then return M.detect() end
  if type(loop) == "string" then
    if loop == "blocking" then return require("beeper.loop.blocking").default() end
    local ok, mod = pcall(require, "beeper.loop." .. loop)
    if not ok then error("beeper: unknown loop '" .. loop .. "'", 3) end
    return mod.new()
  end
  if type(loop) ~= "table" or type(loop.start_timer) ~= "function"
      or type(loop.stop_timer) ~= "function" or type(loop.defer) ~= "function" then
    error("beeper: a loop adapter needs start_timer, stop_timer and defer", 3)
  end
  return loop
end

return M
