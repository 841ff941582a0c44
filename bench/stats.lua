-- Medians and ranges for the benchmark tables.
local M = {}

function M.median(xs)
  local s = {}
  for i, x in ipairs(xs) do s[i] = x end
  table.sort(s)
  local n = #s
  if n == 0 then return nil end
  if n % 2 == 1 then return s[(n + 1) / 2] end
  return (s[n / 2] + s[n / 2 + 1]) / 2
end

function M.range(xs)
  local lo, hi = math.huge, -math.huge
  for _, x in ipairs(xs) do
    if x < lo then lo = x end
    if x > hi then hi = x end
  end
  return lo, hi
end

-- Runs a shell command and returns its stdout (error if it fails).
function M.capture(cmd)
  local p = assert(io.popen(cmd, "r"))
  local out = p:read("*a")
  local ok, _, code = p:close()
  if ok == nil or ok == false or (type(code) == "number" and code ~= 0 and ok ~= true) then
    error("command failed: " .. cmd .. "\n" .. out)
  end
  return out
end

-- Interleaved rounds: each round runs every contender once, in order, so a
-- slower spell of the machine hits them all. run(i) returns the contender's
-- "n wall cpu" line. Returns wall[i], cpu[i]: seconds per request, a round each.
function M.rounds(rounds, count, run, tag)
  local wall, cpu = {}, {}
  for r = 1, rounds do
    io.stderr:write(string.format("%sround %d/%d\n", tag or "", r, rounds))
    for i = 1, count do
      local out = run(i)
      local n, w, u = out:match("(%d+) ([%d.]+) ([%d.]+)")
      assert(n, "contender " .. i .. " printed: " .. out)
      wall[i], cpu[i] = wall[i] or {}, cpu[i] or {}
      table.insert(wall[i], tonumber(w) / tonumber(n))
      table.insert(cpu[i], tonumber(u) / tonumber(n))
    end
  end
  return wall, cpu
end

-- The median over rounds of b[r] / a[r]: each round's two runs are
-- neighbours in time, so a slow spell of the machine cancels out of the
-- ratio (a ratio of medians mixes rounds).
function M.paired(a, b)
  local ratios = {}
  for r = 1, math.min(#a, #b) do ratios[r] = b[r] / a[r] end
  return M.median(ratios)
end

-- Formats microseconds compactly.
function M.us(seconds)
  local us = seconds * 1e6
  if us >= 10000 then return string.format("%.0f", us) end
  if us >= 100 then return string.format("%.0f", us) end
  return string.format("%.1f", us)
end

return M
