/** guest-get-osinfo: uname(2) plus os-release. */
import { machine, release, version } from 'node:os';
import { osReleaseFields } from './os-release.js';
import type { SystemRoot } from './system-root.js';

/**
 * qemu-ga reads $QGA_OS_RELEASE alone if set, else /etc/os-release and, when that is
 * missing or unparsable, /usr/lib/os-release.
 */
async function readOsRelease(root: SystemRoot, env: NodeJS.ProcessEnv): Promise<Record<string, string> | undefined> {
  const candidates = env.QGA_OS_RELEASE !== undefined ? [env.QGA_OS_RELEASE] : ['/etc/os-release', '/usr/lib/os-release'];
  for (const path of candidates) {
    let bytes: Buffer;
    try {
      bytes = await root.readBytes(path);
    } catch {
      continue;
    }
    const fields = osReleaseFields(bytes);
    if (fields) return fields;
  }
  return undefined;
}

export async function getOsInfo(root: SystemRoot, env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const info: Record<string, string> = {
    'kernel-release': release(),
    'kernel-version': version(),
    machine: machine(),
  };
  return { ...info, ...(await readOsRelease(root, env)) };
}
