/**
 * A folder of vt_agent-style Python service modules, served through the python3 child:
 * names, values and their Python types, faults, exceptions with the service's own
 * traceback, logging, vt_agent's data_dir API, a broken module, a module named like a
 * standard library one, stdout noise, and a crashed child.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { findProgram } from '../helpers/peers.js';
import { makeTempDir } from '../helpers/temp.js';
import type { ServiceLogRecord } from '../../src/services/log-record.js';
import { requirePython, runPython, runPythonJson, startTestVtAgent, writeServices, type TestVtAgent } from './vt-helpers.js';

let agent: TestVtAgent | undefined;
const services = makeTempDir('hostlink-vt-pysvc-');
const records: ServiceLogRecord[] = [];

const BASIC = `
import datetime, logging, os, platform, xmlrpc.client
from virttest.vt_agent.core import data_dir

LOG = logging.getLogger("avocado.service." + __name__)
_calls = {"count": 0}

class CustomError(Exception):
    pass

def add(a, b=10):
    """Adds two numbers."""
    return a + b

def types(*values):
    return [[type(v).__name__, v] for v in values]

def kinds():
    return {"none": None, "float": 2.0, "big": 2**40, "bytes": b"\\x00\\xff", "when": datetime.datetime(2024, 1, 2, 3, 4, 5),
            "tuple": (1, 2), "nested": {"$weird": [1.5]}}

def count():
    _calls["count"] += 1
    return _calls["count"]

def fault():
    raise xmlrpc.client.Fault(7, "seven")

def boom():
    raise CustomError("it broke")

def chatty():
    print("this goes to stderr, not into the pipe")
    LOG.info("chatty says %s", "hello")
    LOG.debug("debug %d", 42)
    return "done"

def tmp():
    path = data_dir.get_tmp_dir()
    return [path, os.path.isdir(path), data_dir.get_log_dir()]

def system():
    return platform.system()

def unmarshallable():
    return {1: "int key"}

def kw(a, b=2, *, c=3):
    return [a, b, c]

def die():
    os._exit(3)

def _private():
    return "hidden"
`;

before(async () => {
  writeServices(services.path, {
    'pysvc/basic.py': BASIC,
    'pysvc/__init__.py': 'raise RuntimeError("__init__.py is never imported")\n',
    'pysvc/broken.py': 'import no_such_module_anywhere\ndef never(): return 1\n',
    'platform.py': 'def name():\n    return "the platform service"\n',
    'jsside/mixed.js': 'export function hello() { return "from javascript"; }\n',
  });
  if (!findProgram('python3')) return;
  agent = await startTestVtAgent({ servicesDir: services.path });
  await agent.runtime.logHub.setSink('test', {
    accepts: (name) => name.startsWith('avocado.service'),
    write: (record) => records.push(record),
    close: async () => undefined,
  });
});

after(async () => {
  await agent?.close();
  services.remove();
});

test('Python service functions are served under their dotted names, with JS ones beside them', async (t) => {
  const python = requirePython(t);
  if (!python || !agent) return;
  const out = await runPythonJson<Record<string, unknown>>(
    python,
    `import json, sys, xmlrpc.client
p = xmlrpc.client.ServerProxy(sys.argv[1], allow_none=True)
methods = p.system.listMethods()
print(json.dumps({
  "methods": [m for m in methods if not m.startswith(("vt_agent.", "api.", "core.", "system."))],
  "add": [p.pysvc.basic.add(1, 2), p.pysvc.basic.add(5)],
  "help": p.system.methodHelp("pysvc.basic.add"),
  "platform": p.platform.name(),
  "system": p.pysvc.basic.system(),
  "js": p.jsside.mixed.hello(),
  "count": [p.pysvc.basic.count(), p.pysvc.basic.count()],
}))`,
    [agent.url],
  );
  assert.deepEqual(out.methods, [
    'jsside.mixed.hello',
    'platform.name',
    'pysvc.basic.add',
    'pysvc.basic.boom',
    'pysvc.basic.chatty',
    'pysvc.basic.count',
    'pysvc.basic.die',
    'pysvc.basic.fault',
    'pysvc.basic.kinds',
    'pysvc.basic.kw',
    'pysvc.basic.system',
    'pysvc.basic.tmp',
    'pysvc.basic.types',
    'pysvc.basic.unmarshallable',
  ]);
  assert.deepEqual(out.add, [3, 15]);
  assert.equal(out.help, 'pysvc.basic.add(a, b=10)\n\nAdds two numbers.');
  assert.equal(out.platform, 'the platform service');
  assert.equal(out.system, 'Linux'); // the stdlib platform module, not the service called platform
  assert.equal(out.js, 'from javascript');
  assert.deepEqual(out.count, [1, 2]); // module state lives between calls
  assert.deepEqual(
    agent.runtime.serviceFailures.map((failure) => failure.module),
    ['pysvc.broken'],
  );
  assert.match(agent.runtime.serviceFailures[0]!.error, /ModuleNotFoundError: No module named 'no_such_module_anywhere'/);
});

test('a Python service receives what vt_agent hands it and returns what xmlrpc.client marshals', async (t) => {
  const python = requirePython(t);
  if (!python || !agent) return;
  const result = await runPython(
    python,
    `import sys, datetime, xmlrpc.client
p = xmlrpc.client.ServerProxy(sys.argv[1], allow_none=True)
got = p.pysvc.basic.types(1, 2.0, 2.5, 2**31 - 1, "s", True, None, xmlrpc.client.Binary(b"ab"),
                          xmlrpc.client.DateTime(datetime.datetime(2020, 5, 6, 7, 8, 9)), [1], {"k": 1})
expected_types = ["int", "float", "float", "int", "str", "bool", "NoneType", "Binary", "DateTime", "list", "dict"]
assert [t for t, _ in got] == expected_types, got
assert got[7][1].data == b"ab" and got[8][1].value == "20200506T07:08:09", got
k = p.pysvc.basic.kinds()
assert k["none"] is None and isinstance(k["float"], float) and k["float"] == 2.0, k
assert k["big"] == 2**40 and k["bytes"].data == b"\\x00\\xff" and k["when"].value == "20240102T03:04:05", k
assert k["tuple"] == [1, 2] and k["nested"] == {"$weird": [1.5]}, k
print("ok")`,
    [agent.url],
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim(), 'ok');
});

test("Python faults keep their code; exceptions carry the service's traceback only", async (t) => {
  const python = requirePython(t);
  if (!python || !agent) return;
  const out = await runPythonJson<Record<string, { code: number; string: string }>>(
    python,
    `import json, sys, xmlrpc.client
p = xmlrpc.client.ServerProxy(sys.argv[1], allow_none=True)
out = {}
for name in ["fault", "boom", "unmarshallable"]:
    try:
        getattr(p.pysvc.basic, name)()
    except xmlrpc.client.Fault as fault:
        out[name] = {"code": fault.faultCode, "string": fault.faultString}
try:
    p.pysvc.basic.add(1, 2, 3)
except xmlrpc.client.Fault as fault:
    out["args"] = {"code": fault.faultCode, "string": fault.faultString}
print(json.dumps(out))`,
    [agent.url],
  );
  assert.deepEqual(out.fault, { code: 7, string: 'seven' });
  const boom = JSON.parse(out.boom!.string) as Record<string, string>;
  assert.equal(out.boom!.code, 1);
  assert.equal(boom.exc_type, `${services.path}/pysvc/basic.CustomError`); // vt_agent's module naming
  assert.equal(boom.exc_value, 'it broke');
  assert.match(boom.tb_info!, /^Traceback \(most recent call last\):\n {2}File ".*\/pysvc\/basic\.py", line \d+, in boom\n/);
  assert.match(boom.tb_info!, /CustomError: it broke\n$/);
  assert.doesNotMatch(boom.tb_info!, /hostlink_service_runner/);
  const marshal = JSON.parse(out.unmarshallable!.string) as Record<string, string>;
  assert.deepEqual([marshal.exc_type, marshal.exc_value], ['TypeError', 'dictionary key must be string']);
  const args = JSON.parse(out.args!.string) as Record<string, string>;
  assert.equal(args.exc_type, 'TypeError');
  assert.match(args.exc_value!, /takes from 1 to 2 positional arguments but 3 were given/);
});

test('Python service logs reach the log hub; prints do not corrupt the pipe', async (t) => {
  const python = requirePython(t);
  if (!python || !agent) return;
  records.length = 0;
  const out = await runPythonJson<string>(python, `import json, sys, xmlrpc.client\nprint(json.dumps(xmlrpc.client.ServerProxy(sys.argv[1]).pysvc.basic.chatty()))`, [agent.url]);
  assert.equal(out, 'done');
  for (let i = 0; i < 100 && records.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  const mine = records.filter((record) => record.funcName === 'chatty');
  assert.deepEqual(
    mine.map((record) => [record.levelname, record.msg]),
    [
      ['INFO', 'chatty says hello'],
      ['DEBUG', 'debug 42'],
    ],
  );
  assert.equal(mine[0]!.name, `avocado.service.${services.path}/pysvc/basic`);
  assert.match(mine[0]!.pathname, /pysvc\/basic\.py$/);
  assert.ok(mine[0]!.lineno > 0);
});

test("vt_agent's data_dir gives services agent_tmp_* folders inside the agent's data dir", async (t) => {
  const python = requirePython(t);
  if (!python || !agent) return;
  const out = await runPythonJson<[string, boolean, string]>(python, `import json, sys, xmlrpc.client\nprint(json.dumps(xmlrpc.client.ServerProxy(sys.argv[1]).pysvc.basic.tmp()))`, [agent.url]);
  assert.match(out[0], new RegExp(`^${agent.dataDir}/agent_tmp_`));
  assert.equal(out[1], true);
  assert.equal(out[2], `${agent.dataDir}/log`);
});

test('JSON-RPC named params become Python keyword arguments', async (t) => {
  if (!requirePython(t) || !agent) return;
  const response = await fetch(agent.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([
      { jsonrpc: '2.0', id: 1, method: 'pysvc.basic.kw', params: { a: 1, c: 9 } },
      { jsonrpc: '2.0', id: 2, method: 'pysvc.basic.kw', params: [4, 5] },
    ]),
  });
  const body = (await response.json()) as { id: number; result: unknown }[];
  assert.deepEqual(
    body.sort((a, b) => a.id - b.id).map((item) => item.result),
    [
      [1, 2, 9],
      [4, 5, 3],
    ],
  );
});

test('a crashed Python child fails the calls in progress and is restarted for the next', async (t) => {
  const python = requirePython(t);
  if (!python || !agent) return;
  const out = await runPythonJson<Record<string, unknown>>(
    python,
    `import json, sys, xmlrpc.client
p = xmlrpc.client.ServerProxy(sys.argv[1], allow_none=True)
try:
    p.pysvc.basic.die()
    died = None
except xmlrpc.client.Fault as fault:
    died = json.loads(fault.faultString)["exc_type"]
print(json.dumps({"died": died, "after": p.pysvc.basic.add(2, 2), "count": p.pysvc.basic.count()}))`,
    [agent.url],
  );
  assert.equal(out.died, 'ConnectionError');
  assert.equal(out.after, 4);
  assert.equal(out.count, 1); // a new process: module state starts over
});
