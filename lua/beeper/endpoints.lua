-- Every API call the client offers, as data: the client and the default
-- client build their namespaces from this one table.
--   [1] dotted name   [2] method   [3] path template ({holes} are ids)
--   body      Lua parameter name -> wire field name (snake_case accepted,
--             the wire spelling too); absent: the call sends no body
--   required  parameters that must be present
--   auth      false for the calls the API declares public
--   empty_ok  a 2xx answer without a body is a success (returns true)
local S = { flow_id = "flowID", login_id = "loginID", account_id = "accountID" }

return {
  { "info", "GET", "/v1/info", auth = false },

  { "bridges.list", "GET", "/v1/bridges" },
  { "bridges.get", "GET", "/v1/bridges/{bridge_id}" },
  { "bridges.capabilities", "GET", "/v1/bridges/{bridge_id}/capabilities" },
  { "bridges.login_flows.list", "GET", "/v1/bridges/{bridge_id}/login-flows" },

  { "bridges.login_sessions.create", "POST", "/v1/bridges/{bridge_id}/login-sessions", body = S },
  { "bridges.login_sessions.get", "GET", "/v1/bridges/{bridge_id}/login-sessions/{login_session_id}" },
  { "bridges.login_sessions.cancel", "DELETE", "/v1/bridges/{bridge_id}/login-sessions/{login_session_id}" },
  { "bridges.login_sessions.steps.submit", "POST",
    "/v1/bridges/{bridge_id}/login-sessions/{login_session_id}/steps/{step_id}",
    body = { type = "type", fields = "fields", last_url = "lastURL", source = "source" },
    required = { "type" } },

  { "bridges.logins.list", "GET", "/v1/bridges/{bridge_id}/logins" },
  { "bridges.logins.get", "GET", "/v1/bridges/{bridge_id}/logins/{login_id}" },
  { "bridges.logins.remove", "POST", "/v1/bridges/{bridge_id}/logins/{login_id}/remove",
    body = { scope = "scope" }, required = { "scope" } },

  { "app.setup.get", "GET", "/v1/app/setup" },
  { "app.setup.start", "POST", "/v1/app/setup/start", auth = false },
  { "app.setup.email", "POST", "/v1/app/setup/email", auth = false, empty_ok = true,
    body = { email = "email", setup_request_id = "setupRequestID" },
    required = { "email", "setup_request_id" } },
  { "app.setup.response", "POST", "/v1/app/setup/response", auth = false,
    body = { response = "response", setup_request_id = "setupRequestID" },
    required = { "response", "setup_request_id" } },
  { "app.setup.register", "POST", "/v1/app/setup/register", auth = false,
    body = { accept_terms = "acceptTerms", lead_token = "leadToken",
             setup_request_id = "setupRequestID", username = "username" },
    required = { "accept_terms", "lead_token", "setup_request_id", "username" } },
}
