/**
 * Runs one test body against each QGA peer: the real qemu-ga and hostlink's own agent
 * (test/helpers/hostlink-qga.ts). Each test gets a fresh agent in a fresh temp folder,
 * stopped afterwards. Destructive commands are tested with `hostlinkOnly` and fake
 * system programs; never against the real qemu-ga, which would run the real ones.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { requireProgram } from '../helpers/peers.js';
import { startHostlinkQga } from '../helpers/hostlink-qga.js';
import { startQemuGa, type RunningQgaPeer } from '../helpers/qga-peer.js';
import { makeTempDir } from '../helpers/temp.js';

export type PeerName = 'qemu-ga' | 'hostlink';

export interface PeerUnderTest extends RunningQgaPeer {
  readonly name: PeerName;
}

export interface PeerTestOptions {
  /** Run against hostlink's agent only (destructive commands with fake programs). */
  readonly hostlinkOnly?: boolean;
  /** Paths of fake system programs for hostlink's agent (name -> path). */
  readonly programs?: (dir: string) => Record<string, string>;
  /**
   * hostlink only: read system files (/etc/passwd, home folders) under this folder,
   * made by the function in the scratch folder. For ssh-keys, which write into a home.
   */
  readonly rootDir?: (scratch: string) => string;
  /** Commands the agent must have disabled (qemu-ga's -b, hostlink's policy block list). */
  readonly block?: readonly string[];
}

async function startPeer(t: TestContext, name: PeerName, options: PeerTestOptions, programsDir: string): Promise<PeerUnderTest | undefined> {
  if (name === 'qemu-ga') {
    const path = requireProgram(t, 'qemu-ga', 'qemu-guest-agent');
    if (!path) return undefined;
    return { name, ...(await startQemuGa(path, { args: options.block ? ['-b', options.block.join(',')] : [] })) };
  }
  const programs = options.programs?.(programsDir);
  return {
    name,
    ...(await startHostlinkQga({
      ...(programs ? { programs } : {}),
      ...(options.block ? { policy: { block: options.block } } : {}),
      ...(options.rootDir ? { rootDir: options.rootDir(programsDir) } : {}),
    })),
  };
}

/**
 * Declares `title [qemu-ga]` and `title [hostlink]`, each running `body` with a fresh
 * peer. `scratch` is a temp folder the body may use (fake programs live there too).
 */
export function peerTest(
  title: string,
  body: (t: TestContext, peer: PeerUnderTest, scratch: string) => Promise<void>,
  options: PeerTestOptions = {},
): void {
  const names: PeerName[] = options.hostlinkOnly ? ['hostlink'] : ['qemu-ga', 'hostlink'];
  for (const name of names) {
    test(`${title} [${name}]`, async (t) => {
      const scratch = makeTempDir('hostlink-qga-client-');
      let peer: PeerUnderTest | undefined;
      try {
        peer = await startPeer(t, name, options, scratch.path);
        if (!peer) return;
        await body(t, peer, scratch.path);
      } finally {
        await peer?.stop();
        scratch.remove();
      }
    });
  }
}

/** A fake system program that records its arguments and standard input in DIR/NAME.log. */
export function fakeProgram(dir: string, name: string, exitCode = 0): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n{ echo "args: $*"; printf 'stdin: '; cat; echo; } >> '${join(dir, name)}.log'\nexit ${exitCode}\n`, { mode: 0o755 });
  return path;
}
