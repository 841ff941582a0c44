-- Neovim: the first blocking call (no callback, outside beeper.async) of a
-- session warns once through vim.notify, since it freezes the editor until
-- Beeper Desktop answers. vim.g.beeper_blocking_ok = true silences it.
local warned = false

local function allowed()
  local ok, v = pcall(function() return vim.g.beeper_blocking_ok end)
  return ok and v == true
end

local function show(message)
  vim.notify(message, vim.log.levels.WARN, { title = "beeper" })
end

return function(call)
  if warned or allowed() then return end
  warned = true
  local name = call.name or "a call"
  local message = string.format("beeper: %s blocked Neovim until Beeper Desktop answered;"
    .. " pass a callback (client.%s(..., function(err, result) end)) or call it inside"
    .. " beeper.async (:help beeper-blocking). This warning is shown once.", name, name)
  -- vim.notify is not allowed in a libuv callback: schedule it there.
  if vim.in_fast_event and vim.in_fast_event() then
    vim.schedule(function() show(message) end)
  else
    pcall(show, message)
  end
end
