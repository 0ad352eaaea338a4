/**
 * cleanup_tmp_files confined to the data dir, the pickle writer read back by Python's
 * pickle, and how positional XML-RPC parameters map onto registry commands with a schema
 * (guest-* commands included, over XML-RPC from Python).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pickleDumps } from '../../src/commands/vt/logging/pickle-writer.js';
import { HostlinkError } from '../../src/core/errors.js';
import { defineCommand } from '../../src/core/registry.js';
import { t } from '../../src/core/schema.js';
import { argumentsFromPositional } from '../../src/protocols/xmlrpc/index.js';
import { makeTempDir } from '../helpers/temp.js';
import { requirePython, runPython, runPythonJson, startTestVtAgent, type TestVtAgent } from './vt-helpers.js';

let agent: TestVtAgent;
const outside = makeTempDir('hostlink-vt-outside-');

before(async () => {
  agent = await startTestVtAgent({ withQga: true });
});

after(async () => {
  await agent?.close();
  outside.remove();
});

async function cleanup(pattern: string): Promise<unknown> {
  const command = agent.registry.get('vt_agent.api.cleanup_tmp_files')!;
  return command.handler({ path_or_glob: pattern }, { protocol: 'test', clientId: 't', log: undefined as never, signal: new AbortController().signal });
}

test('cleanup_tmp_files removes files, folders and globs inside the data dir only', async () => {
  const tmpA = await agent.runtime.dataDir.makeTmpDir();
  const tmpB = await agent.runtime.dataDir.makeTmpDir();
  writeFileSync(join(tmpA, 'file.txt'), 'x');
  writeFileSync(join(agent.dataDir, 'download', 'keep.iso'), 'x');
  writeFileSync(join(agent.dataDir, 'download', 'drop.tmp'), 'x');
  writeFileSync(join(outside.path, 'precious'), 'x');
  symlinkSync(outside.path, join(agent.dataDir, 'download', 'link'));
  assert.equal(await cleanup(`${agent.dataDir}/agent_tmp_*`), null);
  assert.equal(existsSync(tmpA), false);
  assert.equal(existsSync(tmpB), false);
  await cleanup('download/*.tmp'); // relative to the data dir
  assert.equal(existsSync(join(agent.dataDir, 'download', 'drop.tmp')), false);
  assert.equal(existsSync(join(agent.dataDir, 'download', 'keep.iso')), true);
  await cleanup('download/link/*'); // through a link that leads out: nothing
  assert.equal(existsSync(join(outside.path, 'precious')), true);
  await cleanup('no_such_*'); // nothing matches: no error
  for (const pattern of [join(outside.path, 'precious'), `${agent.dataDir}/../*`, '/etc/passwd', agent.dataDir, '.']) {
    await assert.rejects(cleanup(pattern), (error: unknown) => error instanceof HostlinkError && error.errorClass === 'PermissionDenied', pattern);
  }
  assert.equal(existsSync(join(outside.path, 'precious')), true);
  await cleanup('download/link'); // the link itself is inside: removed, its target kept
  assert.equal(existsSync(join(agent.dataDir, 'download', 'link')), false);
  assert.equal(existsSync(join(outside.path, 'precious')), true);
});

test('cleanup_tmp_files over XML-RPC: a refusal is a PermissionError fault', async (t) => {
  const python = requirePython(t);
  if (!python) return;
  mkdirSync(join(agent.dataDir, 'agent_tmp_remote'));
  const out = await runPythonJson<Record<string, unknown>>(
    python,
    `import json, sys, xmlrpc.client
p = xmlrpc.client.ServerProxy(sys.argv[1], allow_none=True)
removed = p.vt_agent.api.cleanup_tmp_files(sys.argv[2] + "/agent_tmp_*")
try:
    p.vt_agent.api.cleanup_tmp_files("/tmp")
    refused = None
except xmlrpc.client.Fault as fault:
    refused = json.loads(fault.faultString)
print(json.dumps({"removed": removed, "refused": refused}))`,
    [agent.url, agent.dataDir],
  );
  assert.equal(out.removed, null);
  assert.equal(existsSync(join(agent.dataDir, 'agent_tmp_remote')), false);
  assert.equal((out.refused as Record<string, string>).exc_type, 'PermissionError');
  assert.match((out.refused as Record<string, string>).exc_value, /only paths inside the agent's data dir/);
});

test('the pickle writer: Python unpickles exactly the dict that was written', async (t) => {
  const python = requirePython(t);
  if (!python) return;
  const value = {
    small: 7,
    byte: 255,
    short: 65535,
    int: -(2 ** 31),
    wide: 2 ** 40,
    huge: -(2n ** 100n),
    minusOne: -1,
    float: 0.1,
    wholeFloat: 3,
    text: 'é中😀',
    empty: '',
    none: null,
    yes: true,
    no: false,
    list: [1, 'two', [null]],
    nested: { a: {} },
  };
  const temp = makeTempDir('hostlink-pickle-');
  try {
    const file = join(temp.path, 'record.pickle');
    writeFileSync(file, pickleDumps(value, new Set(['wholeFloat'])));
    const result = await runPython(
      python,
      `import pickle, sys
data = open(sys.argv[1], "rb").read()
assert data[:2] == b"\\x80\\x02"
value = pickle.loads(data)
expected = {"small": 7, "byte": 255, "short": 65535, "int": -2**31, "wide": 2**40, "huge": -2**100, "minusOne": -1, "float": 0.1,
            "wholeFloat": 3.0, "text": "\\u00e9\\u4e2d\\U0001F600", "empty": "", "none": None, "yes": True, "no": False,
            "list": [1, "two", [None]], "nested": {"a": {}}}
assert value == expected, value
assert type(value["wholeFloat"]) is float and type(value["yes"]) is bool
print("ok")`,
      [file],
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'ok');
  } finally {
    temp.remove();
  }
});

test('positional parameters fill the schema in declaration order; one struct is named arguments', () => {
  const open = defineCommand({ name: 'guest-file-open', args: t.struct({ path: t.str(), mode: t.optional(t.str()) }), handler: () => null });
  const takesStruct = defineCommand({ name: 'set', args: t.struct({ options: t.any(), force: t.optional(t.bool()) }), handler: () => null });
  const none = defineCommand({ name: 'ping', handler: () => null });
  const raw = { name: 'svc.fn', rawArguments: true, handler: () => null };
  assert.deepEqual(argumentsFromPositional(open, ['/tmp/x', 'w']), { path: '/tmp/x', mode: 'w' });
  assert.deepEqual(argumentsFromPositional(open, ['/tmp/x']), { path: '/tmp/x' });
  assert.deepEqual(argumentsFromPositional(open, ['/tmp/x', null]), { path: '/tmp/x' }); // nil skips an optional member
  assert.deepEqual(argumentsFromPositional(open, [{ path: '/tmp/y' }]), { path: '/tmp/y' });
  assert.throws(() => argumentsFromPositional(open, ['a', 'b', 'c']), /guest-file-open\(\) takes at most 2 arguments \(3 given\)/);
  assert.deepEqual(argumentsFromPositional(takesStruct, [{ depth: 1 }]), { options: { depth: 1 } }); // first member is itself a struct
  assert.equal(argumentsFromPositional(none, []), undefined);
  assert.deepEqual(argumentsFromPositional(none, [{}]), {});
  assert.throws(() => argumentsFromPositional(none, [1]), /ping\(\) takes no arguments \(1 given\)/);
  assert.deepEqual(argumentsFromPositional(raw, [1, { a: 2 }]), [1, { a: 2 }]);
});

test('guest-* commands are callable over XML-RPC, positionally or with named arguments', async (t) => {
  const python = requirePython(t);
  if (!python) return;
  const file = join(outside.path, 'written-over-xmlrpc.txt');
  const out = await runPythonJson<Record<string, unknown>>(
    python,
    `import base64, json, sys, xmlrpc.client
p = xmlrpc.client.ServerProxy(sys.argv[1], allow_none=True)
call = lambda name, *args: getattr(p, name)(*args)
handle = call("guest-file-open", sys.argv[2], "w")
written = call("guest-file-write", {"handle": handle, "buf-b64": base64.b64encode(b"hello").decode()})
call("guest-file-close", handle)
try:
    call("guest-file-open")
    missing = None
except xmlrpc.client.Fault as fault:
    missing = json.loads(fault.faultString)
print(json.dumps({"ping": call("guest-ping"), "handle": handle, "written": written, "missing": missing,
                  "info": "guest-file-open" in [c["name"] for c in call("guest-info")["supported_commands"]]}))`,
    [agent.url, file],
  );
  assert.equal(out.ping, null); // qemu-ga's empty return is nil here
  assert.equal(typeof out.handle, 'number');
  assert.deepEqual(out.written, { count: 5, eof: false });
  assert.deepEqual(out.missing, { exc_type: 'TypeError', exc_value: "Parameter 'path' is missing", tb_info: "TypeError: Parameter 'path' is missing\n" });
  assert.equal(out.info, true);
  assert.equal((await import('node:fs')).readFileSync(file, 'utf8'), 'hello');
});

test('a command its set disabled keeps its reason; a blocked or unknown one is "not supported"', async () => {
  agent.registry.register({ name: 'testing.frozen', enabled: false, disabledReason: 'the agent is frozen', handler: () => null });
  const fault = async (method: string): Promise<Record<string, string>> => {
    const text = await (await fetch(agent.url, { method: 'POST', body: `<methodCall><methodName>${method}</methodName></methodCall>` })).text();
    const raw = /<name>faultString<\/name>\n<value><string>([^<]*)<\/string>/.exec(text)![1]!;
    return JSON.parse(raw.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as Record<string, string>;
  };
  assert.equal((await fault('testing.frozen')).exc_value, 'Command testing.frozen has been disabled: the agent is frozen');
  assert.equal((await fault('testing.nothing')).exc_value, 'method "testing.nothing" is not supported');
});
