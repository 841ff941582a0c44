-- A fresh Xvfb for the specs that run awesome (and the screenshots):
--   local display, stop = require("spec.xvfb").start()
-- A display number no X server uses, nor one still going away: specs run
-- awesome sessions one after another, other runs maybe beside.
local M = {}

local function free_display()
  local start = 90 + os.time() % 100
  for n = start, start + 200 do
    local lock = io.open("/tmp/.X" .. n .. "-lock")
    if lock then
      lock:close()
    else
      local sock = os.execute("test -e /tmp/.X11-unix/X" .. n)
      if not (sock == true or sock == 0) then return ":" .. n end
    end
  end
  error("no free X display")
end

-- Starts Xvfb and waits for its socket (at most 5 s); returns the display
-- and a function that stops it.
function M.start()
  local display = free_display()
  local xvfb = io.popen("Xvfb " .. display .. " -screen 0 800x600x24 -nolisten tcp >/dev/null 2>&1 & echo $!")
  local pid = xvfb:read("*l")
  xvfb:close()
  os.execute("for i in $(seq 50); do [ -S /tmp/.X11-unix/X" .. display:sub(2) .. " ] && break; sleep 0.1; done")
  return display, function() os.execute("kill " .. pid .. " 2>/dev/null") end
end

return M
