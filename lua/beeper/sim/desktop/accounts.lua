-- GET /v1/accounts, and an account's contacts: search (GET
-- /v1/accounts/{accountID}/contacts) and the paginated list (…/contacts/list).
local model_mod = require "beeper.sim.desktop.model"
local page = require "beeper.sim.page"
local util = require "beeper.sim.desktop.util"

local M = {}

local CONTACTS_PAGE, SEARCH_MAX = 50, 50

function M.list(model)
  local out = {}
  for i, a in ipairs(model.accounts) do out[i] = model:account_json(a) end
  return 200, model_mod.list(out)
end

local function contact_matches(words, u)
  return util.matches(words, u.fullName, u.username, u.phoneNumber, u.email, u.id)
end

function M.search_contacts(model, ctx)
  local a = model.acct[ctx.params.accountID]
  if not a then return util.not_found("account", ctx.params.accountID) end
  local words, items = util.words(ctx.query.query), {}
  for _, u in ipairs(a.contacts) do
    if #items < SEARCH_MAX and contact_matches(words, u) then items[#items + 1] = model_mod.user_json(u) end
  end
  return 200, { items = model_mod.list(items) }
end

function M.list_contacts(model, ctx)
  local a = model.acct[ctx.params.accountID]
  if not a then return util.not_found("account", ctx.params.accountID) end
  local q = ctx.query
  local pool = a.contacts
  if q.query then
    local words = util.words(q.query)
    pool = {}
    for _, u in ipairs(a.contacts) do if contact_matches(words, u) then pool[#pool + 1] = u end end
  end
  local p = page.page(pool, function(u) return u._key end, q.cursor_key, q.direction, q.limit or CONTACTS_PAGE)
  for i, u in ipairs(p.items) do p.items[i] = model_mod.user_json(u) end
  p.items = model_mod.list(p.items)
  return 200, p
end

return M
