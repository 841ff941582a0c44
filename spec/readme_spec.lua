-- The README's complete sign-in and connect program runs as printed.
local helper = require "spec.helper"

describe("README example", function()
  it("signs in with a registration step and connects a QR account", function()
    local f = assert(io.open("README.md"))
    local text = f:read("*a")
    f:close()
    local code = text:match("A complete program.-```lua\n(.-)```")
    assert.is_string(code)
    local program = os.tmpname()
    f = assert(io.open(program, "w"))
    f:write(code)
    f:close()
    -- The simulator's code, then the username; the QR flow needs no input.
    local p = assert(io.popen("printf '123456\\nnewuser42\\n' | " .. helper.lua_binary() .. " " .. program .. " 2>&1"))
    local out = p:read("*a")
    p:close()
    os.remove(program)
    assert.matches("suggested: newuser, newuser42", out, 1, true)
    assert.matches("beeper credentials for @newuser42", out, 1, true)
    assert.matches("connected local%-whatsapp_", out)
    assert.matches("█", out, 1, true) -- the QR code was drawn
  end)
end)
