-- A node's heartbeat: moves its expiry forward, unless the cluster gave it up meanwhile (its entry was claimed
-- by another node's sweep, or Redis lost it): then the node must register its state again.
-- KEYS: 1 nodes zset (node -> expiry), 2 node hash
-- ARGV: 1 node, 2 epoch, 3 now (ms), 4 expiry (ms)
-- Returns 1 alive, 0 given up.
if redis.call('HGET', KEYS[2], 'epoch') ~= ARGV[2] or not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
redis.call('HSET', KEYS[2], 'heartbeat', ARGV[3])
return 1
