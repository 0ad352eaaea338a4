/**
 * The Lua scripts of the Redis store for the rarer steps that must happen at once however
 * many controllers share the Redis (putting work back, removing it, expiring it, marking
 * an agent offline only if it is still the same connection). The hot path is in
 * redis-batch.ts.
 */

/**
 * KEYS: inflight, queue, deadlines. ARGV: deadline, agent key. Moves in-flight ids back to
 * the head of the queue, order kept; they expire at the deadline unless taken again.
 */
export const REQUEUE_INFLIGHT = `
local moved = 0
while true do
  local id = redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT')
  if not id then break end
  redis.call('ZADD', KEYS[3], ARGV[1], ARGV[2] .. '|' .. id)
  moved = moved + 1
end
return moved
`;

/** KEYS: queue, deadlines. ARGV: id, agent key. 1 when the id was queued (and is now gone). */
export const DEQUEUE = `
local removed = redis.call('LREM', KEYS[1], 1, ARGV[1])
if removed > 0 then redis.call('ZREM', KEYS[2], ARGV[2] .. '|' .. ARGV[1]) end
return removed
`;

/**
 * KEYS: deadlines. ARGV: now, key prefix. Removes due entries; returns "gid:nid|id" of
 * those still queued (each entry goes to exactly one caller).
 */
export const TAKE_EXPIRED = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1000)
local out = {}
for _, member in ipairs(due) do
  redis.call('ZREM', KEYS[1], member)
  local bar = string.find(member, '|', 1, true)
  local agent = string.sub(member, 1, bar - 1)
  local id = string.sub(member, bar + 1)
  if redis.call('LREM', ARGV[2] .. 'q:' .. agent, 1, id) > 0 then out[#out + 1] = member end
end
return out
`;

/**
 * KEYS: agents hash, away hash, feed key. ARGV: agent key, instance, controller, seen,
 * events channel. Marks the agent away if this connection (instance and controller)
 * still holds it, and announces it while the feed is listened to.
 */
export const AGENT_OFFLINE = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local entry = cjson.decode(raw)
if entry.instance ~= ARGV[2] or entry.controller ~= ARGV[3] then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('PUBLISH', ARGV[5], '{"type":"agent","online":false,"seen":' .. ARGV[4] .. ',"presence":' .. raw .. '}')
end
return 1
`;

/**
 * KEYS: agents hash, away hash, feed key. ARGV: agent key, presence JSON, connected
 * time, events channel. Returns the previous presence (or nil); announces the agent while
 * the feed is listened to.
 */
export const AGENT_ONLINE = `
local before = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('PUBLISH', ARGV[4], '{"type":"agent","online":true,"seen":' .. ARGV[3] .. ',"presence":' .. ARGV[2] .. '}')
end
return before
`;

