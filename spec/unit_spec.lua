-- Pure logic, no network: retry decisions and delays, path encoding,
-- header merging, error formatting.
local retry = require "beeper.transport.retry"
local path = require "beeper.api.path"
local headers = require "beeper.transport.headers"
local errors = require "beeper.transport.errors"

describe("retry.wanted", function()
  it("retries connection errors and timeouts, not decode or cancelled", function()
    assert.is_true(retry.wanted("connection"))
    assert.is_true(retry.wanted("timeout"))
    assert.is_false(retry.wanted("decode"))
    assert.is_false(retry.wanted("cancelled"))
  end)
  it("retries 408, 409, 429 and 5xx only", function()
    for _, s in ipairs { 408, 409, 429, 500, 502, 503, 599 } do
      assert.is_truthy(retry.wanted("http", s), s)
    end
    for _, s in ipairs { 400, 401, 403, 404, 422 } do
      assert.is_falsy(retry.wanted("http", s), s)
    end
  end)
  it("lets x-should-retry override the status rule", function()
    assert.is_true(retry.wanted("http", 400, { should_retry = "true" }))
    assert.is_false(retry.wanted("http", 503, { should_retry = "false" }))
  end)
end)

describe("retry.delay", function()
  it("prefers retry-after-ms, then retry-after seconds", function()
    assert.are.equal(0.25, retry.delay(0, { retry_after_ms = "250", retry_after = "9" }))
    assert.are.equal(3, retry.delay(0, { retry_after = "3" }))
    assert.are.equal(1.5, retry.delay(0, { retry_after = "1.5" }))
  end)
  it("reads an HTTP date relative to now", function()
    local at = retry.parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT")
    assert.are.equal(784111777, at)
    assert.are.equal(7, retry.delay(0, { retry_after = "Sun, 06 Nov 1994 08:49:37 GMT" }, at - 7))
    -- A date in the past is no usable wait: the usual backoff.
    local past = retry.delay(0, { retry_after = "Sun, 06 Nov 1994 08:49:37 GMT" }, at + 60)
    assert.is_true(past <= 0.5 and past >= 0.375, past)
  end)
  it("backs off exponentially with up to 25% jitter, capped at 8 s", function()
    for k = 0, 6 do
      local base = math.min(0.5 * 2 ^ k, 8)
      for _ = 1, 50 do
        local d = retry.delay(k, nil)
        assert.is_true(d <= base and d >= base * 0.75, k .. ": " .. d)
      end
    end
  end)
  it("#11.2 honours a server wait only below 60 s, else backs off", function()
    local function backoff(d) return d <= 0.5 and d >= 0.375 end
    assert.are.equal(59, retry.delay(0, { retry_after = "59" }))
    assert.is_true(backoff(retry.delay(0, { retry_after = "60" })))
    assert.is_true(backoff(retry.delay(0, { retry_after = "3600" })))
    assert.is_true(backoff(retry.delay(0, { retry_after_ms = "600000" })))
    assert.is_true(backoff(retry.delay(0, { retry_after = "0" })))
    local now = os.time()
    assert.is_true(backoff(retry.delay(0, { retry_after = "Fri, 01 Jan 2100 00:00:00 GMT" }, now)))
  end)
  it("#11.1 ignores non-finite and negative waits: inf, 1e999, nan, -1", function()
    for _, v in ipairs { "inf", "-inf", "1e999", "-1e999", "nan", "-nan", "-1", "0x7fffffffffffffff" } do
      for _, meta in ipairs { { retry_after = v }, { retry_after_ms = v } } do
        local d = retry.delay(0, meta)
        assert.is_true(d <= 0.5 and d >= 0.375, v .. ": " .. tostring(d))
      end
    end
  end)
  it("ignores unusable hints", function()
    local d = retry.delay(0, { retry_after = "soon", retry_after_ms = "-5" })
    assert.is_true(d <= 0.5 and d >= 0.375)
  end)
end)

describe("path", function()
  it("percent-encodes everything that could change the request line", function()
    assert.are.equal("a%2Fb%3Fc%23d%20e%25f%0D%0Ag%00", path.encode("a/b?c#d e%f\r\ng\0"))
    assert.are.equal("%2E%2E", path.encode(".."))
    assert.are.equal("a..b", path.encode("a..b"))
    assert.are.equal("local-whatsapp_ba~1:x@y", path.encode("local-whatsapp_ba~1:x@y"))
    assert.are.equal("%C3%A9", path.encode("é"))
  end)
  it("expands templates in order", function()
    local pieces, names = path.compile("/v1/bridges/{bridge_id}/login-sessions/{login_session_id}")
    assert.are.same({ "bridge_id", "login_session_id" }, names)
    assert.are.equal("/v1/bridges/a%2Fb/login-sessions/s%201", path.expand(pieces, { "a/b", "s 1" }))
    local three = path.compile("/x/{a}/{b}/y/{c}")
    assert.are.equal("/x/1/%2E/y/c%3F", path.expand(three, { "1", ".", "c?" }))
  end)
  it("raises on empty or non-string ids", function()
    assert.has_error(function() path.check_id("", "bridge_id", 1) end, "beeper: bridge_id must not be empty")
    assert.has_error(function() path.check_id(nil, "bridge_id", 1) end,
      "beeper: bridge_id must be a string, got nil")
    assert.are.equal("12", path.check_id(12, "x", 1))
  end)
end)

describe("headers", function()
  it("merges case-insensitively, later wins, false removes", function()
    local list = headers.merge({}, { Accept = "a", ["X-One"] = "1" })
    headers.merge(list, { accept = "b", ["x-one"] = false })
    assert.are.same({ "accept: b" }, headers.lines(list))
  end)
  it("rejects values that would smuggle a header, without echoing them", function()
    local ok, err = pcall(headers.set, {}, "Authorization", "Bearer secret\r\nX: y")
    assert.is_false(ok)
    assert.is_nil(err:find("secret", 1, true))
    assert.has_error(function() headers.set({}, "Bad Name", "v") end)
  end)
  it("parses BEEPER_CUSTOM_HEADERS lines", function()
    assert.are.same({ ["X-A"] = "1", ["X-B"] = "two: parts" },
      headers.parse_env("X-A: 1\nX-B:  two: parts \n\n"))
  end)
end)

describe("errors", function()
  it("reads well as a string", function()
    local e = errors.new { kind = "http", status = 404, code = "NOT_FOUND", message = "no such session",
      method = "GET", path = "/v1/x", retries = 2 }
    assert.are.equal("beeper: http 404 NOT_FOUND: no such session (GET /v1/x) after 2 retries", tostring(e))
    assert.is_true(errors.is(e))
    assert.is_false(errors.is({}))
  end)
  it("turns an HTML page into one short line", function()
    assert.are.equal("502 Bad Gateway nginx", errors.snippet("<html><h1>502 Bad Gateway</h1>\n<hr>nginx</html>"))
  end)
end)
