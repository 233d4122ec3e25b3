-- Takes ids of rooms whose settings are gone (an emptied auto-created room whose history expired) out of the rooms
-- set; a room created again meanwhile stays.
-- KEYS: 1 rooms set, then each room's settings hash
-- ARGV: the room ids, in the order of their keys
-- Returns how many ids it removed.
local removed = 0
for i = 1, #ARGV do
  if redis.call('EXISTS', KEYS[1 + i]) == 0 then
    removed = removed + redis.call('SREM', KEYS[1], ARGV[i])
  end
end
return removed
