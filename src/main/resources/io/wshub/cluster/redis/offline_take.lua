-- Returns a user's live offline messages, oldest first, and in the same step removes those without an acknowledgement
-- (ack_id) and the expired ones (timestamp before the cutoff) or unreadable ones; acknowledged ones stay.
-- KEYS: 1 the user's offline list
-- ARGV: 1 cutoff (epoch ms): older messages have expired
-- Returns the encoded live messages.
local cutoff = tonumber(ARGV[1])
local live = {}
for _, entry in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  local ok, message = pcall(cjson.decode, entry)
  local usable = ok and type(message) == 'table' and type(message.timestamp) == 'number'
  local expired = not usable or message.timestamp < cutoff
  if not expired then
    table.insert(live, entry)
  end
  if expired or type(message.ack_id) ~= 'string' then
    redis.call('LREM', KEYS[1], 1, entry)
  end
end
return live
