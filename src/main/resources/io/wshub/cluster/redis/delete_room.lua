-- Deletes a room and its memberships. The caller read the members and passes their client-rooms keys; if the
-- members changed meanwhile, nothing is done and -1 tells the caller to read them again.
-- KEYS: 1 room settings hash, 2 room members hash, 3 rooms set, 4 room users hash, then each member's client-rooms
--       set
-- ARGV: 1 room, 2.. the members' client ids, in the order of their keys
-- Returns 1 deleted, 0 no such room, -1 the members changed.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local members = #ARGV - 1
if redis.call('HLEN', KEYS[2]) ~= members then
  return -1
end
for i = 1, members do
  if redis.call('HEXISTS', KEYS[2], ARGV[1 + i]) == 0 then
    return -1
  end
end
for i = 1, members do
  redis.call('SREM', KEYS[4 + i], ARGV[1])
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[4])
redis.call('SREM', KEYS[3], ARGV[1])
return 1
