-- Request validation for the simulated Desktop API, from small schemas that
-- mirror the OpenAPI description: query parameters (strings converted to
-- their types) and JSON bodies. Problems come back as the API's validation
-- issues, {code, message, path}, for a 400 answer.
--   spec = { type = "string" | "date-time" | "boolean" | "integer" | "number"
--            | "array" | "object" | "map", required, nullable, enum = {...},
--            min, max, min_len, max_len, min_items, items = spec,
--            fields = { name = spec } (object), values = spec (map) }
local clock = require "beeper.sim.clock"
local NULL = require("cjson").null

local M = {}

local function add(issues, code, message, path)
  local p = {}
  for i, v in ipairs(path) do p[i] = v end
  issues[#issues + 1] = { code = code, message = message, path = p }
end

local function push(path, key)
  local p = {}
  for i, v in ipairs(path) do p[i] = v end
  p[#p + 1] = key
  return p
end

local function is_array(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n == #t
end

local function in_enum(v, enum)
  for _, e in ipairs(enum) do if e == v then return true end end
  return false
end

local function where(path)
  return table.concat(path, ".")
end

-- Checks a decoded JSON value against spec; appends issues.
function M.value(v, spec, path, issues)
  local t, name = spec.type, where(path)
  if v == NULL then
    if not spec.nullable then add(issues, "invalid_type", name .. " must not be null", path) end
    return
  end
  if t == "string" or t == "date-time" then
    if type(v) ~= "string" then return add(issues, "invalid_type", name .. " must be a string", path) end
    if spec.min_len and #v < spec.min_len then
      add(issues, "too_small", name .. " must be at least " .. spec.min_len .. " characters", path)
    end
    if spec.max_len and #v > spec.max_len then
      add(issues, "too_big", name .. " must be at most " .. spec.max_len .. " characters", path)
    end
    if t == "date-time" and not clock.parse(v) then
      add(issues, "invalid_string", name .. " must be an ISO 8601 date-time with a zone", path)
    end
  elseif t == "boolean" then
    if type(v) ~= "boolean" then return add(issues, "invalid_type", name .. " must be a boolean", path) end
  elseif t == "integer" or t == "number" then
    if type(v) ~= "number" or v ~= v then return add(issues, "invalid_type", name .. " must be a number", path) end
    if t == "integer" and math.floor(v) ~= v then
      return add(issues, "invalid_type", name .. " must be an integer", path)
    end
    if spec.min and v < spec.min then add(issues, "too_small", name .. " must be >= " .. spec.min, path) end
    if spec.max and v > spec.max then add(issues, "too_big", name .. " must be <= " .. spec.max, path) end
  elseif t == "array" then
    if type(v) ~= "table" or not is_array(v) then
      return add(issues, "invalid_type", name .. " must be an array", path)
    end
    if spec.min_items and #v < spec.min_items then
      add(issues, "too_small", name .. " must have at least " .. spec.min_items .. " items", path)
    end
    for i, item in ipairs(v) do M.value(item, spec.items, push(path, i - 1), issues) end
  elseif t == "object" or t == "map" then
    if type(v) ~= "table" or (next(v) ~= nil and is_array(v)) then
      return add(issues, "invalid_type", name .. " must be an object", path)
    end
    if t == "map" then
      for k, item in pairs(v) do M.value(item, spec.values, push(path, k), issues) end
      return
    end
    for k, item in pairs(v) do
      local f = spec.fields[k]
      if f then M.value(item, f, push(path, k), issues)
      else add(issues, "unrecognized_keys", "unknown field '" .. tostring(k) .. "' in " .. name, path) end
    end
    for k, f in pairs(spec.fields) do
      if f.required and v[k] == nil then add(issues, "invalid_type", where(push(path, k)) .. " is required", push(path, k)) end
    end
  end
  if spec.enum and not in_enum(v, spec.enum) then
    add(issues, "invalid_enum_value", name .. " must be one of " .. table.concat(spec.enum, ", "), path)
  end
end

-- A query string value converted to the spec's type, or nil.
local function convert(s, spec)
  local t = spec.type
  if t == "boolean" then
    if s == "true" then return true elseif s == "false" then return false end
    return nil
  elseif t == "integer" then
    return s:match("^%-?%d+$") and tonumber(s) or nil
  elseif t == "number" then
    return tonumber(s)
  end
  return s
end

-- Query parameters (name -> list of strings) against a schema (name ->
-- spec): the typed values, or nil and the issues. Unknown names, repeated
-- scalar names and values of the wrong type are issues.
function M.query(params, schema)
  local out, issues = {}, {}
  for name, list in pairs(params) do
    local spec, path = schema[name], { "query", name }
    if not spec then
      add(issues, "unrecognized_keys", "unknown query parameter '" .. name .. "'", path)
    elseif spec.type == "array" then
      local values = {}
      for i, s in ipairs(list) do
        local v = convert(s, spec.items)
        if v == nil then add(issues, "invalid_type", name .. " has a value of the wrong type: '" .. s .. "'", path)
        else values[i] = v; M.value(v, spec.items, path, issues) end
      end
      out[name] = values
    elseif #list > 1 then
      add(issues, "invalid_type", name .. " must be given once", path)
    else
      local v = convert(list[1], spec)
      if v == nil then
        add(issues, "invalid_type", name .. " must be " .. (spec.type == "integer" and "an " or "a ") .. spec.type
          .. ", got '" .. list[1] .. "'", path)
      else
        out[name] = v
        M.value(v, spec, path, issues)
      end
    end
  end
  for name, spec in pairs(schema) do
    if spec.required and out[name] == nil and params[name] == nil then
      add(issues, "invalid_type", "query parameter '" .. name .. "' is required", { "query", name })
    end
  end
  if #issues > 0 then return nil, issues end
  return out
end

-- A decoded JSON body against an object spec: true, or nil and the issues.
function M.body(value, spec)
  local issues = {}
  M.value(value, spec, { "body" }, issues)
  if #issues > 0 then return nil, issues end
  return true
end

return M
