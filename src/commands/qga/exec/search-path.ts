/**
 * How qemu-ga finds the program of guest-exec: g_spawn with G_SPAWN_SEARCH_PATH and
 * G_SPAWN_SEARCH_PATH_FROM_ENVP. A path with a '/' is used as it is; a bare name is
 * looked for in the PATH of the `env` list when it has one, else in the agent's PATH,
 * else in "/bin:/usr/bin:.". A candidate that exists but cannot be run is skipped and
 * remembered, so the failure reads "Permission denied" rather than "No such file...".
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';

/** The program's path, or the errno name execve would have failed with. */
export type Resolution = { readonly path: string } | { readonly errno: string };

/** g_environ_getenv(): the first NAME=value entry. */
export function environGet(environ: readonly string[], name: string): string | undefined {
  const prefix = `${name}=`;
  return environ.find((entry) => entry.startsWith(prefix))?.slice(prefix.length);
}

async function classify(candidate: string): Promise<'runnable' | 'denied' | 'absent'> {
  try {
    const info = await stat(candidate);
    if (info.isDirectory()) return 'denied';
    await access(candidate, constants.X_OK);
    return 'runnable';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'EACCES' ? 'denied' : 'absent';
  }
}

export async function resolveProgram(file: string, environ: readonly string[] | undefined): Promise<Resolution> {
  if (file.includes('/')) return { path: file };
  if (file === '') return { errno: 'ENOENT' };
  const searchPath = (environ ? environGet(environ, 'PATH') : undefined) ?? process.env.PATH ?? '/bin:/usr/bin:.';
  let denied = false;
  for (const dir of searchPath.split(':')) {
    // Joined by hand: the result must keep its '/' ("./prog"), or spawn would search again.
    const base = dir === '' ? '.' : dir;
    const candidate = base.endsWith('/') ? base + file : `${base}/${file}`;
    const kind = await classify(candidate);
    if (kind === 'runnable') return { path: candidate };
    if (kind === 'denied') denied = true;
  }
  return { errno: denied ? 'EACCES' : 'ENOENT' };
}

/**
 * The child's environment from guest-exec's "NAME=value" list. A name given twice keeps
 * its last value: what a shell started with both sees (getenv() would see the first).
 */
export function environmentFromList(environ: readonly string[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const entry of environ) {
    const equals = entry.indexOf('=');
    // An entry without '=' is invisible to getenv(); Node cannot pass it on anyway.
    if (equals < 0) continue;
    const name = entry.slice(0, equals);
    env[name] = entry.slice(equals + 1);
  }
  return env;
}
