/**
 * The vt agent's data folder, laid out as vt_agent's:
 *
 *   DATA/log/agent.log      the agent's log
 *   DATA/log/service.log    service logs while a log client is attached
 *   DATA/download/          files services download
 *   DATA/agent_tmp_XXXXXX/  temporary folders handed to services
 */
import { chmod, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const TMP_PREFIX = 'agent_tmp_';

export class VtDataDir {
  readonly root: string;
  readonly logDir: string;
  readonly downloadDir: string;
  readonly agentLogFile: string;
  readonly serviceLogFile: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.logDir = join(this.root, 'log');
    this.downloadDir = join(this.root, 'download');
    this.agentLogFile = join(this.logDir, 'agent.log');
    this.serviceLogFile = join(this.logDir, 'service.log');
  }

  /** Creates the folders that are missing. */
  async prepare(): Promise<void> {
    await mkdir(this.logDir, { recursive: true, mode: 0o755 });
    await mkdir(this.downloadDir, { recursive: true, mode: 0o755 });
  }

  /**
   * A new agent_tmp_* folder. `shared` (the default, as in vt_agent) lets other users
   * read and enter it, for tools that run as another user.
   */
  async makeTmpDir(shared = true): Promise<string> {
    await mkdir(this.root, { recursive: true, mode: 0o755 });
    const path = await mkdtemp(join(this.root, TMP_PREFIX));
    if (shared) {
      const { mode } = await stat(path);
      await chmod(path, mode | 0o055);
    }
    return path;
  }

  /** Removes every agent_tmp_* folder. */
  async cleanTmpDirs(): Promise<void> {
    const entries = await readdir(this.root).catch(() => [] as string[]);
    await Promise.all(
      entries.filter((name) => name.startsWith(TMP_PREFIX)).map((name) => rm(join(this.root, name), { recursive: true, force: true }).catch(() => undefined)),
    );
  }
}
