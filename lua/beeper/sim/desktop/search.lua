-- GET /v1/search: the top chats by title, the groups whose members match,
-- and the first page of messages, in one answer.
local chats = require "beeper.sim.desktop.chats"
local messages = require "beeper.sim.desktop.messages"
local model_mod = require "beeper.sim.desktop.model"

local M = {}

local TOP = 10

local function top(model, list)
  local out = {}
  for i = 1, math.min(TOP, #list) do out[i] = model:chat_json(list[i], 5) end
  return model_mod.list(out)
end

function M.search(model, ctx)
  local query = ctx.query.query
  local by_title = chats.filter(model, { query = query, scope = "titles" })
  local in_groups = chats.filter(model, { query = query, scope = "participants", type = "group" })
  local q = { query = query }
  return 200, { results = { chats = top(model, by_title), in_groups = top(model, in_groups),
    messages = messages.search_page(model, q, messages.filter(model, q)) } }
end

return M
