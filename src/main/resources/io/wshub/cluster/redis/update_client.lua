-- A connection now acts as another user, or the same user with a new token (login, token refresh).
-- Moving to another user is refused when that user already has maxPerUser live connections (0: no limit).
-- KEYS: 1 client hash, 2 new user hash, 3 old user hash, 4 users set, 5 nodes zset
-- ARGV: 1 client, 2 new user, 3 old user, 4 platform ('' for none), 5 authenticated (0/1), 6 node,
--       7 maxPerUser, 8 now (ms)
-- Returns 1 when changed, 0 when the new user is at its limit.
local max = tonumber(ARGV[7])
if ARGV[2] ~= ARGV[3] and max > 0 then
  local live = 0
  local entries = redis.call('HGETALL', KEYS[2])
  for i = 2, #entries, 2 do
    local expiry = redis.call('ZSCORE', KEYS[5], entries[i])
    if expiry and tonumber(expiry) >= tonumber(ARGV[8]) then
      live = live + 1
    end
  end
  if live >= max then
    return 0
  end
end
redis.call('HSET', KEYS[1], 'user', ARGV[2], 'platform', ARGV[4], 'auth', ARGV[5])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[6])
redis.call('SADD', KEYS[4], ARGV[2])
if ARGV[2] ~= ARGV[3] then
  redis.call('HDEL', KEYS[3], ARGV[1])
  if redis.call('HLEN', KEYS[3]) == 0 then
    redis.call('DEL', KEYS[3])
    redis.call('SREM', KEYS[4], ARGV[3])
  end
end
return 1
