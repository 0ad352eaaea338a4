/**
 * A one-line description of the agent's system for the controller's agent list
 * ("Debian GNU/Linux 12 (bookworm), Linux 6.1.0-18-amd64 x86_64"): the distribution's
 * PRETTY_NAME from os-release (as guest-get-osinfo reads it) plus kernel and machine.
 * Sent as an HTTP header, so it is kept to printable ASCII and a bounded length.
 */
import { readFileSync } from 'node:fs';
import { machine, release, type } from 'node:os';
import { osReleaseFields } from '../../commands/qga/info/os-release.js';

const MAX_LENGTH = 200;

function distribution(): string | undefined {
  for (const path of ['/etc/os-release', '/usr/lib/os-release']) {
    try {
      const fields = osReleaseFields(readFileSync(path));
      const name = fields?.['pretty-name'] ?? fields?.name;
      if (name) return name;
    } catch {
      // try the next file
    }
  }
  return undefined;
}

export function osSummary(): string {
  const kernel = `${type()} ${release()} ${machine()}`;
  const distro = distribution();
  const text = distro ? `${distro}, ${kernel}` : kernel;
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, MAX_LENGTH);
}
