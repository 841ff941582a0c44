-- Standalone luv (and the base of the Neovim adapter).
local M = {}

function M.new(uv, deliver)
  uv = uv or require "luv"
  local function start_timer(ms, fn)
    local t = uv.new_timer()
    t:start(ms, 0, function()
      t:close()
      fn()
    end)
    return t
  end
  local function stop_timer(t)
    if not t:is_closing() then
      t:stop()
      t:close()
    end
  end
  return {
    name = "luv",
    start_timer = start_timer,
    stop_timer = stop_timer,
    defer = deliver or function(fn) start_timer(0, fn) end,
  }
end

return M
