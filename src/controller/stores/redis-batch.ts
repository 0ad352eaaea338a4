/**
 * The Redis store's hot path in one round trip: the operations a busy controller does
 * for every job (look up the agent, create the job, queue or hand over its work, take
 * work, record acceptance and results) are gathered during one turn of the event loop
 * and run by one Lua script, in the order they were asked for. Each caller still gets
 * its own reply. A job then costs Redis one script call per batch instead of five or
 * six, and the controller one command to encode and one reply to parse.
 *
 * Keys are built inside the script from the prefix (as TAKE_EXPIRED does), so this
 * store runs on a single Redis (or a primary with replicas), not on Redis Cluster.
 */

/**
 * ARGV: prefix, ttl ms, then operations, each its name and its arguments:
 *
 *   agent   KEY                            -> {presence or nil, away-since or nil}
 *   create  ID RECORD CREATED N FIELDS...  -> 1 created, 0 the id exists (nothing written)
 *   enqueue KEY ID DEADLINE EVENT OFFER    -> 1 handed straight to in-flight (OFFER=1 and
 *                                             the queue was empty), else 0 (queued)
 *   take    KEY MAX                        -> ids moved from the queue to in-flight
 *   ack     KEY ID                         -> 1 (in-flight entry dropped)
 *   accept  KEY ID                         -> 1 (in-flight to running)
 *   running KEY ID                         -> 1
 *   put     KEY ID RESULT COMPLETED LAST ACCEPTED -> 1
 *
 * KEY is "gid:nid". Completed results are announced once per batch:
 * {"type":"result","ids":[...]} on the events channel. While the key "feed" exists
 * (someone listens to GET /v1/events on some controller), that one message also carries
 * the batch's created jobs ("jobs": [{record, state}]) and every recorded result state
 * ("changes": [{id, gid, nid, state, starttime, time, run}]); without it the batch does
 * no more than before (one EXISTS).
 */
export const BATCH = `
local p = ARGV[1]
local ttl = ARGV[2]
local out = {}
local done, doneIds = {}, {}
local newest = nil
local feed = redis.call('EXISTS', p .. 'feed') == 1
local jobs, changes = {}, {}
local i, n = 3, #ARGV
while i <= n do
  local op = ARGV[i]
  if op == 'agent' then
    out[#out + 1] = { redis.call('HGET', p .. 'agents', ARGV[i + 1]), redis.call('HGET', p .. 'away', ARGV[i + 1]) }
    i = i + 2
  elseif op == 'create' then
    local id = ARGV[i + 1]
    local count = tonumber(ARGV[i + 4])
    if redis.call('SET', p .. 'job:' .. id, ARGV[i + 2], 'NX', 'PX', ttl) then
      redis.call('ZADD', p .. 'jobs', ARGV[i + 3], id)
      if newest == nil or tonumber(ARGV[i + 3]) > newest then newest = tonumber(ARGV[i + 3]) end
      if count > 0 then
        local results = p .. 'res:' .. id
        local first, last = i + 5, i + 4 + count
        -- unpack() takes a few thousand values at most: 500 field/value pairs at a time
        while first <= last do
          local upto = math.min(first + 999, last)
          redis.call('HSET', results, unpack(ARGV, first, upto))
          first = upto + 1
        end
        redis.call('PEXPIRE', results, ttl)
      end
      if feed then
        local state = 'QUEUED'
        if count > 0 then state = cjson.decode(ARGV[i + 6]).state end
        jobs[#jobs + 1] = '{"record":' .. ARGV[i + 2] .. ',"state":' .. cjson.encode(state) .. '}'
      end
      out[#out + 1] = 1
    else
      out[#out + 1] = 0
    end
    i = i + 5 + count
  elseif op == 'enqueue' then
    local key, id = ARGV[i + 1], ARGV[i + 2]
    if ARGV[i + 5] == '1' and redis.call('LLEN', p .. 'q:' .. key) == 0 then
      redis.call('RPUSH', p .. 'inflight:' .. key, id)
      out[#out + 1] = 1
    else
      redis.call('RPUSH', p .. 'q:' .. key, id)
      redis.call('ZADD', p .. 'deadlines', ARGV[i + 3], key .. '|' .. id)
      if ARGV[i + 4] ~= '' then redis.call('PUBLISH', p .. 'events', ARGV[i + 4]) end
      out[#out + 1] = 0
    end
    i = i + 6
  elseif op == 'take' then
    local key = ARGV[i + 1]
    local taken = {}
    for _ = 1, tonumber(ARGV[i + 2]) do
      local id = redis.call('LMOVE', p .. 'q:' .. key, p .. 'inflight:' .. key, 'LEFT', 'RIGHT')
      if not id then break end
      redis.call('ZREM', p .. 'deadlines', key .. '|' .. id)
      taken[#taken + 1] = id
    end
    out[#out + 1] = taken
    i = i + 3
  elseif op == 'ack' then
    redis.call('LREM', p .. 'inflight:' .. ARGV[i + 1], 1, ARGV[i + 2])
    out[#out + 1] = 1
    i = i + 3
  elseif op == 'accept' then
    redis.call('LREM', p .. 'inflight:' .. ARGV[i + 1], 1, ARGV[i + 2])
    redis.call('SADD', p .. 'running:' .. ARGV[i + 1], ARGV[i + 2])
    out[#out + 1] = 1
    i = i + 3
  elseif op == 'running' then
    redis.call('SADD', p .. 'running:' .. ARGV[i + 1], ARGV[i + 2])
    out[#out + 1] = 1
    i = i + 3
  elseif op == 'put' then
    local key, id, result = ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
    local results = p .. 'res:' .. id
    redis.call('HSET', results, key, result)
    redis.call('PEXPIRE', results, ttl)
    if ARGV[i + 4] == '1' then
      local completed = p .. 'done:' .. id
      redis.call('RPUSH', completed, result)
      redis.call('PEXPIRE', completed, ttl)
      if not done[id] then
        done[id] = true
        doneIds[#doneIds + 1] = id
      end
    end
    if ARGV[i + 6] == '1' then
      redis.call('LREM', p .. 'inflight:' .. key, 1, id)
      if ARGV[i + 5] ~= '1' then redis.call('SADD', p .. 'running:' .. key, id) end
    end
    if ARGV[i + 5] == '1' then redis.call('SREM', p .. 'running:' .. key, id) end
    if feed then
      local r = cjson.decode(result)
      changes[#changes + 1] = cjson.encode({ id = id, gid = r.gid, nid = r.nid, state = r.state, starttime = r.starttime, time = r.time, run = r.run })
    end
    out[#out + 1] = 1
    i = i + 7
  else
    return redis.error_reply('unknown batch operation ' .. tostring(op))
  end
end
if newest ~= nil then redis.call('ZREMRANGEBYSCORE', p .. 'jobs', '-inf', newest - tonumber(ttl)) end
if #doneIds > 0 or #jobs > 0 or #changes > 0 then
  -- Built by hand: cjson writes an empty list as {}.
  local ids = {}
  for k, id in ipairs(doneIds) do ids[k] = cjson.encode(id) end
  local news = '{"type":"result","ids":[' .. table.concat(ids, ',') .. ']'
  if #jobs > 0 then news = news .. ',"jobs":[' .. table.concat(jobs, ',') .. ']' end
  if #changes > 0 then news = news .. ',"changes":[' .. table.concat(changes, ',') .. ']' end
  redis.call('PUBLISH', p .. 'events', news .. '}')
end
return out
`;

/** Operations per script call: bounded so one call never holds Redis for long. */
const MAX_OPERATIONS = 1000;
const MAX_ARGUMENTS = 64_000;

interface Waiter {
  resolve(reply: unknown): void;
  reject(error: unknown): void;
}

/**
 * Gathers operations until the event loop turns (setImmediate), then runs them as one
 * BATCH call; a full batch goes at once.
 */
export class RedisBatcher {
  private args: string[] = [];
  private waiters: Waiter[] = [];
  private scheduled = false;

  constructor(
    /** Runs BATCH with these ARGV (prefix and ttl first) and returns its array reply. */
    private readonly run: (argv: string[]) => Promise<unknown>,
    private readonly fixed: readonly string[],
  ) {}

  add(operation: readonly string[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      for (const arg of operation) this.args.push(arg);
      this.waiters.push({ resolve, reject });
      if (this.waiters.length >= MAX_OPERATIONS || this.args.length >= MAX_ARGUMENTS) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    const argv = [...this.fixed, ...this.args];
    this.args = [];
    this.waiters = [];
    this.run(argv).then(
      (reply) => {
        const replies = Array.isArray(reply) ? reply : [];
        waiters.forEach((waiter, index) => waiter.resolve(replies[index]));
      },
      (error: unknown) => {
        for (const waiter of waiters) waiter.reject(error);
      },
    );
  }
}
