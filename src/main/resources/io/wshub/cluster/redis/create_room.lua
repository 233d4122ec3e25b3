-- Creates a room unless its id is taken.
-- KEYS: 1 room settings hash, 2 rooms set
-- ARGV: 1 room, 2 name, 3 max members, 4 auto-created (0/1), 5 created at (ms), 6 history size, 7 history ttl (s),
--       8 join/leave events (0/1)
-- Returns 1 created, 0 exists.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'name', ARGV[2], 'max', ARGV[3], 'auto', ARGV[4], 'created', ARGV[5],
  'hsize', ARGV[6], 'httl', ARGV[7], 'jle', ARGV[8])
redis.call('SADD', KEYS[2], ARGV[1])
return 1
