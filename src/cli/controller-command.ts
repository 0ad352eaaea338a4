/**
 * `hostlink controller`: the fleet controller (REST API for clients, WebSocket endpoint
 * for agents), with the memory store or, with --redis URL, a Redis store shared with
 * other controllers. Runs until SIGTERM or SIGINT.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadTokenTable, type TokenTable } from '../controller/auth.js';
import { startControllerServer, type ControllerTls, type RunningController } from '../controller/server.js';
import { openStore } from '../controller/stores/open-store.js';
import { HostlinkError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { EXIT } from './main.js';

interface ControllerOptions {
  listen: string;
  redis?: string;
  token?: string;
  tokensFile?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  offlineWait: string;
  lostAfter: string;
  queueLimit: string;
  resultTtl: string;
  heartbeat: string;
  id?: string;
  logFile?: string;
  verbose?: boolean;
}

export const DEFAULT_CONTROLLER_LISTEN = '127.0.0.1:7700';

/** HOST:PORT, [IPV6]:PORT or PORT (on 127.0.0.1). */
export function parseControllerListen(text: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text);
  const plain = /^([^:]+):(\d{1,5})$/.exec(text);
  const portOnly = /^(\d{1,5})$/.exec(text);
  const [host, port] = bracketed ? [bracketed[1]!, bracketed[2]!] : plain ? [plain[1]!, plain[2]!] : portOnly ? ['127.0.0.1', portOnly[1]!] : [undefined, undefined];
  if (host === undefined || Number(port) > 65535) throw new HostlinkError('InvalidParameter', `--listen takes HOST:PORT or PORT, not "${text}"`);
  return { host, port: Number(port) };
}

function seconds(text: string, option: string): number {
  if (!/^\d+(\.\d+)?$/.test(text)) throw new HostlinkError('InvalidParameter', `${option} takes seconds, not "${text}"`);
  return Number(text) * 1000;
}

function readPem(path: string, option: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new HostlinkError('InvalidParameter', `cannot read ${option} ${path}: ${(error as Error).message}`);
  }
}

function tlsOf(options: ControllerOptions): ControllerTls | undefined {
  if (options.tlsCert === undefined && options.tlsKey === undefined) {
    if (options.tlsCa !== undefined) throw new HostlinkError('InvalidParameter', '--tls-ca needs --tls-cert and --tls-key');
    return undefined;
  }
  if (options.tlsCert === undefined || options.tlsKey === undefined) throw new HostlinkError('InvalidParameter', 'give --tls-cert and --tls-key together');
  return {
    cert: readPem(options.tlsCert, '--tls-cert'),
    key: readPem(options.tlsKey, '--tls-key'),
    ...(options.tlsCa !== undefined ? { ca: readPem(options.tlsCa, '--tls-ca') } : {}),
  };
}

async function runController(options: ControllerOptions): Promise<number> {
  const log = createLogger({ name: 'hostlink-controller', level: options.verbose ? 'debug' : 'info', ...(options.logFile ? { file: options.logFile } : {}) });
  let running: RunningController;
  try {
    const { host, port } = parseControllerListen(options.listen);
    const tokens: TokenTable | undefined = options.tokensFile === undefined ? undefined : loadTokenTable(options.tokensFile);
    const tls = tlsOf(options);
    const store = await openStore({ redis: options.redis, ttlMs: seconds(options.resultTtl, '--result-ttl'), log });
    try {
      running = await startControllerServer({
        host,
        port,
        store,
        log,
        ...(options.token !== undefined ? { token: options.token } : {}),
        ...(tokens ? { tokens } : {}),
        ...(tls ? { tls } : {}),
        ...(options.id !== undefined ? { id: options.id } : {}),
        offlineWaitMs: seconds(options.offlineWait, '--offline-wait'),
        lostAfterMs: seconds(options.lostAfter, '--lost-after'),
        queueLimit: Number(options.queueLimit),
        heartbeatMs: seconds(options.heartbeat, '--heartbeat'),
      });
    } catch (error) {
      await store.close();
      throw error;
    }
  } catch (error) {
    process.stderr.write(`hostlink controller: ${(error as Error).message}\n`);
    return error instanceof HostlinkError && error.errorClass === 'InvalidParameter' ? EXIT.usage : EXIT.remoteError;
  }
  process.stderr.write(`hostlink controller: listening on ${running.url} (${options.redis ? 'redis store' : 'memory store'}); dashboard at ${running.url}/\n`);
  return new Promise<number>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      void running.close().then(() => {
        log.flush();
        resolve(EXIT.ok);
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

const HELP_AFTER = `
Bound to loopback with no token, the controller accepts every local client and agent.
On any other address it refuses to start without --token or --tokens-file.

Examples:
  hostlink controller
  hostlink controller --listen 0.0.0.0:7700 --tokens-file /etc/hostlink/tokens.toml \\
                      --tls-cert ctl.pem --tls-key ctl.key --redis redis://127.0.0.1:6379
`;

export function addControllerCommand(program: Command): void {
  program
    .command('controller')
    .description('run the fleet controller: agents connect to it, clients send jobs through it')
    .option('--listen <addr>', 'HOST:PORT or PORT to listen on', DEFAULT_CONTROLLER_LISTEN)
    .option('--redis <url>', 'keep state in Redis (redis://[:PASSWORD@]HOST:PORT[/DB]); several controllers may share it')
    .option('--token <token>', 'one token for clients (all rights) and agents (any gid/nid)')
    .option('--tokens-file <file>', 'TOML file: [[agent]] token/gid/nid and [[client]] token/rights')
    .option('--tls-cert <file>', 'serve HTTPS/WSS with this certificate (PEM)')
    .option('--tls-key <file>', 'private key of --tls-cert (PEM)')
    .option('--tls-ca <file>', "CA of agents' client certificates (asked for, not required)")
    .option('--offline-wait <seconds>', 'how long jobs wait for an away agent before EXPIRED', '300')
    .option('--lost-after <seconds>', 'how long an agent may stay away before its running jobs are DISCONNECTED', '60')
    .option('--queue-limit <n>', 'jobs that may wait for one away agent', '1000')
    .option('--result-ttl <seconds>', 'how long jobs and results are kept', '86400')
    .option('--heartbeat <seconds>', 'seconds between pings to agents (two missed drop the agent)', '10')
    .option('--id <name>', "this controller's name in the store (random by default)")
    .option('-l, --log-file <file>', 'append logs to this file instead of stderr')
    .option('-v, --verbose', 'log at debug level')
    .addHelpText('after', HELP_AFTER)
    .action(async (options: ControllerOptions) => {
      process.exitCode = await runController(options);
    });
}
