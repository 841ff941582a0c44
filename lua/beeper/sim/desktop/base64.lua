-- Base64 (RFC 4648, standard alphabet) decoding for the JSON upload.
local M = {}

local VALUE = {}
local ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
for i = 1, 64 do VALUE[ALPHABET:sub(i, i)] = i - 1 end

local function quad(a, b, c, d)
  local n = VALUE[a] * 262144 + VALUE[b] * 4096 + VALUE[c] * 64 + VALUE[d]
  return string.char(math.floor(n / 65536), math.floor(n / 256) % 256, n % 256)
end

-- The decoded bytes, or nil for anything that is not base64.
function M.decode(s)
  s = s:gsub("[\r\n]", "")
  if #s % 4 ~= 0 or s:find("[^%w%+/=]") or s:find("=[^=]") or s:find("===$") then return nil end
  local pad = #s:match("=*$")
  local body = s:sub(1, #s - (pad > 0 and 4 or 0))
  local chunks = {}
  -- In slices, so a large upload does not build one table of millions of strings.
  for i = 1, #body, 65536 do
    chunks[#chunks + 1] = (body:sub(i, i + 65535):gsub("(.)(.)(.)(.)", quad))
  end
  if pad > 0 then
    local t = (s:sub(-4):gsub("=", "A"))
    chunks[#chunks + 1] = quad(t:sub(1, 1), t:sub(2, 2), t:sub(3, 3), t:sub(4, 4)):sub(1, 3 - pad)
  end
  return table.concat(chunks)
end

-- Encoding, for the WebSocket accept key (20 bytes) of the simulator.
function M.encode(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local q = { math.floor(n / 262144), math.floor(n / 4096) % 64, math.floor(n / 64) % 64, n % 64 }
    for k = 1, 4 do q[k] = ALPHABET:sub(q[k] + 1, q[k] + 1) end
    if not b then q[3] = "=" end
    if not c then q[4] = "=" end
    out[#out + 1] = table.concat(q)
  end
  return table.concat(out)
end

return M
