/**
 * ControllerClient: the JumpScale agentcontroller client's methods in camelCase.
 *
 *   const client = new ControllerClient({ url: 'http://127.0.0.1:7700' });
 *   const cmd = await client.execute(1, 1, 'ls', ['-l', '/opt']);
 *   const result = await cmd.getNextResult();       // completion order
 *   const msgs = await cmd.getMsgs({ limit: 100 });
 *
 * `cmd(gid, nid, cmd, args, data, id)` sends any registry command (execute, the node
 * commands, guest-*, vt, services); roles and fanout go in the options.
 *
 *   for await (const event of client.events()) ...  // jobs, result states, agents, live
 */
import { readFileSync } from 'node:fs';
import { HostlinkError } from '../../core/errors.js';
import { dataToString } from '../../protocols/fleet/command-check.js';
import type { AgentAddress, AgentInfo, JobMessage, JobResult, JobSummary, RunArgs } from '../../protocols/fleet/job-model.js';

export type { JobSummary } from '../../protocols/fleet/job-model.js';
import { CommandHandle, messagesPath, type MessageQuery } from './command-handle.js';
import type { ControllerEvent } from './events.js';
import { errorFromBody, requestJson, type HttpOptions } from './http.js';
import { readNdjson } from './ndjson.js';
import { JobSubmitter } from './submitter.js';

export const DEFAULT_CONTROLLER_URL = 'http://127.0.0.1:7700';

/** The controller pings the feed every 15 s: three missed pings mean the connection is dead. */
const EVENTS_IDLE_MS = 45_000;

export interface ControllerClientOptions {
  /** The controller's URL; $HOSTLINK_CONTROLLER, else http://127.0.0.1:7700. */
  readonly url?: string;
  /** API token; $HOSTLINK_TOKEN by default. */
  readonly token?: string;
  /** PEM CA to trust (or a file path to it) for an https:// controller. */
  readonly ca?: string | Buffer;
}

export interface CommandOptions {
  readonly id?: string;
  readonly roles?: readonly string[];
  readonly fanout?: boolean;
  readonly tags?: string;
}

export interface JobDetails {
  readonly command: Record<string, unknown>;
  readonly created: number;
  readonly targets: readonly AgentAddress[];
  readonly results: readonly JobResult[];
}

export interface ScheduleInfo {
  readonly id: string;
  readonly cron: string;
  readonly command: Record<string, unknown>;
  readonly created: number;
  /** Epoch milliseconds of the next run. */
  readonly next?: number;
}

export interface StatsEntry {
  readonly id: string;
  readonly gid: number;
  readonly nid: number;
  readonly samples: ReadonlyArray<{ key: string; value: number; type: string; epoch: number }>;
}

function loadCa(ca: string | Buffer | undefined): string | Buffer | undefined {
  if (ca === undefined || Buffer.isBuffer(ca) || ca.includes('-----BEGIN')) return ca;
  return readFileSync(ca);
}

export class ControllerClient {
  readonly url: string;
  private readonly http: HttpOptions;
  private readonly submitter: JobSubmitter;

  constructor(options: ControllerClientOptions = {}) {
    this.url = options.url ?? process.env.HOSTLINK_CONTROLLER ?? DEFAULT_CONTROLLER_URL;
    const token = options.token ?? process.env.HOSTLINK_TOKEN;
    const ca = loadCa(options.ca);
    this.http = { baseUrl: this.url, ...(token ? { token } : {}), ...(ca ? { ca } : {}) };
    this.submitter = new JobSubmitter(this.http);
  }

  /**
   * Sends a command to agents: gid+nid is one agent; null nid with roles are the agents
   * holding them (one, or all with fanout). `data` goes to a program's stdin, or is the
   * JSON arguments of a registry command (objects are sent as JSON). Calls made at the
   * same time are sent to the controller together, each still answered on its own.
   */
  async cmd(gid: number | null | undefined, nid: number | null | undefined, cmd: string, args: RunArgs = {}, data?: unknown, id?: string, options: CommandOptions = {}): Promise<CommandHandle> {
    const body: Record<string, unknown> = { cmd, args };
    if (gid !== null && gid !== undefined) body.gid = gid;
    if (nid !== null && nid !== undefined) body.nid = nid;
    const jobId = id ?? options.id;
    if (jobId !== undefined) body.id = jobId;
    if (options.roles && options.roles.length > 0) body.roles = options.roles;
    if (options.fanout) body.fanout = true;
    if (options.tags !== undefined) body.tags = options.tags;
    const text = dataToString(data);
    if (text !== undefined) body.data = text;
    // Concurrent calls are gathered into one request (see submitter.ts).
    const { status, body: answer } = await this.submitter.submit(body);
    if (status === 409 && answer.state === 'DUPLICATE_ID') return new CommandHandle(this.http, String(answer.id), [], args, true);
    if (status !== 201) throw errorFromBody(status, answer);
    return new CommandHandle(this.http, String(answer.id), (answer.targets ?? []) as AgentAddress[], args);
  }

  /**
   * Sends many commands in one request (all are checked first: a bad one refuses the
   * lot). Each entry is a command object: {gid, nid, roles, fanout, cmd, args, data, id, tags}.
   */
  async submitMany(commands: ReadonlyArray<Readonly<Record<string, unknown>>>): Promise<CommandHandle[]> {
    const body = commands.map((command) => {
      const text = dataToString(command.data);
      const { data: _data, ...rest } = command;
      return text === undefined ? rest : { ...rest, data: text };
    });
    const { status, body: answer } = await requestJson(this.http, 'POST', 'v1/jobs', body);
    if (status !== 201) throw errorFromBody(status, answer);
    return ((answer.jobs ?? []) as Array<{ id: string; state?: string; targets: AgentAddress[] }>).map(
      (outcome, index) => new CommandHandle(this.http, outcome.id, outcome.targets, (commands[index]?.args ?? {}) as RunArgs, outcome.state === 'DUPLICATE_ID'),
    );
  }

  /** Runs a program on agents: `executable` with `cmdargs` (argv, no shell), data on stdin. */
  execute(gid: number | null | undefined, nid: number | null | undefined, executable: string, cmdargs: readonly string[] = [], args: RunArgs = {}, data?: string, id?: string, options: CommandOptions = {}): Promise<CommandHandle> {
    return this.cmd(gid, nid, 'execute', { ...args, name: executable, args: [...cmdargs] }, data, id, options);
  }

  /** A handle on an existing job (results from the first on). */
  async getCmd(id: string): Promise<CommandHandle> {
    const job = await this.getJob(id);
    return new CommandHandle(this.http, id, job.targets, (job.command.args ?? {}) as RunArgs);
  }

  /**
   * Sends a registry command to one agent and returns its value (the result's JSON data).
   * Arguments are an object, or a list for commands that take positional ones (services).
   */
  async call(gid: number, nid: number, cmd: string, args: Record<string, unknown> | unknown[] = {}, timeout = 60): Promise<unknown> {
    const handle = await this.cmd(gid, nid, cmd, { max_time: timeout }, args);
    const result = await handle.getNextResult(timeout + 5);
    if (!result) throw new HostlinkError('Timeout', `no result for ${cmd} from ${gid}:${nid} within ${timeout}s`);
    if (result.state !== 'SUCCESS') throw new HostlinkError(result.state === 'UNKNOWN_CMD' ? 'CommandNotFound' : 'GenericError', result.data || result.state, { data: { state: result.state } });
    try {
      return result.data === '' ? null : JSON.parse(result.data);
    } catch {
      return result.data;
    }
  }

  getOsInfo(gid: number, nid: number): Promise<unknown> {
    return this.call(gid, nid, 'get_os_info');
  }

  getCpuInfo(gid: number, nid: number): Promise<unknown> {
    return this.call(gid, nid, 'get_cpu_info');
  }

  getMemInfo(gid: number, nid: number): Promise<unknown> {
    return this.call(gid, nid, 'get_mem_info');
  }

  getDiskInfo(gid: number, nid: number): Promise<unknown> {
    return this.call(gid, nid, 'get_disk_info');
  }

  getNicInfo(gid: number, nid: number): Promise<unknown> {
    return this.call(gid, nid, 'get_nic_info');
  }

  getProcessesStats(gid: number, nid: number): Promise<unknown> {
    return this.call(gid, nid, 'get_processes_stats');
  }

  ping(gid: number, nid: number): Promise<unknown> {
    return this.call(gid, nid, 'ping');
  }

  async getAgents(): Promise<AgentInfo[]> {
    return (await this.get('v1/agents')).agents as AgentInfo[];
  }

  async getJobs(limit = 100): Promise<JobSummary[]> {
    return (await this.get(`v1/jobs?limit=${limit}`)).jobs as JobSummary[];
  }

  async getJob(id: string): Promise<JobDetails> {
    return (await this.get(`v1/jobs/${encodeURIComponent(id)}`)) as unknown as JobDetails;
  }

  async getMsgs(id: string, query: MessageQuery = {}): Promise<JobMessage[]> {
    return (await this.get(messagesPath(id, query))).messages as JobMessage[];
  }

  async killJob(id: string): Promise<number> {
    const { status, body } = await requestJson(this.http, 'POST', `v1/jobs/${encodeURIComponent(id)}/kill`, {});
    if (status !== 200) throw errorFromBody(status, body);
    return Number(body.targets ?? 0);
  }

  async getJobStats(id: string): Promise<StatsEntry[]> {
    return (await this.get(`v1/jobs/${encodeURIComponent(id)}/stats`)).stats as StatsEntry[];
  }

  async getAgentStats(gid: number, nid: number): Promise<StatsEntry[]> {
    return (await this.get(`v1/agents/${gid}/${nid}/stats`)).stats as StatsEntry[];
  }

  /**
   * Runs a command on a cron schedule (5 fields, or 6 with seconds first), kept by the
   * controller; each run is a job with the id `ID.EPOCHSECONDS`. Replaces a schedule of
   * the same id.
   */
  async schedule(id: string, cron: string, gid: number | null | undefined, nid: number | null | undefined, cmd: string, args: RunArgs = {}, data?: unknown, options: Omit<CommandOptions, 'id'> = {}): Promise<ScheduleInfo> {
    const command: Record<string, unknown> = { cmd, args };
    if (gid !== null && gid !== undefined) command.gid = gid;
    if (nid !== null && nid !== undefined) command.nid = nid;
    if (options.roles && options.roles.length > 0) command.roles = options.roles;
    if (options.fanout) command.fanout = true;
    if (options.tags !== undefined) command.tags = options.tags;
    const text = dataToString(data);
    if (text !== undefined) command.data = text;
    const { status, body } = await requestJson(this.http, 'POST', 'v1/schedules', { id, cron, command });
    if (status !== 201) throw errorFromBody(status, body);
    return body.schedule as ScheduleInfo;
  }

  async getSchedules(): Promise<ScheduleInfo[]> {
    return (await this.get('v1/schedules')).schedules as ScheduleInfo[];
  }

  async unschedule(id: string): Promise<void> {
    const { status, body } = await requestJson(this.http, 'DELETE', `v1/schedules/${encodeURIComponent(id)}`, undefined);
    if (status !== 200) throw errorFromBody(status, body);
  }

  /**
   * The controller's live feed of the whole fleet (every controller sharing its store):
   * {type: 'hello'} once it is live, then a 'job' event per job created, a 'result' event
   * per result state recorded (QUEUED, RUNNING, final; id, gid, nid, state, starttime,
   * time, run), an 'agent' event per agent connecting or going away. It runs until
   * `signal` aborts it (then it just ends) or the controller ends it: after an 'overflow'
   * event (this reader fell too far behind) or when it shuts down. Needs the read right.
   */
  events(signal?: AbortSignal): AsyncGenerator<ControllerEvent> {
    return readNdjson<ControllerEvent>(this.http, 'v1/events', EVENTS_IDLE_MS, signal);
  }

  async health(): Promise<Record<string, unknown>> {
    return this.get('v1/health');
  }

  private async get(path: string): Promise<Record<string, unknown>> {
    const { status, body } = await requestJson(this.http, 'GET', path, undefined);
    if (status !== 200) throw errorFromBody(status, body);
    return body;
  }
}
