-- Removes a connection and its room memberships, with the rooms' counts of users and, when it was its user's last
-- connection, the user's online entry (its last-seen time is kept for the last-seen TTL). The caller read the
-- connection's rooms (its client-rooms set) and passes their keys; if they changed meanwhile, nothing is done and -1
-- tells the caller to read them again.
-- An emptied auto-created room goes with its last member (one with history lives on for its history's TTL).
-- When an epoch is given (a sweep of a dead node), a connection that its node registered again since (another
-- epoch) is left alone: only its entry in the swept set goes.
-- KEYS: 1 client hash, 2 client-rooms set, 3 user hash, 4 online users zset, 5 clients set, 6 owning set
--       (node-clients or dead set), 7 rooms set, 8 the user's last-seen key, 9 presence clock, then for each room:
--       settings hash, members hash, users hash
-- ARGV: 1 client, 2 user, 3 epoch ('' = any), 4 now (ms), 5 last-seen TTL (ms), 6.. the room ids, in the order of
--       their keys
-- Returns {1, offline (0, or the user's presence version when it went offline), rooms with join/leave events the
-- connection was in, as "<room>\t<user>"...} when removed (or already gone), {0} when left alone (registered again),
-- {-1} when the rooms changed.
local cid, uid, epoch = ARGV[1], ARGV[2], ARGV[3]
if epoch ~= '' then
  local current = redis.call('HGET', KEYS[1], 'epoch')
  if current and current ~= epoch then
    redis.call('SREM', KEYS[6], cid)
    return {0}
  end
end
local rooms = #ARGV - 5
if redis.call('SCARD', KEYS[2]) ~= rooms then
  return {-1}
end
for i = 1, rooms do
  if redis.call('SISMEMBER', KEYS[2], ARGV[5 + i]) == 0 then
    return {-1}
  end
end
local result = {1, 0}
for i = 1, rooms do
  local room, settings, members, users = ARGV[5 + i], KEYS[7 + 3 * i], KEYS[8 + 3 * i], KEYS[9 + 3 * i]
  local entry = redis.call('HGET', members, cid)
  if entry then
    redis.call('HDEL', members, cid)
    local user = string.match(entry, '^[^\t]*\t[^\t]*\t(.*)$') or ''
    if redis.call('HINCRBY', users, user, -1) <= 0 then
      redis.call('HDEL', users, user)
    end
    local s = redis.call('HMGET', settings, 'auto', 'hsize', 'httl', 'jle')
    if s[4] == '1' then
      result[#result + 1] = room .. '\t' .. user
    end
    if s[1] == '1' and redis.call('HLEN', members) == 0 then
      if tonumber(s[2] or '0') > 0 then
        redis.call('PEXPIRE', settings, math.max(1, tonumber(s[3] or '0')) * 1000)
      else
        redis.call('DEL', settings, members, users)
        redis.call('SREM', KEYS[7], room)
      end
    end
  end
end
if uid ~= '' and redis.call('HDEL', KEYS[3], cid) == 1 and redis.call('HLEN', KEYS[3]) == 0 then
  redis.call('DEL', KEYS[3])
  redis.call('ZREM', KEYS[4], uid)
  redis.call('SET', KEYS[8], ARGV[4], 'PX', ARGV[5])
  result[2] = presence_version(KEYS[9])
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SREM', KEYS[5], cid)
redis.call('SREM', KEYS[6], cid)
return result
