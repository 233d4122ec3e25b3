-- A room's epoch and latest offset; a room without a meta hash gets a new epoch (its stream, if any, is stale).
-- KEYS: 1 meta hash, 2 stream
-- ARGV: 1 epoch for a new stream, 2 ttl (ms)
-- Returns {epoch, offset}.
local s = redis.call('HMGET', KEYS[1], 'epoch', 'offset')
if s[1] then
  return {s[1], tonumber(s[2])}
end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'offset', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {ARGV[1], 0}
