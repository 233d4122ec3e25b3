-- Takes a connection out of a room, with the room's count of users; an emptied auto-created room goes, or, when it
-- keeps history, lives on for its history's TTL (the rooms set is cleaned by whoever reads the room as gone).
-- KEYS: 1 room settings hash, 2 room members hash, 3 client-rooms set, 4 rooms set, 5 room users hash
-- ARGV: 1 room, 2 client
-- Returns {1, join/leave events (0/1), user} when the connection was a member, else {0}.
local entry = redis.call('HGET', KEYS[2], ARGV[2])
redis.call('SREM', KEYS[3], ARGV[1])
if not entry then
  return {0}
end
redis.call('HDEL', KEYS[2], ARGV[2])
local user = string.match(entry, '^[^\t]*\t[^\t]*\t(.*)$') or ''
if redis.call('HINCRBY', KEYS[5], user, -1) <= 0 then
  redis.call('HDEL', KEYS[5], user)
end
local s = redis.call('HMGET', KEYS[1], 'auto', 'hsize', 'httl', 'jle')
if s[1] == '1' and redis.call('HLEN', KEYS[2]) == 0 then
  if tonumber(s[2] or '0') > 0 then
    redis.call('PEXPIRE', KEYS[1], math.max(1, tonumber(s[3] or '0')) * 1000)
  else
    redis.call('DEL', KEYS[1], KEYS[2], KEYS[5])
    redis.call('SREM', KEYS[4], ARGV[1])
  end
end
return {1, tonumber(s[4] or '0'), user}
