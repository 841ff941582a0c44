-- Live events over the Desktop API's WebSocket (/v1/ws), two forms:
--   local sub = client.events.subscribe(opts, function(err, event) ... end)
--   for event, err in client.events.iter(opts) do ... end   -- scripts
-- The callback form runs on the client's loop (Neovim, awesome, luv, or the
-- blocking loop driven by beeper.run()); see beeper.events.subscription.
local subscription = require "beeper.events.subscription"
local errors = require "beeper.transport.errors"

local M = {}

-- The client's subscriptions, for client:close() to end them too. Weak: a
-- subscription the user dropped after closing it must not stay listed.
local function track(client, sub)
  client._subscriptions = client._subscriptions or setmetatable({}, { __mode = "k" })
  client._subscriptions[sub] = true
  return sub
end

function M.subscribe(client, token, opts, fn)
  return track(client, subscription.new(client, token, opts, fn, client:pump().loop))
end

-- The blocking form: an iterator over events on a private blocking loop.
-- Each step returns the next event; false, err for a disconnect (the
-- subscription reconnects by itself) or, with opts.wait (seconds), when no
-- event came that long (err.kind "timeout", err.idle = true); nil once the
-- subscription has ended for good. it.sub is the subscription (set_chats);
-- it:close() ends it (also <close> on 5.4, and a `break` then it:close()).
function M.iter(client, token, opts)
  local loop = require("beeper.loop.blocking").new()
  local queue, head, tail = {}, 1, 0
  local sub = track(client, subscription.new(client, token, opts, function(err, ev)
    tail = tail + 1
    queue[tail] = { err, ev }
  end, loop))
  local wait = opts and opts.wait
  local it = { sub = sub }
  local function step()
    if queue[head] == nil and sub.state ~= "closed" then
      local timed_out, timer = false, nil
      if wait then timer = loop.start_timer(math.max(1, math.floor(wait * 1000)), function() timed_out = true end) end
      loop:run(function() return queue[head] ~= nil or timed_out or sub.state == "closed" end)
      if timer then loop.stop_timer(timer) end
      if queue[head] == nil and timed_out then
        return false, errors.new { kind = "timeout", idle = true,
          message = string.format("no event within %gs", wait), method = "GET", path = "/v1/ws" }
      end
    end
    local item = queue[head]
    if item == nil then return nil end
    queue[head] = nil
    head = head + 1
    if item[1] then return false, item[1] end
    return item[2]
  end
  function it.close()
    sub:close()
    loop:run() -- the close handshake, a second at most
  end
  return setmetatable(it, { __call = function() return step() end, __close = function() it.close() end })
end

return M
