/**
 * The Redis store: jobs, results (with a TTL), messages, statistics, per-agent queues,
 * presence and schedules in Redis, so several controllers share one fleet and a
 * controller restart loses nothing. Events go over one pub/sub channel. Keys (prefix
 * "hl:" by default):
 *
 *   job:ID            the command (JSON)            jobs            ZSET id -> created
 *   res:ID            HASH gid:nid -> latest result  done:ID         LIST completed results
 *   msg:ID:G:N        LIST messages (last 1000)      msgt:ID         SET gid:nid with messages
 *   jstat:ID          LIST stats of the job          astat:G:N       LIST stats of the agent
 *   q:G:N / inflight:G:N  LIST job ids              deadlines       ZSET "G:N|ID" -> deadline
 *   running:G:N       SET job ids                    agents / away   HASH gid:nid -> presence / seen
 *   ctl:NAME          a live controller (expires)    schedules       HASH id -> schedule
 *   claim:ID:T        a schedule run taken           events          pub/sub channel
 *   feed              someone listens to GET /v1/events (expires unless renewed)
 */
import { createHash } from 'node:crypto';
import { createClient } from 'redis';
import { HostlinkError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { agentKey, type AgentInfo, type JobMessage, type JobResult } from '../../protocols/fleet/job-model.js';
import { MESSAGES_PER_TARGET, STATS_PER_TARGET } from './memory-store.js';
import { BATCH, RedisBatcher } from './redis-batch.js';
import { AGENT_OFFLINE, AGENT_ONLINE, DEQUEUE, REQUEUE_INFLIGHT, TAKE_EXPIRED } from './redis-scripts.js';
import {
  agentInfo,
  type AgentAddress,
  type AgentPresence,
  type ControllerStore,
  type ExpiredWork,
  type JobRecord,
  type JobSummary,
  type Schedule,
  type StoredStats,
  type StoreEvent,
} from './store.js';

function makeClient(url: string) {
  const reconnectStrategy = (retries: number): number => Math.min(5000, 100 * 2 ** Math.min(retries, 6));
  // No per-command timeout: node-redis would make an AbortSignal timer for every command,
  // which costs more than the command; a lost connection fails or replays them instead.
  return createClient({ url, socket: { reconnectStrategy, connectTimeout: 5000 }, commandOptions: { timeout: 0 } });
}

type Client = ReturnType<typeof makeClient>;

export interface RedisStoreOptions {
  /** redis://[:PASSWORD@]HOST:PORT[/DB] */
  readonly url: string;
  readonly log: Logger;
  /** How long jobs, results and messages are kept after their last change (default 24 h). */
  readonly ttlMs?: number;
  readonly prefix?: string;
}

const shas = new Map<string, string>();
function sha1(text: string): string {
  let sha = shas.get(text);
  if (!sha) shas.set(text, (sha = createHash('sha1').update(text).digest('hex')));
  return sha;
}

function parse<T>(text: unknown): T | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

function strings(reply: unknown): string[] {
  return Array.isArray(reply) ? reply.filter((item): item is string => typeof item === 'string') : [];
}

/** HGETALL replies as a map (RESP2 gives a flat list, RESP3 an object). */
function hashEntries(reply: unknown): Array<[string, string]> {
  if (Array.isArray(reply)) {
    const entries: Array<[string, string]> = [];
    for (let i = 0; i + 1 < reply.length; i += 2) entries.push([String(reply[i]), String(reply[i + 1])]);
    return entries;
  }
  if (reply && typeof reply === 'object') return Object.entries(reply as Record<string, unknown>).map(([key, value]) => [key, String(value)]);
  return [];
}

function keyOf(agent: AgentAddress): string {
  return agentKey(agent.gid, agent.nid);
}

export class RedisStore implements ControllerStore {
  private readonly listeners: Array<(event: StoreEvent) => void> = [];
  private readonly ttl: string;
  private readonly p: string;
  private readonly batch: RedisBatcher;

  private constructor(
    private readonly client: Client,
    private readonly subscriber: Client,
    private readonly log: Logger,
    ttlMs: number,
    prefix: string,
  ) {
    this.ttl = String(ttlMs);
    this.p = prefix;
    this.batch = new RedisBatcher((argv) => this.script(BATCH, [], argv), [prefix, this.ttl]);
  }

  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    const client = makeClient(options.url);
    let lastError = '';
    client.on('error', (error: Error) => {
      if (error.message !== lastError) options.log.warn({ err: error.message }, 'redis connection problem');
      lastError = error.message;
    });
    try {
      await withTimeout(client.connect(), 10_000, `cannot connect to Redis at ${redact(options.url)}`);
    } catch (error) {
      client.destroy();
      throw new HostlinkError('GenericError', `cannot connect to Redis at ${redact(options.url)}: ${(error as Error).message}`);
    }
    const subscriber = client.duplicate();
    subscriber.on('error', () => undefined);
    await subscriber.connect();
    const store = new RedisStore(client, subscriber, options.log, options.ttlMs ?? 24 * 3600 * 1000, options.prefix ?? 'hl:');
    // Loaded up front, so the first burst of EVALSHA does not meet NOSCRIPT by the thousand.
    await Promise.all([BATCH, AGENT_OFFLINE, AGENT_ONLINE, DEQUEUE, REQUEUE_INFLIGHT, TAKE_EXPIRED].map((source) => client.sendCommand(['SCRIPT', 'LOAD', source])));
    await subscriber.subscribe(`${store.p}events`, (message: string) => store.deliver(message));
    return store;
  }

  private deliver(message: string): void {
    const event = parse<StoreEvent>(message);
    if (!event) return;
    for (const listener of this.listeners) listener(event);
  }

  private command<T = unknown>(args: string[]): Promise<T> {
    return this.client.sendCommand<T>(args);
  }

  private async script(source: string, keys: string[], args: string[]): Promise<unknown> {
    const sha = sha1(source);
    try {
      return await this.command(['EVALSHA', sha, String(keys.length), ...keys, ...args]);
    } catch (error) {
      if (!String((error as Error).message).includes('NOSCRIPT')) throw error;
      return this.command(['EVAL', source, String(keys.length), ...keys, ...args]);
    }
  }

  /**
   * Sends commands back to back (node-redis pipelines what is sent in one tick); Redis
   * runs them in order, so an event published last is seen after the writes before it.
   */
  private async pipeline(commands: string[][]): Promise<void> {
    await Promise.all(commands.map((args) => this.command(args)));
  }

  // --- jobs and results ---------------------------------------------------------

  async createJob(record: JobRecord, initial: readonly JobResult[]): Promise<boolean> {
    const id = record.command.id;
    const fields = initial.flatMap((result) => [agentKey(result.gid, result.nid), JSON.stringify(result)]);
    const created = await this.batch.add(['create', id, JSON.stringify(record), String(record.created), String(fields.length), ...fields]);
    return Number(created) === 1;
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    return parse<JobRecord>(await this.command(['GET', `${this.p}job:${id}`]));
  }

  async listJobs(limit: number): Promise<JobSummary[]> {
    const ids = strings(await this.command(['ZRANGE', `${this.p}jobs`, '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', '0', String(limit)]));
    const summaries = await Promise.all(
      ids.map(async (id) => {
        const record = await this.getJob(id);
        if (!record) return undefined;
        const states: Record<string, number> = {};
        const results = await this.getResults(id);
        for (const result of results) states[result.state] = (states[result.state] ?? 0) + 1;
        return { id, cmd: record.command.cmd, created: record.created, targets: results.length, states, tags: record.command.tags ?? '' };
      }),
    );
    return summaries.filter((summary): summary is JobSummary => summary !== undefined);
  }

  async getResults(id: string): Promise<JobResult[]> {
    return hashEntries(await this.command(['HGETALL', `${this.p}res:${id}`]))
      .map(([, value]) => parse<JobResult>(value))
      .filter((result): result is JobResult => result !== undefined);
  }

  async putResult(result: JobResult, completed: boolean, last = false, accepted = false): Promise<void> {
    await this.batch.add(['put', agentKey(result.gid, result.nid), result.id, JSON.stringify(result), completed ? '1' : '0', last ? '1' : '0', accepted ? '1' : '0']);
  }

  async readCompleted(id: string, after: number): Promise<JobResult[]> {
    return strings(await this.command(['LRANGE', `${this.p}done:${id}`, String(after), '-1']))
      .map((text) => parse<JobResult>(text))
      .filter((result): result is JobResult => result !== undefined);
  }

  // --- messages and statistics --------------------------------------------------

  async appendMessages(id: string, messages: readonly JobMessage[]): Promise<void> {
    const byTarget = new Map<string, string[]>();
    for (const message of messages) {
      const key = agentKey(message.gid, message.nid);
      let list = byTarget.get(key);
      if (!list) byTarget.set(key, (list = []));
      list.push(JSON.stringify(message));
    }
    const commands: string[][] = [];
    for (const [target, texts] of byTarget) {
      const list = `${this.p}msg:${id}:${target}`;
      commands.push(['RPUSH', list, ...texts], ['LTRIM', list, String(-MESSAGES_PER_TARGET), '-1'], ['PEXPIRE', list, this.ttl], ['SADD', `${this.p}msgt:${id}`, target]);
    }
    commands.push(['PEXPIRE', `${this.p}msgt:${id}`, this.ttl]);
    await this.pipeline(commands);
  }

  async readMessages(id: string, options: { levels?: readonly number[]; limit: number; gid?: number; nid?: number }): Promise<JobMessage[]> {
    const targets =
      options.gid !== undefined && options.nid !== undefined ? [agentKey(options.gid, options.nid)] : strings(await this.command(['SMEMBERS', `${this.p}msgt:${id}`]));
    const levels = options.levels ? new Set(options.levels) : undefined;
    const lists = await Promise.all(targets.map((target) => this.command(['LRANGE', `${this.p}msg:${id}:${target}`, '0', '-1'])));
    const all = lists
      .flatMap((reply) => strings(reply))
      .map((text) => parse<JobMessage>(text))
      .filter((message): message is JobMessage => message !== undefined && (!levels || levels.has(message.level)));
    if (targets.length > 1) all.sort((a, b) => a.epoch - b.epoch);
    return all.slice(-options.limit);
  }

  async appendStats(stats: StoredStats): Promise<void> {
    const text = JSON.stringify(stats);
    const job = `${this.p}jstat:${stats.id}`;
    const agent = `${this.p}astat:${keyOf(stats)}`;
    await this.pipeline([
      ['RPUSH', job, text],
      ['LTRIM', job, String(-STATS_PER_TARGET * 10), '-1'],
      ['PEXPIRE', job, this.ttl],
      ['RPUSH', agent, text],
      ['LTRIM', agent, String(-STATS_PER_TARGET), '-1'],
    ]);
  }

  async readJobStats(id: string): Promise<StoredStats[]> {
    return this.readStats(`${this.p}jstat:${id}`);
  }

  async readAgentStats(gid: number, nid: number): Promise<StoredStats[]> {
    return this.readStats(`${this.p}astat:${agentKey(gid, nid)}`);
  }

  private async readStats(key: string): Promise<StoredStats[]> {
    return strings(await this.command(['LRANGE', key, '0', '-1']))
      .map((text) => parse<StoredStats>(text))
      .filter((stats): stats is StoredStats => stats !== undefined);
  }

  // --- work queues ----------------------------------------------------------------

  async enqueue(agent: AgentAddress, id: string, deadline: number, announce = true, offer = false): Promise<boolean> {
    const event = announce ? JSON.stringify({ type: 'work', gid: agent.gid, nid: agent.nid } satisfies StoreEvent) : '';
    return Number(await this.batch.add(['enqueue', keyOf(agent), id, String(deadline), event, offer ? '1' : '0'])) === 1;
  }

  async takeWork(agent: AgentAddress, max: number): Promise<string[]> {
    return strings(await this.batch.add(['take', keyOf(agent), String(max)]));
  }

  async ackWork(agent: AgentAddress, id: string): Promise<void> {
    await this.batch.add(['ack', keyOf(agent), id]);
  }

  async acceptWork(agent: AgentAddress, id: string): Promise<void> {
    await this.batch.add(['accept', keyOf(agent), id]);
  }

  async requeueInflight(agent: AgentAddress, deadline: number): Promise<void> {
    const key = keyOf(agent);
    await this.script(REQUEUE_INFLIGHT, [`${this.p}inflight:${key}`, `${this.p}q:${key}`, `${this.p}deadlines`], [String(deadline), key]);
  }

  async dequeue(agent: AgentAddress, id: string): Promise<boolean> {
    const key = keyOf(agent);
    return Number(await this.script(DEQUEUE, [`${this.p}q:${key}`, `${this.p}deadlines`], [id, key])) > 0;
  }

  async takeExpired(now: number): Promise<ExpiredWork[]> {
    const members = strings(await this.script(TAKE_EXPIRED, [`${this.p}deadlines`], [String(now), this.p]));
    return members.map((member) => {
      const [agent = '', id = ''] = [member.slice(0, member.indexOf('|')), member.slice(member.indexOf('|') + 1)];
      const [gid, nid] = agent.split(':').map(Number);
      return { gid: gid!, nid: nid!, id };
    });
  }

  async queueLength(agent: AgentAddress): Promise<number> {
    return Number(await this.command(['LLEN', `${this.p}q:${keyOf(agent)}`]));
  }

  async addRunning(agent: AgentAddress, id: string): Promise<void> {
    await this.batch.add(['running', keyOf(agent), id]);
  }

  async removeRunning(agent: AgentAddress, id: string): Promise<void> {
    await this.command(['SREM', `${this.p}running:${keyOf(agent)}`, id]);
  }

  async listRunning(agent: AgentAddress): Promise<string[]> {
    return strings(await this.command(['SMEMBERS', `${this.p}running:${keyOf(agent)}`]));
  }

  // --- presence --------------------------------------------------------------------

  async agentOnline(presence: AgentPresence): Promise<AgentPresence | undefined> {
    const keys = [`${this.p}agents`, `${this.p}away`, `${this.p}feed`];
    return parse<AgentPresence>(await this.script(AGENT_ONLINE, keys, [keyOf(presence), JSON.stringify(presence), String(Math.trunc(presence.connected)), `${this.p}events`]));
  }

  async agentOffline(agent: AgentAddress, instance: string, controller: string, at: number): Promise<void> {
    const keys = [`${this.p}agents`, `${this.p}away`, `${this.p}feed`];
    await this.script(AGENT_OFFLINE, keys, [keyOf(agent), instance, controller, String(Math.trunc(at)), `${this.p}events`]);
  }

  /** Which controllers are alive, each looked up at most once a second. */
  private readonly controllerCache = new Map<string, { alive: boolean; at: number }>();

  private async liveControllers(names: Iterable<string>): Promise<Set<string>> {
    const now = Date.now();
    const unique = [...new Set(names)];
    const stale = unique.filter((name) => (this.controllerCache.get(name)?.at ?? 0) < now - 1000);
    const alive = await Promise.all(stale.map((name) => this.command(['EXISTS', `${this.p}ctl:${name}`])));
    stale.forEach((name, index) => this.controllerCache.set(name, { alive: Number(alive[index]) === 1, at: now }));
    return new Set(unique.filter((name) => this.controllerCache.get(name)?.alive));
  }

  private info(presence: AgentPresence, away: string | undefined, liveControllers: Set<string>): AgentInfo {
    const online = away === undefined && liveControllers.has(presence.controller);
    return agentInfo(presence, online, online ? Date.now() : Number(away ?? presence.connected));
  }


  async getAgent(agent: AgentAddress): Promise<AgentInfo | undefined> {
    const [raw, away] = (await this.batch.add(['agent', keyOf(agent)])) as [unknown, unknown];
    const presence = parse<AgentPresence>(raw);
    if (!presence) return undefined;
    return this.info(presence, typeof away === 'string' ? away : undefined, await this.liveControllers([presence.controller]));
  }

  async listAgents(): Promise<AgentInfo[]> {
    const [agents, away] = await Promise.all([this.command(['HGETALL', `${this.p}agents`]), this.command(['HGETALL', `${this.p}away`])]);
    const awayMap = new Map(hashEntries(away));
    const presences = hashEntries(agents)
      .map(([, value]) => parse<AgentPresence>(value))
      .filter((presence): presence is AgentPresence => presence !== undefined);
    const live = await this.liveControllers(presences.map((presence) => presence.controller));
    return presences.map((presence) => this.info(presence, awayMap.get(keyOf(presence)), live));
  }

  async controllerAlive(controller: string, ttlMs: number): Promise<void> {
    await this.command(['SET', `${this.p}ctl:${controller}`, String(Date.now()), 'PX', String(ttlMs)]);
  }

  // --- schedules -------------------------------------------------------------------

  async putSchedule(schedule: Schedule): Promise<void> {
    await this.command(['HSET', `${this.p}schedules`, schedule.id, JSON.stringify(schedule)]);
  }

  async deleteSchedule(id: string): Promise<boolean> {
    return Number(await this.command(['HDEL', `${this.p}schedules`, id])) > 0;
  }

  async listSchedules(): Promise<Schedule[]> {
    return hashEntries(await this.command(['HGETALL', `${this.p}schedules`]))
      .map(([, value]) => parse<Schedule>(value))
      .filter((schedule): schedule is Schedule => schedule !== undefined);
  }

  async claimScheduleRun(id: string, runAt: number): Promise<boolean> {
    return (await this.command(['SET', `${this.p}claim:${id}:${runAt}`, '1', 'NX', 'PX', this.ttl])) !== null;
  }

  // --- events ----------------------------------------------------------------------

  async feedListening(ttlMs: number): Promise<void> {
    await this.command(['SET', `${this.p}feed`, '1', 'PX', String(Math.max(1, Math.trunc(ttlMs)))]);
  }

  async publish(event: StoreEvent): Promise<void> {
    await this.command(['PUBLISH', `${this.p}events`, JSON.stringify(event)]);
  }

  subscribe(listener: (event: StoreEvent) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.subscriber.quit(), this.client.quit()]);
    this.log.debug('redis store closed');
  }
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${message}: timed out`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
