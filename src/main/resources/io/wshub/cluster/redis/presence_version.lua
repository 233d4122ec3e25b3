-- A user's presence version for a transition decided now: microseconds of Redis's clock, kept above every version
-- given before (in the presence clock key, one for the cluster), so that versions grow whatever the clock does. A
-- watcher's node drops a transition older than one it told (see Presence.Listener). Put before the scripts that
-- decide transitions (RedisScripts).
local function presence_version(clock)
  local t = redis.call('TIME')
  local v = math.max(tonumber(t[1]) * 1000000 + tonumber(t[2]), tonumber(redis.call('GET', clock) or '0') + 1)
  redis.call('SET', clock, string.format('%.0f', v))
  return v
end
