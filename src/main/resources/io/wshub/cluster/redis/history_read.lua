-- Reads a room's history, oldest first: the entries above an offset, or (after < 0) the newest ones.
-- KEYS: 1 stream, 2 meta hash
-- ARGV: 1 after (an offset, or -1 for the newest), 2 limit
-- Returns {epoch ('' for none), latest offset, oldest offset held (0 for none), then per entry: offset, type, data,
-- timestamp}.
local s = redis.call('HMGET', KEYS[2], 'epoch', 'offset')
if not s[1] then
  return {'', 0, 0}
end
local result = {s[1], tonumber(s[2]), 0}
local oldest = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
if #oldest == 0 then
  return result
end
result[3] = tonumber(string.match(oldest[1][1], '-(%d+)$'))
local after, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local rows
if after < 0 then
  local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', limit)
  rows = {}
  for i = #newest, 1, -1 do
    rows[#rows + 1] = newest[i]
  end
else
  rows = redis.call('XRANGE', KEYS[1], '0-' .. (after + 1), '+', 'COUNT', limit)
end
for _, row in ipairs(rows) do
  local fields = {}
  for i = 1, #row[2], 2 do
    fields[row[2][i]] = row[2][i + 1]
  end
  result[#result + 1] = tonumber(string.match(row[1], '-(%d+)$'))
  result[#result + 1] = fields['t']
  result[#result + 1] = fields['d']
  result[#result + 1] = fields['ts']
end
return result
