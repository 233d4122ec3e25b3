-- A node (re)registers itself with a new epoch; its connections are registered again by the caller.
-- KEYS: 1 nodes zset, 2 node hash
-- ARGV: 1 node, 2 epoch, 3 now (ms), 4 expiry (ms), 5 started at (ms)
redis.call('HSET', KEYS[2], 'started', ARGV[5], 'heartbeat', ARGV[3], 'epoch', ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
return 1
