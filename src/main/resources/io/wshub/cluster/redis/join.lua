-- Adds a connection to a room if the room exists (or creates it, auto-created, when asked) and has room,
-- as one atomic step, with the room's count of users. With force (a node registering its state again) capacity is
-- not checked and an existing membership stays as it is.
-- An emptied auto-created room with history was given its history's TTL (leave.lua): a member makes it stay again.
-- A membership's value is "<node>\t<joined at ms>\t<user>": the node first, for liveness checks.
-- KEYS: 1 room settings hash, 2 room members hash (client -> entry), 3 client-rooms set, 4 rooms set,
--       5 client hash, 6 room users hash (user -> its connections in the room)
-- ARGV: 1 room, 2 client, 3 node, 4 create if missing (0/1), 5 name, 6 max members, 7 auto-created (0/1),
--       8 created at (ms), 9 force (0/1), 10 history size, 11 history ttl (s), 12 join/leave events (0/1),
--       13 now (ms)
-- Returns {status, name, max, auto, created, members, history size, history ttl, join/leave events, user};
-- status: joined, not_found, full, already_member.
if redis.call('EXISTS', KEYS[1]) == 0 then
  if ARGV[4] ~= '1' then
    return {'not_found'}
  end
  redis.call('HSET', KEYS[1], 'name', ARGV[5], 'max', ARGV[6], 'auto', ARGV[7], 'created', ARGV[8],
    'hsize', ARGV[10], 'httl', ARGV[11], 'jle', ARGV[12])
  redis.call('SADD', KEYS[4], ARGV[1])
end
local s = redis.call('HMGET', KEYS[1], 'name', 'max', 'auto', 'created', 'hsize', 'httl', 'jle')
local hsize, httl, jle = s[5] or '0', s[6] or '0', s[7] or '0'
local user = redis.call('HGET', KEYS[5], 'user') or ''
local count = redis.call('HLEN', KEYS[2])
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then
  return {'already_member', s[1], s[2], s[3], s[4], count, hsize, httl, jle, user}
end
local max = tonumber(s[2])
if ARGV[9] ~= '1' and max > 0 and count >= max then
  return {'full', s[1], s[2], s[3], s[4], count, hsize, httl, jle, user}
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3] .. '\t' .. ARGV[13] .. '\t' .. user)
redis.call('HINCRBY', KEYS[6], user, 1)
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('PERSIST', KEYS[1])
return {'joined', s[1], s[2], s[3], s[4], count + 1, hsize, httl, jle, user}
