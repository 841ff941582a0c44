-- awesome-wm: its GLib main loop through lgi. Sockets are GLib unix fd
-- sources, timers GLib timeouts; callbacks go through gears' delayed calls.
local report = require("beeper.loop").report

local M = {}

-- GLib conditions for the watch modes; ERR and HUP always come.
local CONDITIONS = { r = { "IN" }, w = { "OUT" }, rw = { "IN", "OUT" } }

function M.new()
  local gears_timer = require "gears.timer"
  local GLib = require("lgi").GLib
  local PRIORITY = GLib.PRIORITY_DEFAULT
  -- awesome runs delayed calls (where callbacks arrive) inside its poll
  -- function, after GLib computed what to poll and how long to sleep: a
  -- source added there would not be looked at until some other event woke
  -- the loop. Waking the main context makes GLib look again.
  local context = GLib.MainContext.default()
  local adapter = { name = "awesome" }

  local function call(fn, ...)
    local ok, err = pcall(fn, ...)
    if not ok then report(adapter, "beeper: error in a loop callback: " .. tostring(err)) end
  end

  -- A source is removed either by its callback returning false or by
  -- source_remove, never both (GLib warns about a removed source id):
  -- `id` is nil once the source is gone or going.
  local function remove(token)
    local id = token.id
    token.id = nil
    if id and token.in_call ~= id then GLib.source_remove(id) end
  end

  function adapter.start_timer(ms, fn)
    local token = {}
    token.id = GLib.timeout_add(PRIORITY, ms, function()
      if token.id == nil then return false end
      token.id = nil
      call(fn)
      return false
    end)
    context:wakeup()
    return token
  end
  adapter.stop_timer = remove

  local function add_watch(token, events)
    local id
    id = GLib.unix_fd_add_full(PRIORITY, token.fd, CONDITIONS[events], function(_, cond)
      if token.id ~= id then return false end
      token.in_call = id
      call(token.fn, cond.IN == true, cond.OUT == true,
        (cond.ERR or cond.HUP or cond.NVAL) and "error" or nil)
      token.in_call = nil
      return token.id == id
    end)
    token.id, token.events = id, events
    context:wakeup()
  end

  function adapter.watch(fd, events, fn)
    local token = { fd = fd, fn = fn }
    add_watch(token, events)
    return token
  end

  function adapter.update(token, events)
    if token.id ~= nil and token.events ~= events then
      remove(token)
      add_watch(token, events)
    end
  end
  adapter.unwatch = remove

  adapter.defer = function(fn) gears_timer.delayed_call(fn) end
  -- rc.lua shows debug::error as a naughty notification; deferred so that
  -- a handler that raises cannot reach the engine.
  adapter.report = function(message)
    gears_timer.delayed_call(function() awesome.emit_signal("debug::error", message) end)
  end
  return adapter
end

return M
