-- Ids are percent-encoded: none can change the request line.
local helper = require "spec.helper"

describe("path ids", function()
  local sim, client

  local served = helper.serve(function(s, c) sim, client = s, c end, { max_retries = 0 })
  setup(served.start)
  teardown(served.stop)
  before_each(function() sim:reset() end)

  local cases = {
    { "a/b", "a%2Fb" }, { "..", "%2E%2E" }, { ".", "%2E" }, { "../x", "..%2Fx" }, { "x?y=1", "x%3Fy=1" }, { "x#frag", "x%23frag" },
    { "sp ace", "sp%20ace" }, { "100%", "100%25" }, { "cr\r\nlf", "cr%0D%0Alf" }, { "nul\0x", "nul%00x" },
  }
  for _, case in ipairs(cases) do
    it("sends " .. case[2], function()
      local _, err = client.bridges.login_sessions.get("telegram", case[1])
      assert.are.equal(404, err.status)
      local req = helper.last_request(sim)
      assert.are.equal("/v1/bridges/telegram/login-sessions/" .. case[2], req.path)
      assert.are.equal(1, #sim:requests())
    end)
  end

  it("routes an encoded slash as one segment", function()
    local _, err = client.bridges.get("local-whatsapp/login-flows")
    assert.are.equal(404, err.status)
    assert.are.equal("/v1/bridges/local-whatsapp%2Flogin-flows", helper.last_request(sim).path)
  end)
end)
