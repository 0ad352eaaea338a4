import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONFIG_SCHEMA, configToToml, findKeyLine, loadConfig, parseConfig, type ConfigValueType } from '../src/core/config.js';
import { HostlinkError } from '../src/core/errors.js';
import { makeTempDir } from './helpers/temp.js';

function errorOf(text: string): string {
  try {
    parseConfig(text, '/etc/hostlink/hostlink.toml');
  } catch (error) {
    assert.ok(error instanceof HostlinkError);
    assert.equal(error.errorClass, 'InvalidParameter');
    return error.message;
  }
  assert.fail(`no error for ${JSON.stringify(text)}`);
}

test('config: [agent] keys are read with their types', () => {
  const values = parseConfig(
    [
      '[agent]',
      'listen = ["qga:unix:/run/hostlink/qga.sock", "qga:tcp:4444"]',
      'state-dir = "/var/lib/hostlink"',
      'verbose = true',
      "'block-rpcs' = ['guest-exec']",
      'daemonize = false # a comment',
    ].join('\n'),
    'f.toml',
  );
  assert.deepEqual(values.agent, {
    listen: ['qga:unix:/run/hostlink/qga.sock', 'qga:tcp:4444'],
    'state-dir': '/var/lib/hostlink',
    verbose: true,
    'block-rpcs': ['guest-exec'],
    daemonize: false,
  });
  assert.deepEqual(parseConfig('agent.verbose = true\n', 'f.toml').agent, { verbose: true });
  assert.deepEqual(parseConfig('', 'f.toml').agent, {});
});

test('config: unknown keys, sections and wrong types name the key, the file and the line', () => {
  assert.equal(errorOf('[agent]\nverbose = true\n\nlissten = []\n'), '/etc/hostlink/hostlink.toml:4: unknown key "lissten" in [agent]');
  assert.match(errorOf('# c\n[agnet]\nverbose = true\n'), /^\/etc\/hostlink\/hostlink\.toml:2: unknown section \[agnet\] \(known: \[agent\]/);
  assert.equal(errorOf('[agent]\nverbose = "yes"\n'), '/etc/hostlink/hostlink.toml:2: key "verbose" in [agent] must be true or false, not a string');
  assert.equal(errorOf('[agent]\nlisten = "qga:unix:/x"\n'), '/etc/hostlink/hostlink.toml:2: key "listen" in [agent] must be an array of strings, not a string');
  assert.equal(errorOf('[agent]\n\n"block-rpcs" = ["a", 1]\n'), '/etc/hostlink/hostlink.toml:3: key "block-rpcs" in [agent] must be an array of strings only');
  assert.equal(errorOf('agent.state-dir = 5\n'), '/etc/hostlink/hostlink.toml:1: key "state-dir" in [agent] must be a string, not an integer');
  assert.equal(errorOf('agent = { verbose = 1.5 }\n'), '/etc/hostlink/hostlink.toml:1: key "verbose" in [agent] must be true or false, not a float');
  assert.match(errorOf('[agent]\nverbose = \n'), /^\/etc\/hostlink\/hostlink\.toml:2: not valid TOML: /);
});

test('config: findKeyLine tells sections apart', () => {
  const text = '[other]\nverbose = 1\n[agent]\n  verbose=2\n';
  assert.equal(findKeyLine(text, 'agent', 'verbose'), 4);
  assert.equal(findKeyLine(text, 'other', 'verbose'), 2);
  assert.equal(findKeyLine(text, 'agent', 'listen'), undefined);
});

test('config: the default file may be missing, an explicit one may not', () => {
  const temp = makeTempDir();
  try {
    assert.throws(() => loadConfig(join(temp.path, 'none.toml')), /cannot read the configuration file .*none\.toml: ENOENT/);
    const file = join(temp.path, 'ok.toml');
    writeFileSync(file, '[agent]\nverbose = true\n');
    assert.deepEqual(loadConfig(file), { file, values: { agent: { verbose: true }, qga: {} } });
  } finally {
    temp.remove();
  }
});

test('config: configToToml writes every schema key so parseConfig reads the same values back', () => {
  // A sample value for every key of [agent], by type, so keys added later are covered too.
  const samples: Record<ConfigValueType, (key: string) => unknown> = {
    string: (key) => `/tmp/with "quotes" and \\ backslash/${key}`,
    'string-list': (key) => [`${key}-1`, 'guest-file-*'],
    boolean: () => true,
    integer: () => 42,
  };
  const schema: Record<string, { type: ConfigValueType }> = CONFIG_SCHEMA.agent;
  const section = Object.fromEntries(Object.entries(schema).map(([key, spec]) => [key, samples[spec.type](key)]));
  const text = configToToml('agent', section);
  assert.deepEqual(parseConfig(text, 'dump.toml').agent, section);
  assert.match(text, /^# Log at debug level\nverbose = true$/m);
});
