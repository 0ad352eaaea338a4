/**
 * QgaClient: a typed method for every command of the QEMU guest agent (qemu-ga 7.2's
 * Linux set plus the newer guest-network-get-route and guest-get-load), over one
 * {@link QgaConnection}. Before sending a command it checks `guest-info` (fetched once
 * and cached) and fails with {@link QgaUnsupportedError} when the agent lacks or has
 * disabled it. The higher-level helpers (exec with polling, file transfers) live in
 * exec.ts and file-transfer.ts and are exposed here as methods.
 */
import { QgaConnection, type QgaCallOptions, type QgaConnectionOptions } from './connection.js';
import { QgaProtocolError, QgaUnsupportedError } from './errors.js';
import { runExec, type ExecOptions, type ExecResult } from './exec.js';
import { readFileChunks, readFile, writeFile, type ReadFileOptions, type WriteFileOptions } from './file-transfer.js';
import type { QgaAddress } from './address.js';
import type {
  GuestAgentCommandInfo,
  GuestAgentInfo,
  GuestAuthorizedKeys,
  GuestCpuStats,
  GuestDeviceInfo,
  GuestDiskInfo,
  GuestDiskStatsInfo,
  GuestExec,
  GuestExecArguments,
  GuestExecStatus,
  GuestFileRead,
  GuestFileSeek,
  GuestFileWrite,
  GuestFilesystemInfo,
  GuestFilesystemTrimResponse,
  GuestFsfreezeStatus,
  GuestHostName,
  GuestLoadAverage,
  GuestLogicalProcessor,
  GuestMemoryBlock,
  GuestMemoryBlockInfo,
  GuestMemoryBlockResponse,
  GuestNetworkInterface,
  GuestNetworkRoute,
  GuestOSInfo,
  GuestShutdownMode,
  GuestTimezone,
  GuestUser,
  QgaReply,
  QgaRequest,
  QgaSeek,
} from './types.js';

/** Commands every agent has; they are sent without asking guest-info first. */
const ALWAYS_PRESENT = new Set(['guest-sync', 'guest-sync-delimited', 'guest-ping', 'guest-info']);

export interface QgaClientOptions extends QgaConnectionOptions {
  /** Check guest-info before each command (default true). */
  readonly checkSupport?: boolean;
}

export class QgaClient implements AsyncDisposable {
  readonly connection: QgaConnection;
  private readonly checkSupport: boolean;
  private infoPromise: Promise<GuestAgentInfo> | undefined;
  private commandTable: Map<string, GuestAgentCommandInfo> | undefined;
  private agentVersion: string | undefined;
  /** The agent could not say what it supports (no guest-info): commands go unchecked. */
  private unchecked = false;

  /** @param target an open {@link QgaConnection}, or an address for a new one. */
  constructor(target: QgaConnection | QgaAddress | string, options: QgaClientOptions = {}) {
    this.connection = target instanceof QgaConnection ? target : new QgaConnection(target, options);
    this.checkSupport = options.checkSupport ?? true;
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Runs any command by name, after the support check. The typed methods below all come
   * through here.
   */
  call<T = unknown>(command: string, args?: Record<string, unknown>, options?: QgaCallOptions): Promise<T> {
    const send = () => this.connection.execute<T>(command, args && dropUndefined(args), options);
    // Once guest-info is known the check is synchronous, so calls reach the agent in the
    // order they were made (file reads kept in flight depend on it).
    if (!this.checkSupport || this.commandTable || (ALWAYS_PRESENT.has(command) && !this.infoPromise)) {
      try {
        this.checkCommand(command);
      } catch (error) {
        return Promise.reject(error);
      }
      return send();
    }
    return this.loadCommandTable().then(() => {
      this.checkCommand(command);
      return send();
    });
  }

  /** Passes a request object through unchanged and returns the agent's whole reply. */
  raw(request: QgaRequest, options?: QgaCallOptions): Promise<QgaReply> {
    return this.connection.request(request, options);
  }

  // ---- support detection ----

  /** guest-info, fetched once per client and cached (call {@link refreshInfo} to fetch again). */
  info(): Promise<GuestAgentInfo> {
    this.infoPromise ??= this.connection.execute<GuestAgentInfo>('guest-info').then(
      (info) => {
        this.commandTable = new Map(info.supported_commands.map((entry) => [entry.name, entry]));
        this.agentVersion = info.version;
        return info;
      },
      (error: unknown) => {
        this.infoPromise = undefined;
        throw error;
      },
    );
    return this.infoPromise;
  }

  /** Forgets the cached guest-info (e.g. after the agent was upgraded or restarted). */
  refreshInfo(): Promise<GuestAgentInfo> {
    this.infoPromise = undefined;
    this.commandTable = undefined;
    this.unchecked = false;
    return this.info();
  }

  /** Whether the agent has `command` and has it enabled. */
  async supports(command: string): Promise<boolean> {
    await this.info();
    return this.commandTable?.get(command)?.enabled === true;
  }

  /** Loads guest-info for the support check; an agent without guest-info is not checked. */
  private async loadCommandTable(): Promise<void> {
    try {
      await this.info();
    } catch (error) {
      if (!(error instanceof QgaProtocolError)) throw error;
      this.commandTable ??= new Map();
      this.unchecked = true;
    }
  }

  private checkCommand(command: string): void {
    if (!this.checkSupport || this.unchecked || ALWAYS_PRESENT.has(command) || !this.commandTable) return;
    const entry = this.commandTable.get(command);
    if (!entry) throw new QgaUnsupportedError(command, false, this.agentVersion);
    if (!entry.enabled) throw new QgaUnsupportedError(command, true, this.agentVersion);
  }

  // ---- protocol ----

  /** guest-sync: echoes `id` (a random one by default); returns the echoed value. */
  sync(id: number = Math.floor(Math.random() * 2 ** 47)): Promise<number> {
    return this.call('guest-sync', { id });
  }

  /** guest-ping: resolves when the agent answers. */
  async ping(options?: QgaCallOptions): Promise<void> {
    await this.call('guest-ping', undefined, options);
  }

  // ---- time ----

  /** guest-get-time: the guest's clock in nanoseconds since the epoch. */
  getTime(): Promise<number> {
    return this.call('guest-get-time');
  }

  /** guest-set-time: sets the guest clock to `nanoseconds`, or from the RTC when omitted. */
  async setTime(nanoseconds?: number): Promise<void> {
    await this.call('guest-set-time', { time: nanoseconds });
  }

  // ---- power ----

  /** guest-shutdown (no reply on success; see QgaConnection for how success is decided). */
  async shutdown(mode?: GuestShutdownMode, options?: QgaCallOptions): Promise<void> {
    await this.call('guest-shutdown', { mode }, options);
  }

  async suspendDisk(options?: QgaCallOptions): Promise<void> {
    await this.call('guest-suspend-disk', undefined, options);
  }

  async suspendRam(options?: QgaCallOptions): Promise<void> {
    await this.call('guest-suspend-ram', undefined, options);
  }

  async suspendHybrid(options?: QgaCallOptions): Promise<void> {
    await this.call('guest-suspend-hybrid', undefined, options);
  }

  // ---- files ----

  /** guest-file-open: returns a handle; `mode` as fopen(3), "r" by default. */
  fileOpen(path: string, mode?: string): Promise<number> {
    return this.call('guest-file-open', { path, mode });
  }

  async fileClose(handle: number): Promise<void> {
    await this.call('guest-file-close', { handle });
  }

  /** guest-file-read: up to `count` bytes (agent default 4 KiB, at most 48 MiB). */
  fileRead(handle: number, count?: number, options?: QgaCallOptions): Promise<GuestFileRead> {
    return this.call('guest-file-read', { handle, count }, options);
  }

  /** guest-file-write: writes `data` (base64-encoded here). */
  fileWrite(handle: number, data: Uint8Array, options?: QgaCallOptions): Promise<GuestFileWrite> {
    return this.call('guest-file-write', { handle, 'buf-b64': Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') }, options);
  }

  /** guest-file-seek; `whence` is "set", "cur", "end" (or 0, 1, 2). */
  fileSeek(handle: number, offset: number, whence: QgaSeek | 0 | 1 | 2 = 'set'): Promise<GuestFileSeek> {
    return this.call('guest-file-seek', { handle, offset, whence });
  }

  async fileFlush(handle: number): Promise<void> {
    await this.call('guest-file-flush', { handle });
  }

  /** Reads a whole guest file in chunks (4 MiB by default), closing the handle whatever happens. */
  readFile(path: string, options?: ReadFileOptions): Promise<Buffer> {
    return readFile(this, path, options);
  }

  /** Streams a guest file chunk by chunk. */
  readFileChunks(path: string, options?: ReadFileOptions): AsyncGenerator<Buffer> {
    return readFileChunks(this, path, options);
  }

  /** Writes `data` (bytes, or any iterable of byte chunks such as a Readable) to a guest file. */
  writeFile(path: string, data: Uint8Array | string | AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options?: WriteFileOptions): Promise<number> {
    return writeFile(this, path, data, options);
  }

  // ---- file systems ----

  fsfreezeStatus(): Promise<GuestFsfreezeStatus> {
    return this.call('guest-fsfreeze-status');
  }

  /** Freezes all freezable file systems; returns how many are frozen. */
  fsfreezeFreeze(options?: QgaCallOptions): Promise<number> {
    return this.call('guest-fsfreeze-freeze', undefined, options);
  }

  /** Freezes the given mount points (all when omitted). */
  fsfreezeFreezeList(mountpoints?: string[], options?: QgaCallOptions): Promise<number> {
    return this.call('guest-fsfreeze-freeze-list', { mountpoints }, options);
  }

  /** Thaws frozen file systems; returns how many were thawed. */
  fsfreezeThaw(options?: QgaCallOptions): Promise<number> {
    return this.call('guest-fsfreeze-thaw', undefined, options);
  }

  fstrim(minimum?: number, options?: QgaCallOptions): Promise<GuestFilesystemTrimResponse> {
    return this.call('guest-fstrim', { minimum }, options);
  }

  getFsinfo(): Promise<GuestFilesystemInfo[]> {
    return this.call('guest-get-fsinfo');
  }

  getDisks(): Promise<GuestDiskInfo[]> {
    return this.call('guest-get-disks');
  }

  getDiskstats(): Promise<GuestDiskStatsInfo[]> {
    return this.call('guest-get-diskstats');
  }

  // ---- hardware ----

  getVcpus(): Promise<GuestLogicalProcessor[]> {
    return this.call('guest-get-vcpus');
  }

  /** guest-set-vcpus: returns how many entries of `vcpus` were applied. */
  setVcpus(vcpus: Array<Pick<GuestLogicalProcessor, 'logical-id' | 'online'>>): Promise<number> {
    return this.call('guest-set-vcpus', { vcpus });
  }

  getMemoryBlocks(): Promise<GuestMemoryBlock[]> {
    return this.call('guest-get-memory-blocks');
  }

  setMemoryBlocks(blocks: Array<Pick<GuestMemoryBlock, 'phys-index' | 'online'>>): Promise<GuestMemoryBlockResponse[]> {
    return this.call('guest-set-memory-blocks', { 'mem-blks': blocks });
  }

  getMemoryBlockInfo(): Promise<GuestMemoryBlockInfo> {
    return this.call('guest-get-memory-block-info');
  }

  getCpustats(): Promise<GuestCpuStats[]> {
    return this.call('guest-get-cpustats');
  }

  /** Windows guests only; disabled on Linux agents. */
  getDevices(): Promise<GuestDeviceInfo[]> {
    return this.call('guest-get-devices');
  }

  /** guest-get-load (QEMU 10.0 and later). */
  getLoad(): Promise<GuestLoadAverage> {
    return this.call('guest-get-load');
  }

  // ---- network ----

  networkGetInterfaces(): Promise<GuestNetworkInterface[]> {
    return this.call('guest-network-get-interfaces');
  }

  /** guest-network-get-route (QEMU 9.1 and later). */
  networkGetRoute(): Promise<GuestNetworkRoute[]> {
    return this.call('guest-network-get-route');
  }

  // ---- system ----

  getHostName(): Promise<GuestHostName> {
    return this.call('guest-get-host-name');
  }

  getUsers(): Promise<GuestUser[]> {
    return this.call('guest-get-users');
  }

  getTimezone(): Promise<GuestTimezone> {
    return this.call('guest-get-timezone');
  }

  getOsinfo(): Promise<GuestOSInfo> {
    return this.call('guest-get-osinfo');
  }

  /** guest-set-user-password; the password is base64-encoded here. */
  async setUserPassword(username: string, password: string | Uint8Array, options: { crypted?: boolean } = {}): Promise<void> {
    await this.call('guest-set-user-password', {
      username,
      password: Buffer.from(password).toString('base64'),
      crypted: options.crypted ?? false,
    });
  }

  // ---- ssh keys ----

  sshGetAuthorizedKeys(username: string): Promise<GuestAuthorizedKeys> {
    return this.call('guest-ssh-get-authorized-keys', { username });
  }

  /** Appends `keys` to the user's authorized_keys (replaces them all with `reset`). */
  async sshAddAuthorizedKeys(username: string, keys: string[], options: { reset?: boolean } = {}): Promise<void> {
    await this.call('guest-ssh-add-authorized-keys', { username, keys, reset: options.reset });
  }

  async sshRemoveAuthorizedKeys(username: string, keys: string[]): Promise<void> {
    await this.call('guest-ssh-remove-authorized-keys', { username, keys });
  }

  // ---- processes ----

  /** guest-exec as is: starts a process and returns its pid (see {@link exec} for the whole run). */
  execStart(args: GuestExecArguments): Promise<GuestExec> {
    return this.call('guest-exec', { ...args });
  }

  /** guest-exec-status; reaps the process once it has exited. */
  execStatus(pid: number, options?: QgaCallOptions): Promise<GuestExecStatus> {
    return this.call('guest-exec-status', { pid }, options);
  }

  /**
   * Runs `argv` in the guest and waits for it: starts it with guest-exec, then polls
   * guest-exec-status (1 ms first, backing off to a cap), and decodes its output.
   */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return runExec(this, argv, options);
  }
}

function dropUndefined(args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) if (value !== undefined) out[key] = value;
  return out;
}
