-- Writes types/beeper.lua, the LuaLS (---@meta) description of the call
-- tree: one class per namespace, one per call's parameters, the answers'
-- shapes from the Desktop API's OpenAPI document, generated from
-- lua/beeper/endpoints.lua so that the types follow the calls.
--   lua tools/gen-types.lua > types/beeper.lua      (make types)
-- spec/types_spec.lua checks that the file is what this script writes.
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
local endpoints = require "beeper.endpoints"
local cjson = require("cjson").new()

local OPENAPI = "spec/contract/desktop-api-openapi-5.0.0.json"

local out = {}
local function w(...) out[#out + 1] = table.concat({ ... }) end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

-- The OpenAPI schemas as LuaLS types.
local api
do
  local f = assert(io.open(OPENAPI, "rb"))
  api = cjson.decode(f:read("*a"))
  f:close()
end
local schemas = api.components.schemas

local function one_line(s)
  return (tostring(s or ""):gsub("%s+", " "):gsub("^ ", ""):gsub(" $", ""))
end

local lua_type -- forward

local function union(list)
  local parts, seen = {}, {}
  for _, s in ipairs(list) do
    local t = lua_type(s)
    if not seen[t] then seen[t] = true; parts[#parts + 1] = t end
  end
  return table.concat(parts, "|")
end

function lua_type(s)
  if type(s) ~= "table" then return "any" end
  if s["$ref"] then
    local name = s["$ref"]:match("([^/]+)$")
    local target = schemas[name]
    -- plain types, enums and unions (ChatID, SendStatus levels) read better as what they are
    if target and not (target.type == "object" or target.properties or target.allOf or target.type == "array") then
      return lua_type(target)
    end
    return "beeper." .. name
  end
  if s.enum then
    local parts = {}
    for _, v in ipairs(s.enum) do
      -- integral numbers without ".0", whichever Lua runs this
      parts[#parts + 1] = type(v) == "string" and string.format("%q", v)
        or (type(v) == "number" and v == math.floor(v)) and string.format("%d", v) or tostring(v)
    end
    return "(" .. table.concat(parts, "|") .. ")"
  end
  if s.anyOf then return "(" .. union(s.anyOf) .. ")" end
  if s.oneOf then return "(" .. union(s.oneOf) .. ")" end
  local t = s.type
  if type(t) == "table" then t = t[1] end
  if t == "string" then return "string" end
  if t == "integer" then return "integer" end
  if t == "number" then return "number" end
  if t == "boolean" then return "boolean" end
  if t == "array" then
    local item = lua_type(s.items)
    if item:find("[|(]") and not item:match("^%b()$") then item = "(" .. item .. ")" end
    return item .. "[]"
  end
  if t == "object" or s.properties then return "table" end
  return "any"
end

local function fields_of(s)
  local required = {}
  for _, r in ipairs(s.required or {}) do required[r] = true end
  for _, k in ipairs(sorted_keys(s.properties or {})) do
    local p = s.properties[k]
    local optional = (not required[k] or p.nullable) and "?" or ""
    local t = p.allOf and p.allOf[1] and lua_type(p.allOf[1]) or lua_type(p)
    local desc = one_line(p.description or (p.allOf and p.allOf[2] and p.allOf[2].description))
    w("---@field ", k, optional, " ", t, desc ~= "" and (" # " .. desc) or "")
  end
end

local function class_from_schema(name, s)
  if s.type == "array" then
    w("---@alias beeper.", name, " ", lua_type(s))
    return
  end
  if s.allOf then -- a shape and more fields: a class with parents
    local parents, own = {}, {}
    for _, part in ipairs(s.allOf) do
      if part["$ref"] then parents[#parents + 1] = lua_type(part) else own[#own + 1] = part end
    end
    w("---@class beeper.", name, #parents > 0 and (" : " .. table.concat(parents, ", ")) or "")
    for _, part in ipairs(own) do fields_of(part) end
    return
  end
  w("---@class beeper.", name)
  fields_of(s)
end

-- The answer of each call: an OpenAPI schema where the document has the
-- path, else the shapes below (bridges and app setup are not in it).
local function path_key(method, template)
  return method .. " " .. template:gsub("{[^}]*}", "{}")
end

local answers = {}
for p, ops in pairs(api.paths) do
  for method, op in pairs(ops) do
    if type(op) == "table" and op.responses then
      local ok = op.responses["200"] or op.responses["201"]
      local schema = ok and ok.content and ok.content["application/json"]
        and ok.content["application/json"].schema
      answers[path_key(method:upper(), p)] = schema and lua_type(schema) or (op.responses["204"] and "true")
    end
  end
end
local HAND = {
  ["bridges.list"] = "beeper.Page", ["bridges.get"] = "table", ["bridges.capabilities"] = "table",
  ["bridges.login_flows.list"] = "beeper.Page",
  ["bridges.login_sessions.create"] = "beeper.LoginSession", ["bridges.login_sessions.get"] = "beeper.LoginSession",
  ["bridges.login_sessions.cancel"] = "beeper.LoginSession",
  ["bridges.login_sessions.steps.submit"] = "beeper.LoginSession",
  ["bridges.logins.list"] = "beeper.Page", ["bridges.logins.get"] = "table", ["bridges.logins.remove"] = "table",
  ["app.setup.email"] = "true", ["assets.serve"] = "string|beeper.SavedAsset",
}

local function answer_of(ep)
  return HAND[ep[1]] or answers[path_key(ep[2], ep[3])] or "table"
end

-- Header.
w("---@meta")
w("-- Generated by tools/gen-types.lua from lua/beeper/endpoints.lua and")
w("-- ", OPENAPI, ": do not edit, run `make types`.")
w("-- Put this folder in LuaLS's workspace.library for completion and checks.")
w("")
w([[---@class beeper.Page
---@field items table[] the page's items
---@field hasMore boolean? more pages follow (lists and searches)
---@field oldestCursor string? pass as cursor with direction = "before"
---@field newestCursor string? pass as cursor with direction = "after"

---@class beeper.SavedAsset
---@field path string the file written (option output)
---@field size integer bytes written
---@field content_type string?

---@class beeper.LoginStep
---@field type "user_input"|"cookies"|"display_and_wait"|"complete"
---@field stepID string?
---@field fields table[]? user_input and cookies: {id, label?, optional?, type?, ...}
---@field url string? cookies: the page to open
---@field display {type: "qr"|"emoji"|"code"|"nothing", data: string?, imageURL: string?}? display_and_wait
---@field instructions string?

---@class beeper.LoginSession
---@field bridgeID string
---@field loginSessionID string
---@field status "waiting_for_input"|"waiting_for_cookies"|"waiting_for_display"|"complete"|"cancelled"|"failed"
---@field currentStep beeper.LoginStep? absent once the session has ended
---@field account beeper.Account?
---@field accountID string?
---@field login table?
---@field loginID string?
---@field error {code: string?, message: string?, details: any}?
]])

w("-- Shapes from the Desktop API 5.0.0 OpenAPI document.")
for _, name in ipairs(sorted_keys(schemas)) do
  local s = schemas[name]
  if (s.type == "object" or s.properties or s.type == "array" or s.allOf) and not name:match("^WS")
    and not name:match("Message$") or name == "Message" then
    class_from_schema(name, s)
    w("")
  end
end

-- Parameters of each call.
local function param_class(ep)
  return "beeper.params." .. ep[1]
end

w("-- Parameters (snake_case; the wire spelling is accepted too).")
for _, ep in ipairs(endpoints) do
  local names = ep.body or ep.query
  if names then
    w("---@class ", param_class(ep))
    local required = {}
    for _, r in ipairs(ep.required or {}) do required[r] = true end
    for _, k in ipairs(sorted_keys(names)) do
      local wire = names[k]
      local t = endpoints.TYPES[wire] or "string"
      if t == "array" then t = "string[]" end
      w("---@field ", k, required[k] and "" or "?", " ", t, " # wire name: ", wire)
    end
    w("")
  end
end

-- The call tree: one class per namespace.
local tree = {}
local function node(path)
  local n = tree[path]
  if not n then n = { fields = {}, calls = {} }; tree[path] = n end
  return n
end
node("")
for _, ep in ipairs(endpoints) do
  local parent = ""
  local parts = {}
  for part in ep[1]:gmatch("[^.]+") do parts[#parts + 1] = part end
  for i = 1, #parts - 1 do
    local path = table.concat(parts, ".", 1, i)
    node(parent).fields[parts[i]] = "beeper.api" .. (path ~= "" and ("." .. path) or "")
    node(path)
    parent = path
  end
  node(parent).calls[#node(parent).calls + 1] = { name = parts[#parts], ep = ep }
end
node("app").fields.login = "beeper.api.app.setup"

local function signature(ep)
  local args = {}
  for id in ep[3]:gmatch("{([^}]+)}") do args[#args + 1] = id .. ": string" end
  local names = ep.body or ep.query
  if names then
    args[#args + 1] = "params" .. ((ep.required and #ep.required > 0) and "" or "?") .. ": " .. param_class(ep)
  end
  args[#args + 1] = "options?: beeper.CallOptions"
  return "fun(" .. table.concat(args, ", ") .. "): " .. answer_of(ep) .. "?, beeper.Error?"
end

w("-- The call tree. Every call also takes a callback last, callback(err, result),")
w("-- and then returns a beeper.Request at once.")
for _, path in ipairs(sorted_keys(tree)) do
  local n = tree[path]
  w("---@class beeper.api", path ~= "" and ("." .. path) or "")
  for _, k in ipairs(sorted_keys(n.fields)) do w("---@field ", k, " ", n.fields[k]) end
  table.sort(n.calls, function(a, b) return a.name < b.name end)
  for _, c in ipairs(n.calls) do
    w("---@field ", c.name, " ", signature(c.ep), " # ", c.ep[2], " ", c.ep[3])
  end
  w("")
end

io.write(table.concat(out, "\n"), "\n")
