-- Is v callable? A function, or a table or userdata whose metatable has
-- __call (busted's spies, callable objects): both work as callbacks.
return function(v)
  local t = type(v)
  if t == "function" then return true end
  if t ~= "table" and t ~= "userdata" then return false end
  local mt = getmetatable(v)
  return type(mt) == "table" and mt.__call ~= nil
end
