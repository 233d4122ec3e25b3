-- Registers a connection, unless its user already has maxPerUser live connections (0: no limit).
-- A connection counts as live while its node's heartbeat entry has not expired.
-- KEYS: 1 client hash, 2 user hash (client -> node), 3 online users zset, 4 clients set, 5 node-clients set,
--       6 nodes zset, 7 presence clock
-- ARGV: 1 client, 2 user, 3 platform ('' for none), 4 authenticated (0/1), 5 node, 6 connected at (ms),
--       7 node epoch, 8 maxPerUser, 9 now (ms)
-- Returns 1 when registered, the user's presence version (> 1) when registered as its user's first connection (the
-- user came online), 0 when the user is at its limit.
local max = tonumber(ARGV[8])
local known = redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1
if max > 0 and not known then
  local live = 0
  local entries = redis.call('HGETALL', KEYS[2])
  for i = 2, #entries, 2 do
    local expiry = redis.call('ZSCORE', KEYS[6], entries[i])
    if expiry and tonumber(expiry) >= tonumber(ARGV[9]) then
      live = live + 1
    end
  end
  if live >= max then
    return 0
  end
end
local first = not known and redis.call('HLEN', KEYS[2]) == 0
redis.call('HSET', KEYS[1], 'user', ARGV[2], 'platform', ARGV[3], 'auth', ARGV[4], 'node', ARGV[5],
  'since', ARGV[6], 'epoch', ARGV[7])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[5])
redis.call('ZADD', KEYS[3], 0, ARGV[2])
redis.call('SADD', KEYS[4], ARGV[1])
redis.call('SADD', KEYS[5], ARGV[1])
if first then
  return presence_version(KEYS[7])
end
return 1
