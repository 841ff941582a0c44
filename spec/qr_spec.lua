-- QR text decodes back to the data: the half-block text is parsed back into
-- modules, written as an image, and read by zbarimg (zbar-tools), a decoder
-- independent of libqrencode.
local qr = require "beeper.ui.qr"
local helper = require "spec.helper"

local INVERSE = { [" "] = { false, false }, ["▄"] = { false, true },
                  ["▀"] = { true, false }, ["█"] = { true, true } }

-- Text lines back to rows of "dark" booleans.
local function parse(lines, invert)
  local rows = {}
  for _, line in ipairs(lines) do
    local top, bottom = {}, {}
    for ch in line:gmatch("[%z\1-\127\194-\244][\128-\191]*") do
      local pair = assert(INVERSE[ch], "unexpected glyph " .. ch)
      -- drawn means light unless inverted
      top[#top + 1] = pair[1] == invert
      bottom[#bottom + 1] = pair[2] == invert
    end
    rows[#rows + 1] = top
    rows[#rows + 1] = bottom
  end
  return rows
end

-- Writes a plain PGM, 4 pixels per module; dark modules black.
local function write_pgm(rows, path)
  local scale = 4
  local f = assert(io.open(path, "w"))
  local w, h = #rows[1] * scale, #rows * scale
  f:write("P2\n", w, " ", h, "\n255\n")
  for y = 1, h do
    local row, px = rows[math.floor((y - 1) / scale) + 1], {}
    for x = 1, w do px[x] = row[math.floor((x - 1) / scale) + 1] and "0" or "255" end
    f:write(table.concat(px, " "), "\n")
  end
  f:close()
end

local function zbar(path)
  local p = assert(io.popen(helper.child_prefix .. " zbarimg --quiet --raw " .. path .. " 2>/dev/null"))
  local out = p:read("*a")
  p:close()
  return (out:gsub("\n$", ""))
end

describe("QR rendering", function()
  local payloads = {
    "2@Q0hBTkdFTUU=,c2VjcmV0LWtleQ==,aWRlbnRpdHk=,YWR2LXNlY3JldA==",
    "https://example.com/login?token=abc&x=1",
    string.rep("0123456789", 20),
  }
  for i, data in ipairs(payloads) do
    for _, invert in ipairs { false, true } do
      it("decodes back to payload " .. i .. (invert and " (inverted)" or ""), function()
        local lines = assert(qr.lines(data, { invert = invert }))
        local path = os.tmpname() .. ".pgm"
        write_pgm(parse(lines, invert), path)
        local decoded = zbar(path)
        os.remove(path)
        assert.are.equal(data, decoded)
      end)
    end
  end

  it("keeps a quiet zone and two modules per character", function()
    local m = assert(qr.matrix("hello", { quiet = 4 }))
    assert.are.equal(21 + 8, #m)
    for x = 1, #m do assert.is_false(m[1][x]) end
    local lines = qr.lines("hello", { quiet = 4 })
    assert.are.equal(math.ceil(#m / 2), #lines)
  end)

  it("returns an error for data that does not fit", function()
    local r, err = qr.render(string.rep("x", 8000))
    assert.is_nil(r)
    assert.matches("too large", err)
  end)
end)
