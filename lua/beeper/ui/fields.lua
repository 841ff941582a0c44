-- What every ui does with a step's fields, whatever it asks with (a
-- terminal, vim.ui.input): the prompt text, and asking again until each
-- required field has a value.
local M = {}

-- "Label (placeholder) [optional hint]: "
function M.label(field, optional_hint)
  local text = field.label or field.name or field.id
  if field.placeholder then text = text .. " (" .. field.placeholder .. ")" end
  if field.optional then text = text .. " [" .. optional_hint .. "]" end
  return text .. ": "
end

-- ask(field, label) returns the answer, or nil to abort the flow (then
-- this returns nil). Returns { [field id] = answer } of the non-empty ones.
function M.collect(step, ask, optional_hint)
  local values = {}
  for _, f in ipairs(step.fields or {}) do
    local v
    repeat
      v = ask(f, M.label(f, optional_hint))
      if v == nil then return nil end
    until v ~= "" or f.optional
    if v ~= "" then values[f.id] = v end
  end
  return values
end

return M
