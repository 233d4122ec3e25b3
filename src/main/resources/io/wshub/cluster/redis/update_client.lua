-- A connection now acts as another user, or the same user with a new token (login, token refresh).
-- Moving to another user is refused when that user already has maxPerUser live connections (0: no limit); when it
-- moves, its memberships count for the new user, the new user may come online and the old one go offline. The caller
-- read the connection's rooms (its client-rooms set) and passes their keys; if they changed meanwhile, nothing is
-- done and -1 tells the caller to read them again.
-- KEYS: 1 client hash, 2 new user hash, 3 old user hash, 4 online users zset, 5 nodes zset, 6 the old user's
--       last-seen key, 7 client-rooms set, 8 presence clock, then for each room: members hash, users hash
-- ARGV: 1 client, 2 new user, 3 old user, 4 platform ('' for none), 5 authenticated (0/1), 6 node,
--       7 maxPerUser, 8 now (ms), 9 last-seen TTL (ms), 10.. the room ids, in the order of their keys
-- Returns {0} when the new user is at its limit, {-1} when the rooms changed, else {1, the new user's presence version
-- if it came online (else 0), the old user's if it went offline (else 0)}.
local moving = ARGV[2] ~= ARGV[3]
local max = tonumber(ARGV[7])
if moving and max > 0 then
  local live = 0
  local entries = redis.call('HGETALL', KEYS[2])
  for i = 2, #entries, 2 do
    local expiry = redis.call('ZSCORE', KEYS[5], entries[i])
    if expiry and tonumber(expiry) >= tonumber(ARGV[8]) then
      live = live + 1
    end
  end
  if live >= max then
    return {0}
  end
end
local rooms = #ARGV - 9
if moving then
  if redis.call('SCARD', KEYS[7]) ~= rooms then
    return {-1}
  end
  for i = 1, rooms do
    if redis.call('SISMEMBER', KEYS[7], ARGV[9 + i]) == 0 then
      return {-1}
    end
  end
end
local result = {1, 0, 0}
redis.call('HSET', KEYS[1], 'user', ARGV[2], 'platform', ARGV[4], 'auth', ARGV[5])
if moving and redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 and redis.call('HLEN', KEYS[2]) == 0 then
  result[2] = presence_version(KEYS[8])
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[6])
redis.call('ZADD', KEYS[4], 0, ARGV[2])
if moving then
  for i = 1, rooms do
    local members, users = KEYS[7 + 2 * i], KEYS[8 + 2 * i]
    local entry = redis.call('HGET', members, ARGV[1])
    if entry then
      local node, joined = string.match(entry, '^([^\t]*)\t([^\t]*)\t')
      redis.call('HSET', members, ARGV[1], (node or entry) .. '\t' .. (joined or ARGV[8]) .. '\t' .. ARGV[2])
      local old = string.match(entry, '^[^\t]*\t[^\t]*\t(.*)$') or ''
      if redis.call('HINCRBY', users, old, -1) <= 0 then
        redis.call('HDEL', users, old)
      end
      redis.call('HINCRBY', users, ARGV[2], 1)
    end
  end
  if redis.call('HDEL', KEYS[3], ARGV[1]) == 1 and redis.call('HLEN', KEYS[3]) == 0 then
    redis.call('DEL', KEYS[3])
    redis.call('ZREM', KEYS[4], ARGV[3])
    redis.call('SET', KEYS[6], ARGV[8], 'PX', ARGV[9])
    result[3] = presence_version(KEYS[8])
  end
end
return result
