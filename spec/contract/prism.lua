-- Prism for the contract spec: starts spec/contract/prism.js (Prism behind a
-- recording tap) as a background child and talks to the tap with beeper's
-- own C core.
--   local prism = dofile("spec/contract/prism.lua")
--   local p = prism.start("mock")  or  prism.start("proxy", upstream_url)
--   p:wait()                    -- blocks until Prism listens; p.url is the tap
--   p:exchanges(), p:clear()    -- what went through since the last clear
--   p:stop()
-- Several can be started before waiting on any: Prism takes seconds to start.
-- Like beeper.sim, the child runs with its output in a file and watches this
-- process (CONTRACT_PARENT): it ends with it even if stop() is never called.
local core = require "beeper.core"
local proc = require "beeper.sim.proc"

local M = {}

M.dir = "spec/contract"
M.spec = M.dir .. "/desktop-api-openapi-5.0.0.json"
local START_LIMIT, STOP_LIMIT = 60, 3 -- seconds

local Prism = {}
Prism.__index = Prism

local quote, read_file, alive = proc.quote, proc.read_file, proc.alive

-- Why Prism cannot run here, or nil when it can.
function M.missing()
  local found = os.execute("command -v node >/dev/null 2>&1")
  if found ~= true and found ~= 0 then -- 5.1 gives a status, later versions true/nil
    return "node is not installed (Debian: apt-get install nodejs npm)"
  end
  if not io.open(M.dir .. "/node_modules/@stoplight/prism-cli/package.json", "r") then
    return "Prism is not installed: run npm ci --prefix spec/contract"
  end
end

function M.start(mode, upstream)
  local log = os.tmpname()
  -- BEEPER_CHILD_PREFIX keeps `make asan`'s preloaded runtime out of node.
  local cmd = "CONTRACT_PARENT=$PPID " .. (os.getenv("BEEPER_CHILD_PREFIX") or "") .. " node "
    .. quote(M.dir .. "/prism.js") .. " " .. mode .. " "
    .. quote(M.spec) .. (upstream and " " .. quote(upstream) or "")
    .. " >" .. quote(log) .. " 2>&1 </dev/null & echo $!"
  local p = assert(io.popen(cmd, "r"))
  local pid = tonumber(p:read("*l"))
  p:close()
  assert(pid, "could not start node")
  return setmetatable({ mode = mode, pid = pid, log = log }, Prism)
end

function Prism:output()
  return (read_file(self.log):gsub("%s+$", ""))
end

function Prism:wait()
  local deadline = core.now() + START_LIMIT
  while not self.url do
    self.url = read_file(self.log):match("CONTRACT_LISTENING (%S+)\n")
    if not self.url then
      if not alive(self.pid) or core.now() > deadline then
        local out = self:output()
        self:stop()
        error("Prism " .. self.mode .. " did not start: " .. out, 2)
      end
      core.sleep(0.01)
    end
  end
  return self
end

function Prism:call(method, what)
  self.core = self.core or core.client { max_body = 64 * 1024 * 1024 }
  local id = assert(self.core:start(method, self.url .. "/__contract/" .. what, {}, nil, 10000, 5000))
  local status, value = self.core:run(id)
  assert(status == 200, "tap: " .. tostring(value))
  return value
end

function Prism:exchanges() return self:call("GET", "exchanges") end
function Prism:clear() self:call("DELETE", "exchanges") end

-- Ends the child (which ends Prism) and waits for it; safe to call twice.
function Prism:stop()
  if self.stopped then return end
  self.stopped = true
  if self.core then self.core:close() end
  os.execute("kill -TERM " .. self.pid .. " 2>/dev/null")
  local deadline = core.now() + STOP_LIMIT
  while alive(self.pid) and core.now() < deadline do core.sleep(0.01) end
  if alive(self.pid) then os.execute("kill -KILL " .. self.pid .. " 2>/dev/null") end
  os.remove(self.log)
end

return M
