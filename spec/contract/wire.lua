-- The contract spec's view of the wire: a table row's request as bytes for
-- the raw C core, the operation a recorded request went to, and how a
-- recorded request differs from what the row says.
local cjson = require("cjson").new()

local M = {}

local function pct(s)
  return (s:gsub("[^A-Za-z0-9%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

function M.unpct(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- Query values as the spec's wire has them: booleans and integers as text.
local function text(v)
  if type(v) == "number" and v == math.floor(v) then return string.format("%d", v) end
  return tostring(v)
end

-- {name = value or list} -> name -> list of strings
local function query_lists(q)
  local out = {}
  for k, v in pairs(q or {}) do
    local list = {}
    for _, item in ipairs(type(v) == "table" and v or { v }) do list[#list + 1] = text(item) end
    out[k] = list
  end
  return out
end

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

-- The tap sends request bodies in base64: they may be any bytes.
function M.unbase64(s)
  local out, bits, n = {}, 0, 0
  for c in s:gmatch("[^=%s]") do
    bits, n = bits * 64 + (B64:find(c, 1, true) - 1), n + 6
    if n >= 8 then
      n = n - 8
      local byte = math.floor(bits / 2 ^ n)
      out[#out + 1] = string.char(byte)
      bits = bits - byte * 2 ^ n
    end
  end
  return table.concat(out)
end

local read_file = require("spec.helper").read_file

local BOUNDARY = "contract-spec-boundary-7d3f"

-- method, url, header lines, body of a row's wire description w.
function M.request(base, token, w)
  local path = w[2]:gsub("[^/]+", pct)
  local q, names = query_lists(w.query), {}
  for k in pairs(q) do names[#names + 1] = k end
  table.sort(names)
  local parts = {}
  for _, k in ipairs(names) do
    for _, v in ipairs(q[k]) do parts[#parts + 1] = pct(k) .. "=" .. pct(v) end
  end
  local url = base .. path .. (#parts > 0 and "?" .. table.concat(parts, "&") or "")
  local headers = { "Accept: " .. (w.accept or "application/json"), "Authorization: Bearer " .. token }
  local body
  if w.json then
    headers[#headers + 1] = "Content-Type: application/json"
    body = cjson.encode(w.json)
  elseif w.multipart then
    headers[#headers + 1] = "Content-Type: multipart/form-data; boundary=" .. BOUNDARY
    local out = {}
    for name, v in pairs(w.multipart) do
      if type(v) == "table" then
        out[#out + 1] = string.format('--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
          .. "Content-Type: application/octet-stream\r\n\r\n%s\r\n", BOUNDARY, name, v.path:match("[^/]+$"), read_file(v.path))
      else
        out[#out + 1] = string.format('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n', BOUNDARY, name, v)
      end
    end
    body = table.concat(out) .. "--" .. BOUNDARY .. "--\r\n"
  end
  return w[1], url, headers, body
end

-- The operations of the OpenAPI document, to name the one a request went to.
function M.operations(doc)
  local ops = {}
  for template, item in pairs(doc.paths) do
    for method, op in pairs(item) do
      if type(op) == "table" and op.operationId then
        local holes = select(2, template:gsub("{", ""))
        local pattern = "^" .. template:gsub("[%-%.]", "%%%0"):gsub("{[^}]+}", "[^/]+") .. "$"
        ops[#ops + 1] = { id = op.operationId, method = method:upper(), pattern = pattern, holes = holes,
                          template = template }
      end
    end
  end
  -- /v1/chats/search before /v1/chats/{chatID}: literal segments win.
  table.sort(ops, function(a, b)
    if a.holes ~= b.holes then return a.holes < b.holes end
    return a.id < b.id
  end)
  return ops
end

function M.operation_of(ops, method, url)
  local path = url:match("^[^?]*")
  for _, op in ipairs(ops) do
    if op.method == method and path:match(op.pattern) then return op.id end
  end
end

local function parse_query(url)
  local out = {}
  local q = url:match("%?(.*)$") or ""
  for pair in q:gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=?(.*)$")
    k, v = M.unpct((k:gsub("%+", " "))), M.unpct((v:gsub("%+", " ")))
    out[k] = out[k] or {}
    table.insert(out[k], v)
  end
  return out
end

local function same(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) ~= "table" then return a == b end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

local function show(v)
  if type(v) == "table" then
    local ok, s = pcall(cjson.encode, v)
    return ok and s or tostring(v)
  end
  return tostring(v)
end

-- The parts of a multipart/form-data body: name -> {value =, filename =}.
local function parse_multipart(ctype, body)
  local boundary = ctype and (ctype:match('boundary="([^"]+)"') or ctype:match("boundary=([^;%s]+)"))
  if not boundary then return nil end
  local out, delim = {}, "--" .. boundary
  local at = 1
  while true do
    local s = body:find(delim, at, true)
    if not s then break end
    local head_start = s + #delim
    if body:sub(head_start, head_start + 1) == "--" then break end
    local head_end = body:find("\r\n\r\n", head_start, true)
    if not head_end then break end
    local next_s = body:find("\r\n" .. delim, head_end + 4, true)
    if not next_s then break end
    local head = body:sub(head_start, head_end)
    local name = head:match('name="([^"]*)"')
    if name then
      out[name] = { value = body:sub(head_end + 4, next_s - 1), filename = head:match('filename="([^"]*)"') }
    end
    at = next_s + 2
  end
  return out
end

-- What differs between a recorded exchange ex and the row's wire w: a list
-- of sentences, empty when the request is the one the row describes.
function M.differences(ex, w)
  local d = {}
  if ex.method ~= w[1] then d[#d + 1] = "method " .. ex.method .. ", want " .. w[1] end
  local path = M.unpct(ex.url:match("^[^?]*"))
  if path ~= w[2] then d[#d + 1] = "path " .. path .. ", want " .. w[2] end
  local got, want = parse_query(ex.url), query_lists(w.query)
  if not same(got, want) then d[#d + 1] = "query " .. show(got) .. ", want " .. show(want) end
  local body = M.unbase64(ex.request_body or "")
  if w.multipart then
    local parts = parse_multipart(ex.request_type, body)
    if not (ex.request_type or ""):match("^multipart/form%-data") or not parts then
      d[#d + 1] = "body is not multipart/form-data (" .. tostring(ex.request_type) .. ")"
    else
      for name, v in pairs(w.multipart) do
        local want_value = type(v) == "table" and read_file(v.path) or v
        if not parts[name] then
          d[#d + 1] = "multipart field " .. name .. " missing"
        elseif parts[name].value ~= want_value then
          d[#d + 1] = "multipart field " .. name .. " differs (" .. #parts[name].value .. " bytes, want " .. #want_value .. ")"
        end
      end
      for name in pairs(parts) do
        if w.multipart[name] == nil then d[#d + 1] = "unexpected multipart field " .. name end
      end
    end
  elseif w.json then
    if not (ex.request_type or ""):match("^application/json") then
      d[#d + 1] = "Content-Type " .. tostring(ex.request_type) .. ", want application/json"
    end
    local ok, decoded = pcall(cjson.decode, body)
    if not ok or not same(decoded, w.json) then d[#d + 1] = "body " .. body .. ", want " .. show(w.json) end
  elseif body ~= "" and body ~= "{}" then
    d[#d + 1] = "a body (" .. body:sub(1, 200) .. ") where the row sends none"
  end
  return d
end

return M
