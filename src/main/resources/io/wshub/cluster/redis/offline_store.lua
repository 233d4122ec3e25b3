-- Appends a message to a user's offline list, drops the oldest beyond the bound, and (re)starts the list's expiry.
-- KEYS: 1 the user's offline list
-- ARGV: 1 the encoded message, 2 max messages per user, 3 TTL in seconds
-- Returns how many messages were dropped.
local length = redis.call('RPUSH', KEYS[1], ARGV[1])
local max = tonumber(ARGV[2])
local dropped = 0
while length > max do
  redis.call('LPOP', KEYS[1])
  length = length - 1
  dropped = dropped + 1
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return dropped
