-- The simulated Desktop's starting data, the same on every start and every
-- Lua: five accounts (matrix, imessage, two Telegram accounts that are also
-- the telegram bridge's existing logins, and discordgo on the discordgo
-- bridge), 156 contacts, 62 chats (so chats.list has a full 50-chat page and
-- a second one), 1,200 messages (171 with reactions, 135 with attachments,
-- some replies), and the assets the attachments and avatars point at.
-- Fixed points tests may rely on:
--   the most recent chat has 120 messages (6 pages of messages.list);
--   one chat id holds reserved characters (ids must be percent-encoded);
--   the Lua Users group has 151 participants (maxParticipantCount);
--   mxc://beeper.local/sim-large-20mb is 20 MiB, byte i = (i % 257) % 256;
--   mxc://beeper.local/sim-all-bytes holds the bytes 0..255 once each.
local clock = require "beeper.sim.clock"

local M = {}

M.BASE = clock.parse("2026-05-05T20:30:00.000Z")
M.LARGE_URL, M.LARGE_SIZE = "mxc://beeper.local/sim-large-20mb", 20 * 1024 * 1024
M.BYTES_URL = "mxc://beeper.local/sim-all-bytes"
M.ODD_CHAT_ID = "!odd/room id?+&=#%:beeper.local"

local FIRST = { "Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Radia", "Guido",
  "Katherine", "Tim", "Frances", "John", "Hedy", "Edsger", "Adele", "Donald", "Shafi", "Niklaus",
  "Zoë", "Leslie", "Annie", "Roberto", "Yukihiro", "Ward", "Mary", "Brian", "José", "Fernando" }
local LAST = { "Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson",
  "Perlman", "van Rossum", "Johnson", "Berners-Lee", "Allen", "McCarthy", "Lamarr", "Dijkstra", "Goldberg",
  "Knuth", "Goldwasser", "Wirth", "Müller", "Lamport", "Easley", "Ierusalimschy", "Matsumoto", "Cunningham",
  "İçöz", "Kernighan", "Conway", "Figueiredo" }
local GROUPS = { "Family Travel Planning", "Desktop API", "Launch Planning", "Climbing Crew", "Book Club",
  "Neighbours", "Release Train", "Dinner Club", "Weekend Hikes", "Design Review", "Coffee Chat", "Board Games",
  "Open Source Friday", "Band Practice", "Photo Walk", "Garden Swap", "Marathon Training", "Game Night" }
local TEXTS = { "Dinner at 7 still works for me.", "The OAuth fix is deployed. Can you verify the desktop flow?",
  "Running ten minutes late, sorry!", "Did you see the new Lua release?", "Coffee tomorrow morning?",
  "Flight lands at 18:40, terminal 2.", "Thanks, that worked 🎉", "Can you send me the picture from Saturday?",
  "I pushed the branch, review when you can.", "Happy birthday!! 🎂", "Where should we meet?",
  "The deploy is green on all regions.", "Let's move the meeting to Thursday.", "Good night 🌙",
  "Who is bringing the board games?", "I'll call you after lunch.", "Tickets are booked ✈️",
  "That's hilarious 😂", "Can someone verify the build on Linux?", "Weather looks great for the hike.",
  "New photos are in the shared album.", "Do we need anything from the store?", "Ok, see you there.",
  "Please check the draft before Friday.", "Lunch at the usual place?", "Congrats on the launch! 🚀",
  "The train is delayed again.", "I love this song 🎶", "Meeting notes are in the doc.",
  "Who's up for dinner on Sunday?", "Reminder: rent is due on the 1st.", "Back online now.",
  "Could you resend the invoice?", "The coffee machine is fixed ☕", "Let me know when you land.",
  "Great idea, let's do it.", "Sorry, missed your call.", "We should plan the trip soon.",
  "Is the Lua meetup still on?", "Sending the file now." }
local REACTIONS = { "👍", "❤️", "😂", "🎉", "🔥", "😮" }

-- Park–Miller: exact in doubles and in 5.3 integers alike, so every Lua
-- builds the same data.
local function prng(seed)
  local x = seed
  return function(n)
    x = (x * 16807) % 2147483647
    return x % n
  end
end

local ACCOUNTS = {
  { accountID = "matrix", bridge = { id = "matrix", type = "matrix", provider = "cloud" }, network = "Beeper",
    user = { id = "@simuser:beeper.local", username = "simuser", fullName = "Sim User", isSelf = true },
    contacts = 24, chats = 14, style = "matrix" },
  { accountID = "imessage", bridge = { id = "imessage", type = "imessagego", provider = "platform-sdk" },
    network = "iMessage", user = { id = "@imessage_15550100000:beeper.local", phoneNumber = "+15550100000",
    fullName = "Sim User", isSelf = true }, contacts = 12, chats = 5, style = "phone" },
  { accountID = "telegram_existing_1", bridge = { id = "telegram", type = "telegram", provider = "cloud" },
    network = "Telegram", user = { id = "@existing1:beeper.local", username = "sim_user", fullName = "Sim User",
    isSelf = true }, contacts = 70, chats = 18, style = "telegram" },
  { accountID = "telegram_existing_2", bridge = { id = "telegram", type = "telegram", provider = "cloud" },
    network = "Telegram", user = { id = "@existing2:beeper.local", username = "sim_work", fullName = "Sim at Work",
    isSelf = true }, contacts = 20, chats = 9, style = "telegram" },
  { accountID = "discordgo", bridge = { id = "discordgo", type = "discordgo", provider = "cloud" },
    network = "Discord", user = { id = "@discord_337451892017545216:beeper.local", username = "simuser",
    fullName = "Sim User", isSelf = true }, contacts = 30, chats = 16, style = "discord" },
}

-- A tiny PNG-looking image: the signature, an IHDR with its size, filler.
local function png(w, h, fill)
  local function be32(n)
    return string.char(math.floor(n / 16777216) % 256, math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
  end
  return "\137PNG\r\n\26\n" .. be32(13) .. "IHDR" .. be32(w) .. be32(h) .. "\8\2\0\0\0" .. be32(0)
    .. string.rep(string.char(fill % 256, (fill * 7) % 256, (fill * 13) % 256), 300)
end
M.png = png

-- n bytes where byte i (from 0) is (i % 257) % 256: every value, and a
-- period that no power-of-two offset hides.
function M.pattern(n)
  local t = {}
  for i = 0, 256 do t[#t + 1] = string.char(i % 256) end
  local unit = table.concat(t)
  return string.rep(unit, math.floor(n / 257) + 1):sub(1, n)
end

local function contact_for(style, a, j)
  local first = FIRST[(j - 1) % #FIRST + 1]
  local last = LAST[((j - 1) * 7 + a * 3 + math.floor((j - 1) / #FIRST)) % #LAST + 1]
  local full = first .. " " .. last
  local handle = (first .. last):lower():gsub("[^%w]", "")
  local phone = string.format("+1555%07d", 100000 + a * 1000 + j)
  local u = { fullName = full, cannotMessage = false, isSelf = false }
  if style == "matrix" then
    u.id, u.username = "@" .. handle .. ":beeper.local", handle
  elseif style == "phone" then
    u.id, u.phoneNumber = "@imessage_" .. phone:sub(2) .. ":beeper.local", phone
    if j % 3 == 0 then u.email = handle .. "@example.com" end
  elseif style == "telegram" then
    u.id, u.username, u.phoneNumber = "@telegram_" .. (70000000 + a * 1000 + j) .. ":beeper.local", handle, phone
  else
    u.id, u.username = "@discord_" .. (221590782384013000 + a * 1000 + j) .. ":beeper.local", handle
  end
  if j % 4 == 1 then u.imgURL = "mxc://beeper.local/avatar_" .. a .. "_" .. j end
  if j % 17 == 0 then u.cannotMessage = true end
  return u
end

local function chat_id(style, a, i, acct)
  if style == "matrix" then return string.format("!sim%02d%02dRoomAbCdEf:beeper.local", a, i) end
  if style == "phone" then return string.format("!imsg_%02d_%02d:ba_sim.local-imessage.localhost", a, i) end
  if style == "telegram" then return string.format("!tg_%s_%02d:beeper.local", acct:match("%d$"), i) end
  return string.format("!discord_1098765432109876%02d:beeper.local", i)
end

-- Fills a beeper.sim.desktop.model; bridge_account(account) hands the
-- accounts that belong to a bridge to it.
function M.fill(model, bridge_account)
  local rand = prng(20260505)
  local chats = {}
  for a, def in ipairs(ACCOUNTS) do
    local user = {}
    for k, v in pairs(def.user) do user[k] = v end
    local account = { accountID = def.accountID, bridge = def.bridge, network = def.network, user = user,
      status = "connected" }
    model:add_account(account)
    if bridge_account then bridge_account(account) end
    for j = 1, def.contacts do
      local u = contact_for(def.style, a, j)
      model:add_contact(def.accountID, u)
      if u.imgURL then
        model:add_asset { url = u.imgURL, mimeType = "image/png", fileName = "avatar.png", width = 96, height = 96,
          bytes = png(96, 96, a * 100 + j) }
      end
    end
    local contacts = model.acct[def.accountID].contacts
    local single = 0
    for i = 1, def.chats do
      local c = { id = chat_id(def.style, a, i, def.accountID), accountID = def.accountID, network = def.network,
        participants = {}, lastActivity = 0 }
      if i % 3 == 0 then
        c.type = "group"
        c.title = GROUPS[(a * 5 + i) % #GROUPS + 1]
        c.description = "All things " .. c.title:lower()
        local size = 2 + rand(6)
        for k = 1, size do
          local p = contacts[(i * 5 + k * 3) % #contacts + 1]
          local dup = false
          for _, q in ipairs(c.participants) do dup = dup or q == p end
          if not dup then c.participants[#c.participants + 1] = p end
        end
      else
        c.type = "single"
        single = single + 1
        c.participants[1] = contacts[single]
      end
      c.participants[#c.participants + 1] = user
      if def.style == "matrix" and i == 3 then
        c.title, c.description = "Lua Users", "Everything Lua: 5.1, LuaJIT, 5.3, 5.4"
        for k = 1, 150 - #c.participants + 1 do
          table.insert(c.participants, 1, { id = "@member" .. k .. ":beeper.local", fullName = "Member " .. k,
            cannotMessage = false, isSelf = false })
        end
        c.participants[1].isAdmin = true
      end
      if def.style == "matrix" and i == 5 then c.id, c.type, c.title = M.ODD_CHAT_ID, "group", "Odd & Reserved" end
      chats[#chats + 1] = c
    end
  end
  -- Interleave the accounts in time: a fixed shuffle, then the fixed points.
  for i = #chats, 2, -1 do
    local j = rand(i) + 1
    chats[i], chats[j] = chats[j], chats[i]
  end
  local function move(pred, rank)
    for i, c in ipairs(chats) do
      if pred(c) then table.remove(chats, i); table.insert(chats, rank, c); return end
    end
  end
  move(function(c) return c.accountID == "telegram_existing_1" and c.type == "single" end, 1)
  move(function(c) return c.id == M.ODD_CHAT_ID end, 57)

  local used = {}
  local function unique(ms)
    while used[ms] do ms = ms - 1 end
    used[ms] = true
    return ms
  end
  local text_i, image_i = 0, 0
  for rank, c in ipairs(chats) do
    model:add_chat(c)
    local n = rank == 1 and 120 or 3 + rand(28)
    local last = M.BASE - (rank - 1) * 47 * 60000 - rand(30) * 60000 - rand(60000)
    local times = {}
    local t = last
    for k = n, 1, -1 do
      times[k] = unique(t)
      t = t - (1 + rand(180)) * 60000 - rand(60000)
    end
    for k = 1, n do
      text_i = text_i + 1
      local others = {}
      for _, p in ipairs(c.participants) do if not p.isSelf then others[#others + 1] = p end end
      local self_user = c.participants[#c.participants]
      local sender = rand(3) == 0 and self_user or others[rand(#others) + 1]
      local f = { sender = sender, text = TEXTS[(text_i * 7) % #TEXTS + 1], ts = times[k] }
      if text_i % 9 == 0 then
        image_i = image_i + 1
        local url = "mxc://beeper.local/img_" .. image_i
        local asset = model:add_asset { url = url, mimeType = "image/png", fileName = "IMG_" .. (1000 + image_i) .. ".png",
          width = 640, height = 480, bytes = png(640, 480, image_i) }
        f.type, f.text, f.attachments = "IMAGE", nil, { { asset = asset } }
      end
      if k > 1 and text_i % 11 == 0 then f.linked = c.messages[k - 1].id end
      local m = model:add_message(c, f)
      if text_i % 7 == 0 then
        local who = others[rand(#others) + 1]
        m.reactions[1] = { id = who.id .. REACTIONS[text_i % #REACTIONS + 1], reactionKey = REACTIONS[text_i % #REACTIONS + 1],
          participantID = who.id, emoji = true }
        if text_i % 21 == 0 then
          m.reactions[2] = { id = self_user.id .. "❤️", reactionKey = "❤️", participantID = self_user.id, emoji = true }
        end
      end
    end
    if rank == 2 then
      local large = model:add_asset { url = M.LARGE_URL, mimeType = "application/octet-stream",
        fileName = "sim-large.bin", size = M.LARGE_SIZE, gen = function() return M.pattern(M.LARGE_SIZE) end }
      local all = model:add_asset { url = M.BYTES_URL, mimeType = "application/octet-stream",
        fileName = "all-bytes.bin", bytes = M.pattern(256) }
      local me = c.participants[#c.participants]
      model:add_message(c, { sender = me, type = "FILE", attachments = { { asset = large } },
        ts = unique(c.messages[#c.messages].ts - 120000) })
      model:add_message(c, { sender = me, type = "FILE", attachments = { { asset = all } },
        ts = unique(c.messages[#c.messages - 1].ts - 60000) })
      table.sort(c.messages, function(x, y) return x.sortKey < y.sortKey end)
    end
    -- Unread: the trailing messages from others, up to a per-chat target.
    local target = ({ 3, 0, 1, 0, 5, 2, 0, 0, 1, 0 })[rank % 10 + 1]
    for k = #c.messages, 1, -1 do
      local m = c.messages[k]
      if target == 0 or m.sender.isSelf then break end
      m.unread, target = true, target - 1
    end
    model:recount(c)
    if rank == 3 or rank == 9 then c.isPinned = true end
    if rank == 20 or rank == 33 or rank == 47 or rank == 58 then c.isArchived = true end
    if rank == 5 or rank == 14 or rank == 27 or rank == 40 then c.isMuted = true end
    if rank == 12 or rank == 50 then c.isLowPriority = true end
    if rank == 4 then c.draft = { text = "See you at 7" } end
    if rank == 6 then c.messageExpirySeconds = 86400 end
    if rank == 7 then c.reminder = { remindAt = clock.iso(M.BASE + 86400000), dismissOnIncomingMessage = true } end
  end
end

return M
