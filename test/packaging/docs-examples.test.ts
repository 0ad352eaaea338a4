/**
 * The per-user pages are instructions people paste: their configuration files must
 * load, their units and drop-ins must pass systemd-analyze verify, their links must lead
 * somewhere.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/core/config.js';
import { hostlinkNodeArgs, REPO_ROOT } from '../helpers/cli.js';
import { requireProgram } from '../helpers/peers.js';
import { makeTempDir } from '../helpers/temp.js';
import { runCommand } from './run-command.js';

const PAGES = ['docs/replace-qemu-ga.md', 'docs/replace-vt-agent.md', 'docs/replace-nova-agent.md', 'docs/run-a-fleet.md', 'docs/configuration.md', 'README.md'];

function page(name: string): string {
  return readFileSync(join(REPO_ROOT, name), 'utf8');
}

function fenced(text: string, language: string): string[] {
  return [...text.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((match) => match[1]!);
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

test('docs: every hostlink.toml the pages show loads', () => {
  let count = 0;
  for (const name of PAGES) {
    const text = page(name);
    const heredocs = [...text.matchAll(/cat > \/etc\/hostlink\/hostlink\.toml <<'EOF'\n([\s\S]*?)\nEOF/g)].map((match) => match[1]!);
    for (const toml of [...heredocs, ...fenced(text, 'toml')]) {
      assert.doesNotThrow(() => parseConfig(toml, name), `${name}:\n${toml}`);
      count++;
    }
  }
  assert.ok(count >= 3, `only ${count} examples found`);
});

test('docs: units and drop-ins the pages show pass systemd-analyze verify', async (t) => {
  const analyze = requireProgram(t, 'systemd-analyze', 'systemd');
  if (!analyze) return;
  const root = makeTempDir('hostlink-doc-units-');
  t.after(root.remove);
  const hostlinkBin = join(REPO_ROOT, 'bin/hostlink.js');
  let count = 0;
  for (const name of PAGES) {
    for (const block of fenced(page(name), 'ini')) {
      const target = /^# (\/etc\/systemd\/system\/(hostlink-[a-z-]+)\.service(?:\.d\/[\w-]+\.conf)?)\n/.exec(block);
      assert.ok(target, `${name}: an ini block does not start with "# /etc/systemd/system/UNIT": ${block.slice(0, 80)}`);
      const [, path, unitName] = target;
      const prefix = join(root.path, String(count++));
      const dropIn = path!.includes('.service.d/');
      if (dropIn) {
        // A drop-in goes over the unit install-service writes.
        const installed = await runCommand(process.execPath, [...hostlinkNodeArgs(), 'install-service', unitName!.replace(/^hostlink-/, ''), '--prefix', prefix], { cwd: REPO_ROOT });
        assert.equal(installed.status, 0, installed.stderr);
      }
      const file = join(prefix, path!);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, block.replace(/\/usr\/local\/bin\/hostlink(?=\s)/g, hostlinkBin));
      const unit = join(prefix, 'etc/systemd/system', `${unitName}.service`);
      const verify = await runCommand(analyze, ['verify', unit]);
      assert.equal(verify.status, 0, `${name} ${path}: ${verify.stderr}`);
      assert.equal(verify.stderr.trim(), '', `${name} ${path}: systemd-analyze verify warned`);
    }
  }
  assert.ok(count >= 4, `only ${count} unit examples found`);
});

test('docs: relative links of the pages lead to files and headings that exist', () => {
  for (const name of PAGES) {
    for (const [, target] of page(name).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      const [file, anchor] = target!.split('#') as [string, string | undefined];
      const path = join(REPO_ROOT, file === '' ? name : join(dirname(name), file));
      assert.ok(existsSync(path), `${name}: ${target} does not exist`);
      if (anchor !== undefined) {
        const anchors = [...readFileSync(path, 'utf8').matchAll(/^#+ (.*)$/gm)].map((match) => anchorOf(match[1]!));
        assert.ok(anchors.includes(anchor), `${name}: no heading #${anchor} in ${file || name}`);
      }
    }
  }
});
