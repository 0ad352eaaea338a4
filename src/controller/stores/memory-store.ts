/**
 * The in-memory store: one controller process, nothing to install. Everything lives in
 * maps; jobs (with their results, messages and statistics) are forgotten `ttlMs` after
 * they were created, as the original's results expired after 24 hours, or sooner when
 * more than `maxJobs` are kept (the oldest go first), so memory stays bounded.
 */
import { agentKey, type AgentInfo, type JobMessage, type JobResult } from '../../protocols/fleet/job-model.js';
import type {
  AgentAddress,
  AgentPresence,
  ControllerStore,
  ExpiredWork,
  JobRecord,
  JobSummary,
  Schedule,
  StoredStats,
  StoreEvent,
} from './store.js';
import { agentInfo, resultChange } from './store.js';

export const MESSAGES_PER_TARGET = 1000;
export const STATS_PER_TARGET = 1000;

interface JobEntry {
  readonly record: JobRecord;
  readonly results: Map<string, JobResult>;
  readonly completed: JobResult[];
  readonly messages: Map<string, JobMessage[]>;
  readonly stats: Map<string, StoredStats[]>;
}

interface AgentEntry {
  presence: AgentPresence;
  online: boolean;
  seen: number;
}

function keyOf(agent: AgentAddress): string {
  return agentKey(agent.gid, agent.nid);
}

function capped<T>(list: T[], limit: number): void {
  if (list.length > limit * 2) list.splice(0, list.length - limit);
}

function last<T>(list: readonly T[], limit: number): T[] {
  return list.length > limit ? list.slice(-limit) : [...list];
}

export interface MemoryStoreOptions {
  /** How long a job is kept after it was created (default 24 h). */
  readonly ttlMs?: number;
  /** How many jobs are kept at most (default 100,000). */
  readonly maxJobs?: number;
}

export class MemoryStore implements ControllerStore {
  private readonly jobs = new Map<string, JobEntry>();
  private readonly agentStats = new Map<string, StoredStats[]>();
  private readonly queues = new Map<string, string[]>();
  private readonly inflight = new Map<string, string[]>();
  private readonly deadlines = new Map<string, { agent: AgentAddress; id: string; deadline: number }>();
  private readonly running = new Map<string, Set<string>>();
  private readonly agents = new Map<string, AgentEntry>();
  private readonly schedules = new Map<string, Schedule>();
  private readonly claims = new Map<string, number>();
  private readonly listeners: Array<(event: StoreEvent) => void> = [];
  private readonly ttlMs: number;
  private readonly maxJobs: number;
  private readonly sweeper: NodeJS.Timeout;
  /** Until when the feed is listened to (epoch ms). */
  private feedUntil = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? 24 * 3600 * 1000;
    this.maxJobs = options.maxJobs ?? 100_000;
    this.sweeper = setInterval(() => this.sweep(), Math.min(60_000, Math.max(1000, this.ttlMs / 10)));
    this.sweeper.unref();
  }

  private sweep(): void {
    const limit = Date.now() - this.ttlMs;
    for (const [id, entry] of this.jobs) {
      if (entry.record.created >= limit) break; // insertion order is creation order
      this.jobs.delete(id);
    }
    for (const [key, at] of this.claims) if (at < limit) this.claims.delete(key);
  }

  async createJob(record: JobRecord, initial: readonly JobResult[]): Promise<boolean> {
    if (this.jobs.has(record.command.id)) return false;
    const results = new Map<string, JobResult>();
    for (const result of initial) results.set(agentKey(result.gid, result.nid), { ...result });
    this.jobs.set(record.command.id, { record, results, completed: [], messages: new Map(), stats: new Map() });
    if (this.jobs.size > this.maxJobs) this.jobs.delete(this.jobs.keys().next().value!);
    if (this.feedOn()) await this.publish({ type: 'result', ids: [], jobs: [{ record, state: initial[0]?.state ?? 'QUEUED' }] });
    return true;
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    return this.jobs.get(id)?.record;
  }

  async listJobs(limit: number): Promise<JobSummary[]> {
    const entries = [...this.jobs.values()].slice(-limit).reverse();
    return entries.map(({ record, results }) => {
      const states: Record<string, number> = {};
      for (const result of results.values()) states[result.state] = (states[result.state] ?? 0) + 1;
      return { id: record.command.id, cmd: record.command.cmd, created: record.created, targets: results.size, states, tags: record.command.tags ?? '' };
    });
  }

  async getResults(id: string): Promise<JobResult[]> {
    return [...(this.jobs.get(id)?.results.values() ?? [])].map((result) => ({ ...result }));
  }

  async putResult(result: JobResult, completed: boolean, last = false, accepted = false): Promise<void> {
    if (accepted) await (last ? this.ackWork(result, result.id) : this.acceptWork(result, result.id));
    if (last) this.running.get(keyOf(result))?.delete(result.id);
    const entry = this.jobs.get(result.id);
    if (!entry) return;
    entry.results.set(agentKey(result.gid, result.nid), { ...result });
    if (completed) entry.completed.push({ ...result });
    const changes = this.feedOn() ? { changes: [resultChange(result)] } : undefined;
    if (completed || changes) await this.publish({ type: 'result', ids: completed ? [result.id] : [], ...changes });
  }

  async readCompleted(id: string, after: number): Promise<JobResult[]> {
    return (this.jobs.get(id)?.completed.slice(after) ?? []).map((result) => ({ ...result }));
  }

  async appendMessages(id: string, messages: readonly JobMessage[]): Promise<void> {
    const entry = this.jobs.get(id);
    if (!entry) return;
    for (const message of messages) {
      const key = agentKey(message.gid, message.nid);
      let list = entry.messages.get(key);
      if (!list) entry.messages.set(key, (list = []));
      list.push(message);
      capped(list, MESSAGES_PER_TARGET);
    }
  }

  async readMessages(id: string, options: { levels?: readonly number[]; limit: number; gid?: number; nid?: number }): Promise<JobMessage[]> {
    const entry = this.jobs.get(id);
    if (!entry) return [];
    const lists =
      options.gid !== undefined && options.nid !== undefined
        ? [entry.messages.get(agentKey(options.gid, options.nid)) ?? []]
        : [...entry.messages.values()];
    const levels = options.levels ? new Set(options.levels) : undefined;
    const all = lists.flatMap((list) => last(list, MESSAGES_PER_TARGET)).filter((message) => !levels || levels.has(message.level));
    if (lists.length > 1) all.sort((a, b) => a.epoch - b.epoch);
    return last(all, options.limit);
  }

  async appendStats(stats: StoredStats): Promise<void> {
    const key = keyOf(stats);
    const entry = this.jobs.get(stats.id);
    if (entry) {
      let list = entry.stats.get(key);
      if (!list) entry.stats.set(key, (list = []));
      list.push(stats);
      capped(list, STATS_PER_TARGET);
    }
    let perAgent = this.agentStats.get(key);
    if (!perAgent) this.agentStats.set(key, (perAgent = []));
    perAgent.push(stats);
    capped(perAgent, STATS_PER_TARGET);
  }

  async readJobStats(id: string): Promise<StoredStats[]> {
    return [...(this.jobs.get(id)?.stats.values() ?? [])].flatMap((list) => last(list, STATS_PER_TARGET));
  }

  async readAgentStats(gid: number, nid: number): Promise<StoredStats[]> {
    return last(this.agentStats.get(agentKey(gid, nid)) ?? [], STATS_PER_TARGET);
  }

  async enqueue(agent: AgentAddress, id: string, deadline: number, announce = true, offer = false): Promise<boolean> {
    const key = keyOf(agent);
    let queue = this.queues.get(key);
    if (offer && (!queue || queue.length === 0)) {
      let inflight = this.inflight.get(key);
      if (!inflight) this.inflight.set(key, (inflight = []));
      inflight.push(id);
      return true;
    }
    if (!queue) this.queues.set(key, (queue = []));
    queue.push(id);
    this.deadlines.set(`${key}|${id}`, { agent: { gid: agent.gid, nid: agent.nid }, id, deadline });
    if (announce) await this.publish({ type: 'work', gid: agent.gid, nid: agent.nid });
    return false;
  }

  async takeWork(agent: AgentAddress, max: number): Promise<string[]> {
    const key = keyOf(agent);
    const queue = this.queues.get(key);
    if (!queue || queue.length === 0) return [];
    const taken = queue.splice(0, max);
    let inflight = this.inflight.get(key);
    if (!inflight) this.inflight.set(key, (inflight = []));
    inflight.push(...taken);
    for (const id of taken) this.deadlines.delete(`${key}|${id}`);
    return taken;
  }

  async ackWork(agent: AgentAddress, id: string): Promise<void> {
    const inflight = this.inflight.get(keyOf(agent));
    const index = inflight?.indexOf(id) ?? -1;
    if (index >= 0) inflight!.splice(index, 1);
  }

  async acceptWork(agent: AgentAddress, id: string): Promise<void> {
    await this.ackWork(agent, id);
    await this.addRunning(agent, id);
  }

  async requeueInflight(agent: AgentAddress, deadline: number): Promise<void> {
    const key = keyOf(agent);
    const inflight = this.inflight.get(key);
    if (!inflight || inflight.length === 0) return;
    this.inflight.delete(key);
    for (const id of inflight) this.deadlines.set(`${key}|${id}`, { agent: { gid: agent.gid, nid: agent.nid }, id, deadline });
    let queue = this.queues.get(key);
    if (!queue) this.queues.set(key, (queue = []));
    queue.unshift(...inflight);
  }

  async dequeue(agent: AgentAddress, id: string): Promise<boolean> {
    const key = keyOf(agent);
    const queue = this.queues.get(key);
    const index = queue?.indexOf(id) ?? -1;
    if (index < 0) return false;
    queue!.splice(index, 1);
    this.deadlines.delete(`${key}|${id}`);
    return true;
  }

  async takeExpired(now: number): Promise<ExpiredWork[]> {
    const expired: ExpiredWork[] = [];
    for (const [entryKey, entry] of this.deadlines) {
      if (entry.deadline > now) continue;
      this.deadlines.delete(entryKey);
      const queue = this.queues.get(keyOf(entry.agent));
      const index = queue?.indexOf(entry.id) ?? -1;
      if (index < 0) continue;
      queue!.splice(index, 1);
      expired.push({ gid: entry.agent.gid, nid: entry.agent.nid, id: entry.id });
    }
    return expired;
  }

  async queueLength(agent: AgentAddress): Promise<number> {
    return this.queues.get(keyOf(agent))?.length ?? 0;
  }

  async addRunning(agent: AgentAddress, id: string): Promise<void> {
    const key = keyOf(agent);
    let set = this.running.get(key);
    if (!set) this.running.set(key, (set = new Set()));
    set.add(id);
  }

  async removeRunning(agent: AgentAddress, id: string): Promise<void> {
    this.running.get(keyOf(agent))?.delete(id);
  }

  async listRunning(agent: AgentAddress): Promise<string[]> {
    return [...(this.running.get(keyOf(agent)) ?? [])];
  }

  async agentOnline(presence: AgentPresence): Promise<AgentPresence | undefined> {
    const key = keyOf(presence);
    const before = this.agents.get(key);
    this.agents.set(key, { presence, online: true, seen: presence.connected });
    if (this.feedOn()) await this.publish({ type: 'agent', presence, online: true, seen: presence.connected });
    return before?.presence;
  }

  async agentOffline(agent: AgentAddress, instance: string, controller: string, at: number): Promise<void> {
    const entry = this.agents.get(keyOf(agent));
    if (!entry || entry.presence.instance !== instance || entry.presence.controller !== controller) return;
    entry.online = false;
    entry.seen = at;
    if (this.feedOn()) await this.publish({ type: 'agent', presence: entry.presence, online: false, seen: at });
  }

  private info(entry: AgentEntry): AgentInfo {
    return agentInfo(entry.presence, entry.online, entry.online ? Date.now() : entry.seen);
  }


  async getAgent(agent: AgentAddress): Promise<AgentInfo | undefined> {
    const entry = this.agents.get(keyOf(agent));
    return entry ? this.info(entry) : undefined;
  }

  async listAgents(): Promise<AgentInfo[]> {
    return [...this.agents.values()].map((entry) => this.info(entry));
  }

  async controllerAlive(): Promise<void> {
    // One process: its agents are online exactly while their connections are.
  }

  async putSchedule(schedule: Schedule): Promise<void> {
    this.schedules.set(schedule.id, schedule);
  }

  async deleteSchedule(id: string): Promise<boolean> {
    return this.schedules.delete(id);
  }

  async listSchedules(): Promise<Schedule[]> {
    return [...this.schedules.values()];
  }

  async claimScheduleRun(id: string, runAt: number): Promise<boolean> {
    const key = `${id}|${runAt}`;
    if (this.claims.has(key)) return false;
    this.claims.set(key, runAt);
    return true;
  }

  private feedOn(): boolean {
    return this.feedUntil !== 0 && Date.now() < this.feedUntil;
  }

  async feedListening(ttlMs: number): Promise<void> {
    this.feedUntil = Math.max(this.feedUntil, Date.now() + ttlMs);
  }

  async publish(event: StoreEvent): Promise<void> {
    for (const listener of this.listeners) queueMicrotask(() => listener(event));
  }

  subscribe(listener: (event: StoreEvent) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }
}
