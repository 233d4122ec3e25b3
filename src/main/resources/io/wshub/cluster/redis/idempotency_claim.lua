-- Records an idempotency key for a room without history.
-- KEYS: 1 idempotency key
-- ARGV: 1 ttl (ms)
-- Returns 1 when the key is new, 0 for a repeat.
if redis.call('SET', KEYS[1], 0, 'NX', 'PX', ARGV[1]) then
  return 1
end
return 0
