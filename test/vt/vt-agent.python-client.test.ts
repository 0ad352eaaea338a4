/**
 * The vt agent driven by Python's own xmlrpc.client: the seed document's client example
 * as written, the core API under its three prefixes, every XML-RPC type both ways,
 * faults, multicall, introspection and gzip.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EXAMPLE_SERVICES, requirePython, runPython, runPythonJson, startTestVtAgent, writeServices, type TestVtAgent } from './vt-helpers.js';
import { makeTempDir } from '../helpers/temp.js';

let agent: TestVtAgent;
const extra = makeTempDir('hostlink-vt-services-');

before(async () => {
  // The shipped examples plus a test service that echoes, faults and fails.
  writeServices(extra.path, {
    'examples/hello.js': `export * from ${JSON.stringify(`${EXAMPLE_SERVICES}/examples/hello.js`)};`,
    'examples/virt/vm.js': `export * from ${JSON.stringify(`${EXAMPLE_SERVICES}/examples/virt/vm.js`)};`,
    'testing/echo.js': `
      export function echo(...args) { return args; }
      export function big() { return [2 ** 40, -(2 ** 40), 2 ** 31 - 1, -(2 ** 31), 9007199254740993n]; }
      export function nothing() {}
      export function fault() { const error = new Error('x'); error.faultCode = 42; error.faultString = 'the service said no'; throw error; }
      export function boom() { throw new RangeError('out of range'); }
      export function unmarshallable() { return { f: () => 1 }; }
      export function _hidden() { return 'hidden'; }
      export async function slow(ms) { await new Promise((r) => setTimeout(r, ms)); return ms; }
    `,
    'testing/typed.ts': `
      interface Api { method: string; getTmpDir(): Promise<string> }
      export async function where(this: Api, label: string): Promise<[string, string, string]> {
        return [label, this.method, await this.getTmpDir()];
      }
    `,
    'testing/broken.js': 'export function never( {',
  });
  agent = await startTestVtAgent({ servicesDir: extra.path });
});

after(async () => {
  await agent.close();
  extra.remove();
});

test("the seed's client example runs as written", async (t) => {
  const python = requirePython(t);
  if (!python) return;
  // Verbatim from the vt_agent README, with the port substituted.
  const example = `import xmlrpc.client

try:
    # Replace 'localhost' and '8001' with the agent's host and port
    agent_proxy = xmlrpc.client.ServerProxy("http://localhost:${agent.port}/", allow_none=True)

    if agent_proxy.vt_agent.api.is_alive():
        print("vt_agent is alive and responding.")
    else:
        print("vt_agent.api.is_alive() returned False (unexpected).")

except ConnectionRefusedError:
    print("Connection refused. Is vt_agent running at the specified address and port?")
except xmlrpc.client.Fault as fault:
    print(f"RPC Fault: {fault.faultCode} - {fault.faultString}")
except Exception as e:
    print(f"An error occurred: {e}")

# Example of calling an example service method
try:
    # Assumes the 'examples.hello' service is loaded
    greeting = agent_proxy.examples.hello.say_hello("Developer")
    print(f"Service Response: {greeting}")
except xmlrpc.client.Fault as fault:
    print(f"RPC Fault calling service: {fault.faultCode} - {fault.faultString}")
except Exception as e:
    print(f"Error calling service: {e}")
`;
  const result = await runPython(python, example);
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trim().split('\n');
  assert.equal(lines[0], 'vt_agent is alive and responding.');
  assert.match(lines[1]!, /^Service Response: Hello, Developer! This is vt_agent running on .+\.$/);
});

test('TypeScript service modules are served; a module that fails to load is reported and skipped', async (t) => {
  const python = requirePython(t);
  if (!python) return;
  const out = await runPythonJson<[string, string, string]>(python, `import json, sys, xmlrpc.client\nprint(json.dumps(xmlrpc.client.ServerProxy(sys.argv[1]).testing.typed.where("ts")))`, [agent.url]);
  assert.equal(out[0], 'ts');
  assert.equal(out[1], 'testing.typed.where');
  assert.match(out[2], new RegExp(`^${agent.dataDir}/agent_tmp_`));
  assert.deepEqual(
    agent.runtime.serviceFailures.map((failure) => failure.module),
    ['testing.broken'],
  );
});

test('the core API answers under vt_agent.api, api and core', async (t) => {
  const python = requirePython(t);
  if (!python) return;
  const out = await runPythonJson<Record<string, unknown>>(
    python,
    `import json, sys, xmlrpc.client
p = xmlrpc.client.ServerProxy(sys.argv[1], allow_none=True)
print(json.dumps({
  "alive": [p.vt_agent.api.is_alive(), p.api.is_alive(), p.core.is_alive()],
  "agent_log": p.vt_agent.api.get_agent_log_filename(),
  "service_log": p.api.get_service_log_filename(),
  "log_dir": p.core.get_log_dir(),
}))`,
    [agent.url],
  );
  assert.deepEqual(out.alive, [true, true, true]);
  assert.equal(out.agent_log, `${agent.dataDir}/log/agent.log`);
  assert.equal(out.service_log, `${agent.dataDir}/log/service.log`);
  assert.equal(out.log_dir, `${agent.dataDir}/log`);
});

test("the example services give the original's results", async (t) => {
  const python = requirePython(t);
  if (!python) return;
  const out = await runPythonJson<Record<string, Record<string, unknown>>>(
    python,
    `import json, sys, socket, xmlrpc.client
p = xmlrpc.client.ServerProxy(sys.argv[1], allow_none=True)
vm = p.examples.virt.vm
print(json.dumps({
  "hello": {"default": p.examples.hello.say_hello(), "ping": p.examples.hello.ping(), "host": socket.gethostname()},
  "missing": vm.get_status("vm-x"),
  "stop_missing": vm.shutdown("vm-x"),
  "boot": vm.boot_up("vm-x"),
  "again": vm.boot_up("vm-x"),
  "running": vm.get_status("vm-x"),
  "stop": vm.shutdown("vm-x"),
  "stopped": vm.get_status("vm-x"),
}))`,
    [agent.url],
  );
  const host = out.hello!.host as string;
  assert.equal(out.hello!.default, `Hello, World! This is vt_agent running on ${host}.`);
  assert.equal(out.hello!.ping, 'pong');
  assert.deepEqual(out.missing, { vm_name: 'vm-x', status: 'not_found', host, message: "VM 'vm-x' not found." });
  assert.deepEqual(out.stop_missing, { vm_name: 'vm-x', status: 'already_stopped_or_not_found', host, message: "VM 'vm-x' was already stopped or not found." });
  assert.equal(out.boot!.status, 'boot_initiated');
  assert.match(out.boot!.ip_address as string, /^192\.168\.122\.(1\d\d|200)$/);
  assert.equal(out.boot!.message, "VM 'vm-x' boot sequence initiated (simulation).");
  assert.deepEqual(out.again, { vm_name: 'vm-x', status: 'already_running', host, ip_address: out.boot!.ip_address, message: "VM 'vm-x' is already running." });
  assert.deepEqual(out.running, { vm_name: 'vm-x', status: 'running', ip_address: out.boot!.ip_address, host, message: "Status for VM 'vm-x'." });
  assert.deepEqual(out.stop, { vm_name: 'vm-x', status: 'shutdown_completed', host, message: "VM 'vm-x' has been shut down (simulation)." });
  assert.deepEqual(out.stopped, { vm_name: 'vm-x', status: 'stopped', ip_address: null, host, message: "Status for VM 'vm-x'." });
});

test('every XML-RPC type makes the round trip: nil, base64, dateTime, i8, double, struct, array', async (t) => {
  const python = requirePython(t);
  if (!python) return;
  const result = await runPython(
    python,
    `import sys, datetime, xmlrpc.client
p = xmlrpc.client.ServerProxy(sys.argv[1], allow_none=True, use_builtin_types=True)
when = datetime.datetime(2024, 2, 29, 23, 59, 58)
sent = [None, True, False, 0, -7, 2**31 - 1, -2**31, 2.5, 2.0, -0.5, 1e300, "", "tab\\tnewline\\n <&> \\u00e9\\u4e2d\\U0001F600",
        b"\\x00\\x01\\xfe\\xff" * 100, when, {"a": [1, {"b": None}], "": "empty key", "__proto__": 1}, [], {}]
got = p.testing.echo.echo(*sent)
assert got == sent, (got, sent)
# JavaScript has one number type: 2.5 stays a double, a whole 2.0 comes back as an int.
assert type(got[7]) is float and type(got[3]) is int
assert type(got[13]) is bytes and type(got[14]) is datetime.datetime
# Ints beyond 32 bits come back as <i8>, which Python's client reads.
assert p.testing.echo.big() == [2**40, -2**40, 2**31 - 1, -2**31, 9007199254740993]
# A function that returns nothing answers nil.
assert p.testing.echo.nothing() is None
print("ok")`,
    [agent.url],
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim(), 'ok');
});

test("faults: a service's own code passes through; other errors are code 1 with vt_agent's JSON", async (t) => {
  const python = requirePython(t);
  if (!python) return;
  const out = await runPythonJson<Record<string, { code: number; string: string }>>(
    python,
    `import json, sys, xmlrpc.client
p = xmlrpc.client.ServerProxy(sys.argv[1], allow_none=True)
faults = {}
for name, call in [("own", lambda: p.testing.echo.fault()), ("boom", lambda: p.testing.echo.boom()),
                   ("unknown", lambda: p.no.such.method()), ("hidden", lambda: p.testing.echo._hidden()),
                   ("marshal", lambda: p.testing.echo.unmarshallable()),
                   ("args", lambda: p.vt_agent.api.start_logger_client("127.0.0.1")),
                   ("bad_port", lambda: p.vt_agent.api.start_logger_client("127.0.0.1", 70000))]:
    try:
        call()
        faults[name] = None
    except xmlrpc.client.Fault as fault:
        faults[name] = {"code": fault.faultCode, "string": fault.faultString}
print(json.dumps(faults))`,
    [agent.url],
  );
  assert.deepEqual(out.own, { code: 42, string: 'the service said no' });
  const parsed = (name: string): Record<string, string> => {
    assert.equal(out[name]!.code, 1, name);
    return JSON.parse(out[name]!.string) as Record<string, string>;
  };
  assert.deepEqual(parsed('boom'), { exc_type: 'ValueError', exc_value: 'out of range', tb_info: 'ValueError: out of range\n' });
  assert.deepEqual(parsed('unknown'), { exc_type: 'Exception', exc_value: 'method "no.such.method" is not supported', tb_info: 'Exception: method "no.such.method" is not supported\n' });
  assert.equal(parsed('hidden').exc_value, 'method "testing.echo._hidden" is not supported');
  assert.equal(parsed('marshal').exc_type, 'TypeError');
  assert.match(parsed('marshal').exc_value, /cannot marshal/);
  assert.deepEqual(parsed('args'), { exc_type: 'TypeError', exc_value: "Parameter 'port' is missing", tb_info: "TypeError: Parameter 'port' is missing\n" });
  assert.equal(parsed('bad_port').exc_type, 'ValueError');
  for (const name of ['boom', 'unknown', 'marshal', 'args']) {
    // No agent internals: no file paths, no JavaScript stack frames.
    assert.doesNotMatch(out[name]!.string, /\.ts|\.js|node:|at /, name);
  }
});

test('the newest vt_agent client rebuilds the remote exception from the fault', async (t) => {
  const python = requirePython(t);
  if (!python) return;
  // What avocado-vt's cluster proxy does with a fault: json.loads(faultString), then
  // look exc_type up (builtins or module) and raise it with exc_value.
  const result = await runPython(
    python,
    `import builtins, importlib, json, sys, xmlrpc.client
p = xmlrpc.client.ServerProxy(sys.argv[1], allow_none=True)
def rebuild(call):
    try:
        call()
    except xmlrpc.client.Fault as e:
        info = json.loads(e.faultString)
        kind = info["exc_type"]
        if "." in kind:
            module, name = kind.rsplit(".", 1)
            cls = getattr(importlib.import_module(module), name)
        else:
            cls = getattr(builtins, kind)
        return cls(info["exc_value"])
e1 = rebuild(lambda: p.testing.echo.boom())
e2 = rebuild(lambda: p.nope())
print(type(e1).__name__, str(e1))
print(type(e2).__name__, str(e2))`,
    [agent.url],
  );
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(result.stdout.trim().split('\n'), ['ValueError out of range', 'Exception method "nope" is not supported']);
});

test('introspection and system.multicall', async (t) => {
  const python = requirePython(t);
  if (!python) return;
  const out = await runPythonJson<Record<string, unknown>>(
    python,
    `import json, sys, xmlrpc.client
p = xmlrpc.client.ServerProxy(sys.argv[1], allow_none=True)
methods = p.system.listMethods()
multi = xmlrpc.client.MultiCall(p)
multi.vt_agent.api.is_alive()
multi.testing.echo.echo(1, "two")
multi.examples.hello.ping()
calls = list(multi())
raw = p.system.multicall([
  {"methodName": "testing.echo.echo", "params": [5]},
  {"methodName": "nope", "params": []},
  {"methodName": "system.multicall", "params": [[]]},
  {"oops": 1},
])
print(json.dumps({
  "methods": methods,
  "help": p.system.methodHelp("vt_agent.api.is_alive"),
  "signature": p.system.methodSignature("vt_agent.api.start_logger_client"),
  "service_signature": p.system.methodSignature("testing.echo.echo"),
  "calls": calls,
  "raw": raw,
}))`,
    [agent.url],
  );
  const methods = out.methods as string[];
  for (const name of ['vt_agent.api.is_alive', 'api.quit', 'core.cleanup_tmp_files', 'examples.hello.say_hello', 'examples.virt.vm.get_status', 'system.multicall']) {
    assert.ok(methods.includes(name), name);
  }
  assert.ok(!methods.includes('testing.echo._hidden'));
  assert.deepEqual([...methods].sort(), methods);
  assert.equal(out.help, 'Check whether the agent server is alive.');
  assert.deepEqual(out.signature, [['undef', 'string', 'int']]);
  assert.equal(out.service_signature, 'signatures not supported');
  assert.deepEqual(out.calls, [true, [1, 'two'], 'pong']);
  const raw = out.raw as unknown[];
  assert.deepEqual(raw[0], [[5]]);
  assert.equal((raw[1] as { faultCode: number }).faultCode, 1);
  assert.match((raw[2] as { faultString: string }).faultString, /recursive system.multicall forbidden/);
  assert.match((raw[3] as { faultString: string }).faultString, /methodName/);
});

test('gzip: compressed requests are read, big answers are compressed when asked', async (t) => {
  const python = requirePython(t);
  if (!python) return;
  const result = await runPython(
    python,
    `import sys, http.client, gzip, xmlrpc.client
class Recording(xmlrpc.client.Transport):
    encode_threshold = 0  # compress every request
    def parse_response(self, response):
        self.last_encoding = response.getheader("Content-Encoding", "")
        return super().parse_response(response)
t = Recording()
p = xmlrpc.client.ServerProxy(sys.argv[1], transport=t, allow_none=True)
big = "x" * 100000
assert p.testing.echo.echo(big) == [big]
print(t.last_encoding)
assert p.vt_agent.api.is_alive() is True
print(t.last_encoding or "identity")`,
    [agent.url],
  );
  assert.equal(result.code, 0, result.stderr);
  // Big answer gzipped; a small one (below 1400 bytes, as Python's server) is not.
  assert.deepEqual(result.stdout.trim().split('\n'), ['gzip', 'identity']);
});

test('concurrent calls from 8 Python threads are all answered', async (t) => {
  const python = requirePython(t);
  if (!python) return;
  const result = await runPython(
    python,
    `import sys, threading, xmlrpc.client
results = []
def worker(i):
    p = xmlrpc.client.ServerProxy(sys.argv[1], allow_none=True)
    results.append(p.testing.echo.slow(50 + i) == 50 + i and all(p.testing.echo.echo(i, n) == [i, n] for n in range(20)))
threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
[t.start() for t in threads]
[t.join() for t in threads]
print(len(results), all(results))`,
    [agent.url],
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim(), '8 True');
});
