/**
 * agentupdate: download the archive, check its MD5 (and SHA-256 when given), refuse it
 * if a member could land outside its folder, unpack it with Debian's tar into a fresh
 * folder, run its installer.sh if it has one, and tell the agent (onInstalled). The
 * work folder is removed afterwards, whatever happened. Nothing of the URL beyond host
 * and path is logged.
 */
import { lstat, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { genericError } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';
import { runProcess } from '../../../core/process-runner.js';
import { findSystemProgram, type ProgramLookup } from '../../../core/program-lookup.js';
import { checkMembers, parseVerboseListing } from './archive-check.js';
import { download } from './download.js';
import { loggableUrl, parseUpdateRequest } from './update-request.js';

export interface AgentUpdateOptions {
  /** Folder for downloads and unpacking (a fresh subfolder per update); the system's temp folder by default. */
  readonly workDir?: string;
  /** Accept http:// URLs (tests, trusted networks). */
  readonly allowHttp?: boolean;
  readonly maxBytes?: number;
  readonly timeoutMs?: number;
  readonly ca?: string | Buffer;
  readonly programs?: ProgramLookup;
  readonly log: Logger;
  /** Called once the update is installed (e.g. to restart the agent). */
  readonly onInstalled?: () => void;
}

async function tool(name: string, lookup: ProgramLookup | undefined): Promise<string> {
  const path = await findSystemProgram(name, lookup);
  if (path === undefined) throw genericError(`agentupdate: the ${name} program is missing`);
  return path;
}

async function runTar(lookup: ProgramLookup | undefined, args: readonly string[]): Promise<string> {
  const result = await runProcess(await tool('tar', lookup), { args, argv0: 'tar', stdout: 'capture', stderr: 'capture', maxOutputBytes: 16 * 1024 * 1024 });
  if (result.exitCode !== 0) {
    const reason = result.stderr.toString('utf8').trim().split('\n')[0] ?? '';
    throw genericError(`agentupdate: the archive cannot be read${reason ? `: ${reason}` : ''}`);
  }
  return result.stdout.toString('utf8');
}

export async function agentUpdate(value: unknown, options: AgentUpdateOptions): Promise<void> {
  const request = parseUpdateRequest(value, options.allowHttp ?? false);
  const base = options.workDir ?? tmpdir();
  await mkdir(base, { recursive: true, mode: 0o700 });
  const work = await mkdtemp(join(base, 'agentupdate-'));
  try {
    const archive = join(work, 'download');
    options.log.info({ url: loggableUrl(request.url) }, 'agentupdate: downloading');
    const got = await download(request.url, archive, {
      maxBytes: options.maxBytes ?? 256 * 1024 * 1024,
      timeoutMs: options.timeoutMs ?? 5 * 60 * 1000,
      allowHttp: options.allowHttp ?? false,
      ...(options.ca ? { ca: options.ca } : {}),
    });
    if (got.md5 !== request.md5) throw genericError('agentupdate: the MD5 sum does not match');
    if (request.sha256 !== undefined && got.sha256 !== request.sha256) throw genericError('agentupdate: the SHA-256 sum does not match');
    checkMembers(parseVerboseListing(await runTar(options.programs, ['-tvf', archive, '--quoting-style=c'])));
    const unpacked = join(work, 'unpacked');
    await mkdir(unpacked, { mode: 0o700 });
    await runTar(options.programs, ['-xf', archive, '-C', unpacked, '--no-same-owner', '--no-overwrite-dir']);
    const installer = join(unpacked, 'installer.sh');
    if ((await lstat(installer).catch(() => undefined))?.isFile()) {
      const result = await runProcess(await tool('sh', options.programs), { args: ['installer.sh'], argv0: 'sh', cwd: unpacked, stdout: 'ignore', stderr: 'capture', maxOutputBytes: 64 * 1024 });
      if (result.exitCode !== 0) throw genericError(`agentupdate: installer.sh failed (status ${result.exitCode ?? result.signal})`);
    }
    options.log.info({ bytes: got.bytes, installer: true }, 'agentupdate: installed');
    options.onInstalled?.();
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
