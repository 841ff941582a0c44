-- nginx from Debian on a loopback port, answering the benchmarked calls:
-- GET a LoginSession and POST the setup response from memory, GET /v1/chats
-- (any query) with the 50-chat page from its file (too big for a config).
local M = {}

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return (s:gsub("%s+$", ""))
end

local function free_port()
  local socket = require "socket"
  local s = assert(socket.bind("127.0.0.1", 0))
  local _, port = s:getsockname()
  s:close()
  return tonumber(port)
end

local CONF = [[
worker_processes 1;
daemon on;
pid %s/nginx.pid;
error_log %s/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  client_body_temp_path %s/body;
  default_type application/json;
  server {
    listen 127.0.0.1:%d;
    location /v1/bridges/ { return 200 '%s'; }
    location = /v1/app/setup/response { return 200 '%s'; }
    location = /v1/chats { alias %s/fixtures/chats-page.json; }
  }
}
]]

-- Starts nginx; returns { url, stop = function }.
function M.start(bench_dir)
  local prefix = os.tmpname()
  os.remove(prefix)
  assert(os.execute("mkdir -p " .. prefix .. "/body"))
  local port = free_port()
  local session = read(bench_dir .. "/fixtures/login-session.json")
  local setup = read(bench_dir .. "/fixtures/setup-response.json")
  assert(not (session .. setup):find("'", 1, true), "fixtures must not contain a single quote")
  local f = assert(io.open(prefix .. "/nginx.conf", "w"))
  local dir = bench_dir
  if dir:sub(1, 1) ~= "/" then -- nginx reads a relative alias from its prefix
    local p = assert(io.popen("pwd"))
    dir = p:read("*l") .. "/" .. dir
    p:close()
  end
  f:write(CONF:format(prefix, prefix, prefix, port, session, setup, dir))
  f:close()
  local ok = os.execute("nginx -p " .. prefix .. " -c " .. prefix .. "/nginx.conf -e " .. prefix .. "/error.log")
  assert(ok == true or ok == 0, "nginx did not start (see " .. prefix .. "/error.log)")
  local url = "http://127.0.0.1:" .. port
  local server = { url = url, prefix = prefix }
  function server.stop()
    os.execute("nginx -p " .. prefix .. " -c " .. prefix .. "/nginx.conf -e " .. prefix
      .. "/error.log -s stop 2>/dev/null")
    os.execute("rm -rf " .. prefix)
  end
  -- Wait until it answers.
  for _ = 1, 100 do
    local p = io.popen("curl -s -o /dev/null -w '%{http_code}' " .. url .. "/v1/app/setup/response -d x")
    local code = p:read("*a")
    p:close()
    if code == "200" then return server end
    os.execute("sleep 0.05")
  end
  server.stop()
  error("nginx did not answer on " .. url)
end

return M
