-- Issue 13: the whole Desktop API through the client, against the stateful
-- simulator: pagination, query encoding, 204s, bytes and files, multipart,
-- sends that are never made twice, the server's version.
local helper = require "spec.helper"
local beeper = require "beeper"

local function count_posts(sim, pattern)
  local n = 0
  for _, r in ipairs(sim:requests()) do
    if r.method == "POST" and r.path:match(pattern) then n = n + 1 end
  end
  return n
end

local read = helper.read_file

describe("#13 the Desktop API", function()
  local sim, client
  local served = helper.serve(function(s, c) sim, client = s, c end)
  setup(served.start)
  teardown(served.stop)
  before_each(function() sim:reset() end)

  describe("pagination", function()
    it("returns one page as the API sends it", function()
      local page = assert(client.chats.list())
      assert.are.equal(50, #page.items)
      assert.is_true(page.hasMore)
      assert.is_string(page.oldestCursor)
      local older = assert(client.chats.list { cursor = page.oldestCursor, direction = "before" })
      assert.are.equal(12, #older.items)
      assert.is_false(older.hasMore)
    end)

    it("beeper.each walks every item across pages, blocking", function()
      local ids, seen = {}, 0
      for chat, err in beeper.each(client.chats.list) do
        assert.is_nil(err)
        assert.is_nil(ids[chat.id]) -- no chat twice
        ids[chat.id], seen = true, seen + 1
      end
      assert.are.equal(62, seen)
      local messages = 0
      local newest = assert(client.chats.list()).items[1].id
      for _ in beeper.each(client.messages.list, newest) do messages = messages + 1 end
      assert.are.equal(120, messages)
    end)

    it("beeper.each yields to the loop inside beeper.async", function()
      local seen, done = 0, false
      local all = { "matrix", "imessage", "telegram_existing_1", "telegram_existing_2", "discordgo" }
      -- PUC Lua 5.1 cannot yield inside a for loop's iterator call: there the
      -- iterator is called by hand, which works on every version.
      local puc51 = _VERSION == "Lua 5.1" and not jit
      beeper.async(function()
        if puc51 then
          local next_chat = beeper.each(client.chats.list, { account_ids = all })
          while next_chat() do seen = seen + 1 end
        else
          for _ in beeper.each(client.chats.list, { account_ids = all }) do seen = seen + 1 end
        end
        done = true
      end)
      assert.is_false(done) -- the first page is in flight: nothing blocked
      beeper.run()
      assert.is_true(done)
      assert.are.equal(62, seen)
    end)

    it("ends with (false, err) once when a page fails", function()
      sim:fault { path = "^/v1/chats$", status = 500, times = 0, json = { code = "BOOM", message = "down" } }
      local got = {}
      for item, err in beeper.each(client.chats.list, { cursor = "x" }, { max_retries = 0 }) do
        got[#got + 1] = { item, err }
      end
      assert.are.equal(1, #got)
      assert.is_false(got[1][1])
      assert.are.equal(500, got[1][2].status)
    end)

    it("takes options after the ids when no parameters are given (nil in their place)", function()
      local newest = assert(client.chats.list()).items[1].id
      sim:clear_requests()
      local messages = 0
      for _, err in beeper.each(client.messages.list, newest, nil, { timeout = 5 }) do
        assert.is_nil(err)
        messages = messages + 1
      end
      assert.are.equal(120, messages)
      assert.has_error(function() beeper.each(client.messages.list, newest, "not a table") end,
        "beeper.each: parameters must be a table, got string")
    end)

    it("refuses a call that is not paginated", function()
      assert.has_error(function() beeper.each(client.chats.get, "x") end,
        "beeper.each: not a paginated call (chats.list, messages.search, ...)")
    end)
  end)

  describe("query strings", function()
    it("sends lists as repeated keys and encodes reserved characters", function()
      assert(client.chats.search { query = "a&b=c d/é?#", account_ids = { "matrix", "imessage" },
        unread_only = false, limit = 5 })
      local path = helper.last_request(sim).path
      assert.are.equal("/v1/chats/search?accountIDs=matrix&accountIDs=imessage&limit=5"
        .. "&query=a%26b%3Dc%20d%2F%C3%A9%3F%23&unreadOnly=false", path)
    end)

    it("percent-encodes odd ids in the path and queries on DELETE", function()
      local odd = "!odd/room id?+&=#%:beeper.local"
      local chat = assert(client.chats.get(odd, { max_participant_count = 3 }))
      assert.are.equal(odd, chat.id)
      local sent = assert(client.messages.send(odd, { text = "to be deleted" }))
      local msgs = assert(client.messages.list(odd))
      local mine = msgs.items[1].id
      assert.is_string(sent.pendingMessageID)
      assert.is_true(client.messages.delete(odd, mine, { for_everyone = true }))
      assert.matches("%?forEveryone=true$", helper.last_request(sim).path)
    end)

    it("checks parameter types before sending", function()
      assert.has_error(function() client.chats.list { account_ids = "matrix" } end,
        "beeper: chats.list: account_ids must be a list of strings, got string")
      assert.has_error(function() client.chats.search { limit = 2.5 } end,
        "beeper: chats.search: limit must be an integer, got number")
      assert.has_error(function() client.chats.update("x", { is_pinned = "yes" }) end,
        "beeper: chats.update: is_pinned must be a boolean, got string")
    end)
  end)

  describe("methods and answers", function()
    it("PATCH and PUT change state; 204 answers are true", function()
      local chat = assert(client.chats.list()).items[1]
      local updated = assert(client.chats.update(chat.id, { title = "Renamed", is_pinned = true }))
      assert.are.equal("Renamed", updated.title)
      assert.is_true(client.chats.archive(chat.id, { archived = true }))
      assert.is_true(client.chats.reminders.create(chat.id, { reminder = { remindAt = "2030-01-01T00:00:00.000Z" } }))
      assert.is_true(client.chats.reminders.delete(chat.id))
      local sent = assert(client.messages.send(chat.id, { text = "first" }))
      local msg = assert(client.messages.get(chat.id, sent.pendingMessageID))
      local edited = assert(client.messages.update(chat.id, msg.id, { text = "second" }))
      assert.is_table(edited)
      assert.are.equal("second", assert(client.messages.get(chat.id, msg.id)).text)
      local requests = sim:requests()
      local methods = {}
      for _, r in ipairs(requests) do methods[r.method] = true end
      assert.is_true(methods.PATCH and methods.PUT and methods.DELETE)
    end)

    it("unread counts follow mark_read and mark_unread", function()
      sim:incoming { chatID = assert(client.chats.list()).items[1].id, text = "ping" }
      local chat = assert(client.chats.list()).items[1]
      assert.is_true(chat.unreadCount >= 1)
      assert(client.chats.mark_read(chat.id))
      assert.are.equal(0, assert(client.chats.get(chat.id)).unreadCount)
      assert(client.chats.mark_unread(chat.id))
      assert.is_true(assert(client.chats.get(chat.id)).isUnread == true
        or assert(client.chats.get(chat.id)).unreadCount >= 1)
    end)

    it("reports the server's version on the client and on error values", function()
      assert(client.info())
      assert.are.equal("4.2.880", client:server_version())
      local _, err = client.chats.get("no-such-chat")
      assert.are.equal(404, err.status)
      assert.are.equal("4.2.880", err.server_version)
    end)
  end)

  describe("assets", function()
    it("serves bytes as a string and streams a 20 MB file with flat memory", function()
      local bytes = assert(client.assets.serve { url = "mxc://beeper.local/sim-all-bytes" })
      local want = {}
      for i = 0, 255 do want[#want + 1] = string.char(i) end
      assert.are.equal(table.concat(want), bytes)
      local path = os.tmpname()
      local before = collectgarbage("count")
      local got = assert(client.assets.serve({ url = "mxc://beeper.local/sim-large-20mb" }, { output = path }))
      assert.is_true(collectgarbage("count") - before < 1024) -- KB: the body never came into Lua
      assert.are.equal(20 * 1024 * 1024, got.size)
      assert.are.equal(path, got.path)
      local data = read(path)
      os.remove(path)
      assert.are.equal(got.size, #data)
      for _, i in ipairs { 0, 1, 255, 256, 257, 1000000, #data - 1 } do
        assert.are.equal((i % 257) % 256, data:byte(i + 1), "byte " .. i)
      end
    end)

    it("uploads a binary file as multipart and gets the same bytes back", function()
      local path = os.tmpname()
      local f = assert(io.open(path, "wb"))
      for _ = 1, 64 do for i = 0, 255 do f:write(string.char(i)) end end
      f:close()
      local up = assert(client.assets.upload { file = path, file_name = "all.bin", mime_type = "application/octet-stream" })
      assert.are.equal(16384, up.fileSize)
      local back = assert(client.assets.serve { url = up.srcURL })
      assert.are.equal(read(path), back)
      os.remove(path)
      local _, err = client.assets.upload { file = "/nonexistent/file.bin" }
      assert.are.equal("io", err.kind)
    end)

    it("uploads base64 content as JSON", function()
      local up = assert(client.assets.upload_base64 { content = "aGVsbG8=", file_name = "hello.txt",
        mime_type = "text/plain" })
      assert.are.equal("hello", assert(client.assets.serve { url = up.srcURL }))
    end)
  end)

  describe("the callback and async forms", function()
    it("serve, output, upload and a Range request work without blocking", function()
      local got, path = {}, os.tmpname()
      client.assets.serve({ url = "mxc://beeper.local/sim-all-bytes" }, function(_, b) got.bytes = b end)
      client.assets.serve({ url = "mxc://beeper.local/sim-all-bytes" }, { output = path },
        function(_, r) got.file = r end)
      client.chats.list({ account_ids = { "matrix" } }, function(_, p) got.page = p end)
      assert.is_nil(got.bytes) -- nothing arrived yet: the calls did not block
      beeper.run()
      assert.are.equal(256, #got.bytes)
      assert.are.equal(256, got.file.size)
      assert.is_table(got.page.items)
      beeper.async(function()
        got.upload = assert(client.assets.upload { file = path, file_name = "a.bin" })
        got.range = assert(client.assets.serve({ url = "mxc://beeper.local/sim-all-bytes" },
          { headers = { Range = "bytes=0-9" } }))
      end)
      beeper.run()
      os.remove(path)
      assert.are.equal(256, got.upload.fileSize)
      assert.are.equal(got.bytes:sub(1, 10), got.range)
    end)
  end)

  describe("sends are not idempotent", function()
    it("a send whose answer was dropped after it was stored is not made twice", function()
      local chat = assert(client.chats.list()).items[1].id
      sim:fault { method = "POST", path = "^/v1/chats/[^/]+/messages$", drop_after_store = true }
      local sent, err = client.messages.send(chat, { text = "exactly once" })
      assert.is_nil(sent)
      assert.are.equal("connection", err.kind)
      assert.are.equal(0, err.retries)
      assert.are.equal(1, count_posts(sim, "/messages$"))
      local after = assert(client.messages.list(chat)).items -- the newest first
      local copies = 0
      for _, m in ipairs(after) do if m.text == "exactly once" then copies = copies + 1 end end
      assert.are.equal(1, copies)
    end)

    it("a 5xx on a send is not retried, unless the call opts in", function()
      local chat = assert(client.chats.list()).items[1].id
      sim:fault { method = "POST", path = "^/v1/chats/[^/]+/messages$", status = 503, times = 0 }
      local _, err = client.messages.send(chat, { text = "x" })
      assert.are.equal(503, err.status)
      assert.are.equal(1, count_posts(sim, "/messages$"))
      sim:clear_requests()
      _, err = client.messages.send(chat, { text = "x" }, { retry_unsafe = true, max_retries = 1 })
      assert.are.equal(1, err.retries)
      assert.are.equal(2, count_posts(sim, "/messages$"))
    end)

    it("a reaction with a transaction id is retried; a refused connection always is", function()
      local chat = assert(client.chats.list()).items[1].id
      local msg = assert(client.messages.list(chat)).items[1].id
      sim:fault { method = "POST", path = "/reactions$", status = 503 }
      assert(client.chats.messages.reactions.add(chat, msg, { reaction_key = "👍", transaction_id = "t-1" },
        { max_retries = 1 }))
      assert.are.equal(2, count_posts(sim, "/reactions$"))
      local refused = helper.client(sim, { base_url = "http://127.0.0.1:" .. helper.closed_port(), max_retries = 1 })
      local _, err = refused.messages.send(chat, { text = "x" })
      assert.are.equal("connection", err.kind)
      assert.are.equal(1, err.retries)
      refused:close()
    end)
  end)
end)
