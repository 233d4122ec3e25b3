-- Takes a connection out of a room; an emptied auto-created room goes, or, when it keeps history, lives on for its
-- history's TTL (the rooms set is cleaned by whoever reads the room as gone).
-- KEYS: 1 room settings hash, 2 room members hash, 3 client-rooms set, 4 rooms set
-- ARGV: 1 room, 2 client
-- Returns 1 when the connection was a member, else 0.
local removed = redis.call('HDEL', KEYS[2], ARGV[2])
redis.call('SREM', KEYS[3], ARGV[1])
if redis.call('HGET', KEYS[1], 'auto') == '1' and redis.call('HLEN', KEYS[2]) == 0 then
  local s = redis.call('HMGET', KEYS[1], 'hsize', 'httl')
  if tonumber(s[1] or '0') > 0 then
    redis.call('PEXPIRE', KEYS[1], math.max(1, tonumber(s[2] or '0')) * 1000)
  else
    redis.call('DEL', KEYS[1], KEYS[2])
    redis.call('SREM', KEYS[4], ARGV[1])
  end
end
return removed
