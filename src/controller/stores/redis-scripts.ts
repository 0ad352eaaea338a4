/**
 * The Lua scripts of the Redis store: the few steps that must happen at once however
 * many controllers share the Redis (taking work, putting it back, expiring it, marking
 * an agent offline only if it is still the same connection).
 */

/** KEYS: queue, inflight, deadlines. ARGV: max, agent key. Returns the ids moved to inflight. */
export const TAKE_WORK = `
local out = {}
for i = 1, tonumber(ARGV[1]) do
  local id = redis.call('LMOVE', KEYS[1], KEYS[2], 'LEFT', 'RIGHT')
  if not id then break end
  redis.call('ZREM', KEYS[3], ARGV[2] .. '|' .. id)
  out[#out + 1] = id
end
return out
`;

/** KEYS: inflight, queue. Moves inflight ids back to the head of the queue, order kept. */
export const REQUEUE_INFLIGHT = `
local moved = 0
while redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT') do moved = moved + 1 end
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
 * KEYS: agents hash, away hash. ARGV: agent key, instance, controller, seen. Marks the
 * agent away if this connection (instance and controller) still holds it.
 */
export const AGENT_OFFLINE = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local entry = cjson.decode(raw)
if entry.instance ~= ARGV[2] or entry.controller ~= ARGV[3] then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
return 1
`;

/** KEYS: agents hash, away hash. ARGV: agent key, presence JSON. Returns the previous presence (or nil). */
export const AGENT_ONLINE = `
local before = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[1])
return before
`;

/**
 * KEYS: job, jobs index, results hash. ARGV: record JSON, ttl ms, created, id, then
 * field/value pairs of the first results. 0 when the id is taken (nothing written).
 */
export const CREATE_JOB = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) == false then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', tonumber(ARGV[3]) - tonumber(ARGV[2]))
if #ARGV > 4 then
  redis.call('HSET', KEYS[3], unpack(ARGV, 5))
  redis.call('PEXPIRE', KEYS[3], ARGV[2])
end
return 1
`;

/** KEYS: queue, deadlines, events channel. ARGV: id, deadline, "gid:nid", event JSON ("" for none). */
export const ENQUEUE = `
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3] .. '|' .. ARGV[1])
if ARGV[4] ~= '' then redis.call('PUBLISH', KEYS[3], ARGV[4]) end
return 1
`;

/**
 * KEYS: results hash, completed list, events channel, agent's running set, agent's
 * in-flight list. ARGV: "gid:nid", result JSON, ttl ms, completed (1/0), event JSON,
 * last (1/0), job id, accepted (1/0: the agent's acceptance came with the result).
 */
export const PUT_RESULT = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if ARGV[4] == '1' then
  redis.call('RPUSH', KEYS[2], ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  redis.call('PUBLISH', KEYS[3], ARGV[5])
end
if ARGV[8] == '1' then
  redis.call('LREM', KEYS[5], 1, ARGV[7])
  if ARGV[6] ~= '1' then redis.call('SADD', KEYS[4], ARGV[7]) end
end
if ARGV[6] == '1' then redis.call('SREM', KEYS[4], ARGV[7]) end
return 1
`;

/** KEYS: inflight list, running set. ARGV: job id. The agent took the job. */
export const ACCEPT_WORK = `
redis.call('LREM', KEYS[1], 1, ARGV[1])
redis.call('SADD', KEYS[2], ARGV[1])
return 1
`;
