--- QR codes for a `qr` display (bridge logins) as text: two modules per
-- character with Unicode half blocks, for a terminal or a Neovim buffer.
-- The symbol itself comes from libqrencode (beeper.qrcode).
local M = {}

local GLYPH = { [0] = " ", [1] = "▄", [2] = "▀", [3] = "█" } -- bits: top 2, bottom 1

-- The symbol as rows of booleans (true: dark), with `quiet` light modules
-- around it (4 by default, as the standard asks).
---@class beeper.QrOptions
---@field invert boolean? draw the dark modules instead of the light ones
---@field quiet integer? light border in modules (default 4)
---@field level ("L"|"M"|"Q"|"H")? error correction

---@param data string
---@param opts beeper.QrOptions?
---@return boolean[][]
function M.matrix(data, opts)
  opts = opts or {}
  local rows, err = require("beeper.qrcode").encode(data, opts.level)
  if not rows then return nil, err end
  local quiet = opts.quiet or 4
  local width = #rows
  local size = width + 2 * quiet
  local out = {}
  for y = 1, size do
    local line, src = {}, rows[y - quiet]
    for x = 1, size do
      local sx = x - quiet
      line[x] = src ~= nil and sx >= 1 and sx <= width and src:byte(sx) == 49 -- "1"
    end
    out[y] = line
  end
  return out
end

--- Text lines. By default light modules are drawn (full blocks read as light
-- on a dark terminal); invert = true draws the dark ones instead.
---@param data string
---@param opts beeper.QrOptions?
---@return string[]
function M.lines(data, opts)
  opts = opts or {}
  local m, err = M.matrix(data, opts)
  if not m then return nil, err end
  local draw_dark = opts.invert == true
  local function on(y, x)
    local row = m[y]
    if row == nil then return false end -- below an odd last row
    return row[x] == draw_dark
  end
  local lines = {}
  for y = 1, #m, 2 do
    local chars = {}
    for x = 1, #m do
      chars[x] = GLYPH[(on(y, x) and 2 or 0) + (on(y + 1, x) and 1 or 0)]
    end
    lines[#lines + 1] = table.concat(chars)
  end
  return lines
end

--- The QR code as text, two modules per character (also `beeper.qr.render`).
---@param data string
---@param opts beeper.QrOptions?
---@return string
function M.render(data, opts)
  local lines, err = M.lines(data, opts)
  if not lines then return nil, err end
  return table.concat(lines, "\n")
end

return M
