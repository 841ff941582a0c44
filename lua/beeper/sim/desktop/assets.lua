-- Assets: multipart and base64 uploads, download (mxc:// to a local file
-- URL) and serve (the bytes, with Range). Uploads stay in memory; their
-- file:// srcURL and the mxc:// URL a sent attachment gets both serve them.
local multipart = require "beeper.sim.multipart"
local base64 = require "beeper.sim.desktop.base64"
local util = require "beeper.sim.desktop.util"

local M = {}

local DIR = "/tmp/beeper-sim"

local MAGIC = { { "^\137PNG\r\n\26\n", "image/png" }, { "^\255\216\255", "image/jpeg" }, { "^GIF8[79]a", "image/gif" },
  { "^%%PDF%-", "application/pdf" }, { "^RIFF....WEBP", "image/webp" }, { "^....ftyp", "video/mp4" },
  { "^OggS", "audio/ogg" }, { "^ID3", "audio/mpeg" } }
local EXT = { ["image/png"] = ".png", ["image/jpeg"] = ".jpg", ["image/gif"] = ".gif", ["application/pdf"] = ".pdf",
  ["image/webp"] = ".webp", ["video/mp4"] = ".mp4", ["audio/ogg"] = ".ogg", ["audio/mpeg"] = ".mp3" }

local function detect(bytes)
  for _, m in ipairs(MAGIC) do
    if bytes:find(m[1]) then return m[2] end
  end
  return "application/octet-stream"
end

-- Width and height of a PNG or GIF, from its header.
local function dimensions(bytes, mime)
  if mime == "image/png" and #bytes >= 24 then
    local function be32(i)
      local a, b, c, d = bytes:byte(i, i + 3)
      return ((a * 256 + b) * 256 + c) * 256 + d
    end
    return be32(17), be32(21)
  elseif mime == "image/gif" and #bytes >= 10 then
    local a, b, c, d = bytes:byte(7, 10)
    return a + b * 256, c + d * 256
  end
end

local function path_escape(s)
  return (s:gsub("[^%w%-%._~]", function(ch) return string.format("%%%02X", ch:byte()) end))
end

local function store(model, bytes, file_name, mime)
  local id = model:next_name("upload-")
  mime = mime or detect(bytes)
  file_name = file_name or (id .. (EXT[mime] or ".bin"))
  local path = DIR .. "/uploads/" .. id .. "/" .. file_name
  local w, h = dimensions(bytes, mime)
  local up = { uploadID = id, path = path, url = "file://" .. DIR .. "/uploads/" .. id .. "/" .. path_escape(file_name),
    bytes = bytes, mimeType = mime, fileName = file_name, width = w, height = h }
  model.uploads[id] = up
  model:add_asset { url = up.url, mimeType = mime, fileName = file_name, bytes = bytes, width = w, height = h }
  return 200, { uploadID = id, srcURL = up.url, fileName = file_name, mimeType = mime, fileSize = #bytes,
    width = w, height = h }
end

-- The multipart form: file (required), fileName, mimeType.
function M.upload(model, ctx)
  local boundary = multipart.boundary(ctx.req.headers["content-type"])
  if not boundary then
    return util.err(400, "INVALID_CONTENT_TYPE", "send multipart/form-data with a boundary")
  end
  local parts, why = multipart.parse(ctx.req.body, boundary)
  if not parts then return util.err(400, "INVALID_MULTIPART", why) end
  local fields, file = {}, nil
  for _, p in ipairs(parts) do
    if p.name == "file" then file = p
    elseif p.name == "fileName" or p.name == "mimeType" then fields[p.name] = p.data
    else return util.err(400, "VALIDATION_ERROR", "unknown form field '" .. tostring(p.name) .. "'") end
  end
  if not file then
    return util.err(400, "VALIDATION_ERROR", "the form field 'file' is required",
      { issues = { { code = "invalid_type", message = "file is required", path = { "body", "file" } } } })
  end
  local part_type = file.content_type
  if part_type == "application/octet-stream" then part_type = nil end -- curl's default says nothing
  return store(model, file.data, fields.fileName or file.filename, fields.mimeType or part_type)
end

function M.upload_base64(model, ctx)
  local b = ctx.body
  local bytes = base64.decode(b.content)
  if not bytes then return util.err(400, "INVALID_BASE64", "content is not valid base64") end
  return store(model, bytes, b.fileName, b.mimeType)
end

function M.download(model, ctx)
  local url = ctx.body.url
  if not (url:match("^mxc://") or url:match("^localmxc://")) then
    return util.err(400, "INVALID_URL", "url must be an mxc:// or localmxc:// URL")
  end
  local a = model.assets[url]
  if not a then return util.not_found("asset", url) end
  if not a.local_url then
    a.local_url = "file://" .. DIR .. "/media/" .. path_escape(url:gsub("^%a+://", "")) .. "/" .. path_escape(a.fileName or "file")
    model.assets[a.local_url] = a
  end
  return 200, { srcURL = a.local_url }
end

local function etag(model, a)
  local h = 0
  for i = 1, #a.url do h = (h * 31 + a.url:byte(i)) % 2147483647 end
  return string.format('"%x-%x"', h, model:asset_size(a))
end

-- Range: bytes=a-b | a- | -n (one range; several are answered in full).
local function range(header, size)
  local spec = header and header:match("^%s*[Bb][Yy][Tt][Ee][Ss]%s*=%s*(.-)%s*$")
  if not spec or spec:find(",") then return nil end
  local a, b = spec:match("^(%d*)%s*%-%s*(%d*)$")
  if not a or (a == "" and b == "") then return false end
  if a == "" then
    local n = tonumber(b)
    if n == 0 or size == 0 then return false end
    return math.max(0, size - n), size - 1
  end
  local first, last = tonumber(a), b == "" and size - 1 or math.min(tonumber(b), size - 1)
  if first >= size or last < first then return false end
  return first, last
end

function M.serve(model, ctx)
  local url = ctx.query.url
  local a = model.assets[url]
  if not a then return util.not_found("asset", url) end
  local size, tag = model:asset_size(a), etag(model, a)
  local headers = { ["Content-Type"] = "application/octet-stream", ["Accept-Ranges"] = "bytes", ETag = tag }
  if ctx.req.headers["if-none-match"] == tag then return 304, nil, headers end
  local first, last = range(ctx.req.headers.range, size)
  if first == false then
    headers["Content-Range"] = "bytes */" .. size
    headers["Content-Type"] = nil
    return 416, nil, headers
  end
  local bytes = model:bytes(a)
  if first == nil then return 200, nil, headers, bytes end
  headers["Content-Range"] = string.format("bytes %d-%d/%d", first, last, size)
  return 206, nil, headers, bytes:sub(first + 1, last + 1)
end

return M
