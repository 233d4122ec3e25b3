-- Removes a connection and its room memberships. The caller read the connection's rooms (its client-rooms set)
-- and passes their keys; if they changed meanwhile, nothing is done and -1 tells the caller to read them again.
-- An emptied auto-created room goes with its last member (one with history lives on for its history's TTL).
-- When an epoch is given (a sweep of a dead node), a connection that its node registered again since (another
-- epoch) is left alone: only its entry in the swept set goes.
-- KEYS: 1 client hash, 2 client-rooms set, 3 user hash, 4 users set, 5 clients set, 6 owning set (node-clients
--       or dead set), 7 rooms set, then for each room: settings hash, members hash
-- ARGV: 1 client, 2 user, 3 epoch ('' = any), 4.. the room ids, in the order of their keys
-- Returns 1 removed (or already gone), 0 left alone (registered again), -1 the rooms changed.
local cid, uid, epoch = ARGV[1], ARGV[2], ARGV[3]
if epoch ~= '' then
  local current = redis.call('HGET', KEYS[1], 'epoch')
  if current and current ~= epoch then
    redis.call('SREM', KEYS[6], cid)
    return 0
  end
end
local rooms = #ARGV - 3
if redis.call('SCARD', KEYS[2]) ~= rooms then
  return -1
end
for i = 1, rooms do
  if redis.call('SISMEMBER', KEYS[2], ARGV[3 + i]) == 0 then
    return -1
  end
end
for i = 1, rooms do
  local room, settings, members = ARGV[3 + i], KEYS[6 + 2 * i], KEYS[7 + 2 * i]
  redis.call('HDEL', members, cid)
  if redis.call('HGET', settings, 'auto') == '1' and redis.call('HLEN', members) == 0 then
    local s = redis.call('HMGET', settings, 'hsize', 'httl')
    if tonumber(s[1] or '0') > 0 then
      redis.call('PEXPIRE', settings, math.max(1, tonumber(s[2] or '0')) * 1000)
    else
      redis.call('DEL', settings, members)
      redis.call('SREM', KEYS[7], room)
    end
  end
end
if uid ~= '' then
  redis.call('HDEL', KEYS[3], cid)
  if redis.call('HLEN', KEYS[3]) == 0 then
    redis.call('DEL', KEYS[3])
    redis.call('SREM', KEYS[4], uid)
  end
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SREM', KEYS[5], cid)
redis.call('SREM', KEYS[6], cid)
return 1
