/**
 * Where the agent keeps things when not told: system folders for root, private
 * per-user folders otherwise, so `hostlink agent` works on a fresh machine without root.
 *
 *                 root                      other users
 *   runtime dir   /run/hostlink             $XDG_RUNTIME_DIR/hostlink, else $TMPDIR/hostlink-UID
 *   state dir     /var/run/hostlink         <runtime dir>/state
 *   socket        <runtime dir>/qga.sock    (only when no listener is given at all and
 *                                            there is no qemu-ga virtio port)
 *   pid file      <runtime dir>/agent.pid   (only when daemonizing without --pid-file)
 */
import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostlinkError } from '../core/errors.js';

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function defaultRuntimeDir(): string {
  if (isRoot()) return '/run/hostlink';
  const xdg = process.env.XDG_RUNTIME_DIR;
  if (xdg && xdg.startsWith('/')) return join(xdg, 'hostlink');
  return join(tmpdir(), `hostlink-${process.getuid?.() ?? 'user'}`);
}

export function defaultStateDir(): string {
  return isRoot() ? '/var/run/hostlink' : join(defaultRuntimeDir(), 'state');
}

export function defaultSocketPath(): string {
  return join(defaultRuntimeDir(), 'qga.sock');
}

export function defaultPidFile(): string {
  return join(defaultRuntimeDir(), 'agent.pid');
}

/**
 * Creates `dir` (and its parents) for this user only. An existing one must be a real
 * folder owned by this user and not writable by others: in a shared /tmp another user
 * could have made it first to plant files.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stats = lstatSync(dir);
  if (!stats.isDirectory()) throw new HostlinkError('GenericError', `${dir} is not a folder`);
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new HostlinkError('PermissionDenied', `${dir} belongs to another user (uid ${stats.uid}); choose another folder`);
  }
  if ((stats.mode & 0o022) !== 0) {
    throw new HostlinkError('PermissionDenied', `${dir} is writable by other users; fix its mode (chmod go-w) or choose another folder`);
  }
}
