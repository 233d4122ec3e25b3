-- Appends a message to a room's history and publishes it, as one atomic step: the next offset, the stream entry and
-- the bus message (an envelope, built around the data) cannot be separated or reordered, so every node receives the
-- room's messages in offset order. A stream without its meta hash (Redis lost it, or it expired) starts a new epoch.
-- With an idempotency key already used, nothing is appended or published: the first publish's offset is returned.
-- KEYS: 1 stream, 2 meta hash (epoch, offset), 3 idempotency key (used only with ARGV[11] = 1), 4 room settings hash
-- ARGV: 1 channel, 2 envelope head (up to the data), 3 envelope tail (after the data, before the offset),
--       4 data without its closing brace, 5 separator before the offset member ('' or ','), 6 type, 7 timestamp (ms),
--       8 entries kept, 9 ttl (ms), 10 epoch for a new stream, 11 idempotent (0/1), 12 idempotency ttl (ms)
-- Returns {offset, epoch, duplicate (0/1)}.
local function u32(n)
  return string.char(math.floor(n / 16777216) % 256, math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
end
local function u64(n)
  return u32(math.floor(n / 4294967296)) .. u32(n % 4294967296)
end
local idempotent = ARGV[11] == '1'
if idempotent then
  local first = redis.call('GET', KEYS[3])
  if first then
    return {tonumber(first), redis.call('HGET', KEYS[2], 'epoch') or '', 1}
  end
end
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if not epoch then
  epoch = ARGV[10]
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'epoch', epoch, 'offset', 0)
end
local offset = redis.call('HINCRBY', KEYS[2], 'offset', 1)
local data = ARGV[4] .. ARGV[5] .. '"offset":' .. offset .. '}'
redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[8], '0-' .. offset, 't', ARGV[6], 'd', data, 'ts', ARGV[7])
redis.call('PEXPIRE', KEYS[1], ARGV[9])
redis.call('PEXPIRE', KEYS[2], ARGV[9])
if redis.call('PTTL', KEYS[4]) > 0 then
  -- an emptied auto-created room lives as long as its history
  redis.call('PEXPIRE', KEYS[4], ARGV[9])
end
if idempotent then
  redis.call('SET', KEYS[3], offset, 'PX', ARGV[12])
end
redis.call('PUBLISH', ARGV[1], ARGV[2] .. u32(#data) .. data .. ARGV[3] .. u64(offset))
return {offset, epoch, 0}
