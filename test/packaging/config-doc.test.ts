import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CONFIG_DOC_PATH, renderConfigDoc } from '../../scripts/gen-config-doc.js';
import { buildProgram } from '../../src/cli/main.js';
import { CONFIG_SCHEMA, parseConfig } from '../../src/core/config.js';

test('docs/configuration.md is what scripts/gen-config-doc.ts makes of CONFIG_SCHEMA (npm run docs:config)', async () => {
  const current = readFileSync(CONFIG_DOC_PATH, 'utf8');
  assert.ok(current === (await renderConfigDoc()), 'docs/configuration.md is out of date: run npm run docs:config');
  const schema: Record<string, Record<string, unknown>> = CONFIG_SCHEMA;
  for (const [section, keys] of Object.entries(schema)) {
    assert.match(current, new RegExp(`^## \\[${section}\\]$`, 'm'), section);
    for (const key of Object.keys(keys)) assert.match(current, new RegExp(`^\\| \`${key}\` \\|`, 'm'), `${section}.${key}`);
  }
});

test('every configuration key of a command is spelled as one of its long options', async () => {
  const program = await buildProgram();
  const schema: Record<string, Record<string, unknown>> = CONFIG_SCHEMA;
  for (const [section, keys] of Object.entries(schema)) {
    const command = program.commands.find((candidate) => candidate.name() === section);
    if (!command) continue;
    const longs = new Set(command.options.map((option) => option.long));
    for (const key of Object.keys(keys)) assert.ok(longs.has(`--${key}`), `[${section}] ${key} has no --${key} option in hostlink ${section}`);
  }
});

test('the TOML examples in docs/configuration.md load without error', () => {
  const text = readFileSync(CONFIG_DOC_PATH, 'utf8');
  const blocks = [...text.matchAll(/```toml\n([\s\S]*?)```/g)].map((match) => match[1]!);
  assert.ok(blocks.length > 0);
  for (const block of blocks) assert.doesNotThrow(() => parseConfig(block, 'docs/configuration.md'));
});
