-- Claims a node whose heartbeat expired: it leaves the live nodes, and the set of its connections moves to a dead
-- set (named for the node's epoch) that sweeps then empty in bounded steps. O(1): the set is renamed, not copied.
-- KEYS: 1 nodes zset, 2 node hash, 3 node-clients set, 4 dead sets set, 5 the dead set to create
-- ARGV: 1 node, 2 now (ms), 3 the node's epoch as the caller read it ('' when none)
-- Returns 1 claimed, 0 not (it is alive again, or changed since the caller looked).
local expiry = redis.call('ZSCORE', KEYS[1], ARGV[1])
if expiry and tonumber(expiry) > tonumber(ARGV[2]) then
  return 0
end
if (redis.call('HGET', KEYS[2], 'epoch') or '') ~= ARGV[3] then
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('RENAME', KEYS[3], KEYS[5])
  redis.call('SADD', KEYS[4], KEYS[5])
end
return 1
