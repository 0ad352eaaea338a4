/**
 * Streamed service logs: start_logger_client feeds a receiver built on Python's own
 * logging machinery (pickle.loads + logging.makeLogRecord, as the logging cookbook's
 * SocketHandler receiver does); start_log_redirection feeds the newer JSON framing.
 * Both also write service.log in vt_agent's format.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { EXAMPLE_SERVICES, requirePython, runPythonJson, startTestVtAgent, type TestVtAgent } from './vt-helpers.js';

let agent: TestVtAgent;

before(async () => {
  agent = await startTestVtAgent({ servicesDir: EXAMPLE_SERVICES });
});

after(async () => {
  await agent.close();
});

/** A receiver thread in the Python script; `decode` turns one frame's bytes into a LogRecord. */
const RECEIVER = `import json, logging, pickle, socketserver, struct, sys, threading, time, xmlrpc.client
records = []
class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        while True:
            header = self.connection.recv(4, socket_flags)
            if len(header) < 4:
                return
            length = struct.unpack(">L", header)[0]
            data = b""
            while len(data) < length:
                chunk = self.connection.recv(length - len(data))
                if not chunk:
                    return
                data += chunk
            records.append(logging.makeLogRecord(decode(data)))
socket_flags = 0
class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
server = Server(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
port = server.server_address[1]
p = xmlrpc.client.ServerProxy(sys.argv[1], allow_none=True)
def wait_for(count):
    deadline = time.time() + 10
    while len(records) < count and time.time() < deadline:
        time.sleep(0.02)
`;

test('start_logger_client streams service logs to a logging SocketHandler receiver (pickled LogRecords)', async (t) => {
  const python = requirePython(t);
  if (!python) return;
  const out = await runPythonJson<{ records: Record<string, unknown>[]; afterStop: number }>(
    python,
    `${RECEIVER}
def decode(data):
    return pickle.loads(data)
assert p.vt_agent.api.start_logger_client("127.0.0.1", port) is None
p.examples.hello.say_hello("nobody")     # logs on avocado.agent.*: not streamed
p.examples.virt.vm.boot_up("logged-vm")  # two records on avocado.service.examples.virt.vm
wait_for(2)
p.vt_agent.api.stop_logger_client()
time.sleep(0.2)
count = len(records)
p.examples.virt.vm.get_status("logged-vm")  # after stop: not streamed
time.sleep(0.3)
print(json.dumps({
  "records": [{"name": r.name, "levelname": r.levelname, "levelno": r.levelno, "message": r.getMessage(), "args": r.args,
               "funcName": r.funcName, "created": type(r.created).__name__, "msecs": type(r.msecs).__name__,
               "process": type(r.process).__name__, "exc_info": r.exc_info} for r in records[:count]],
  "afterStop": len(records) - count,
}))`,
    [agent.url],
  );
  assert.equal(out.records.length, 2);
  const [first, second] = out.records;
  assert.equal(first!.name, 'avocado.service.examples.virt.vm');
  assert.equal(first!.levelname, 'INFO');
  assert.equal(first!.levelno, 20);
  assert.match(first!.message as string, /^Attempting to boot up VM 'logged-vm' on host .+ \(simulation\)\.$/);
  assert.match(second!.message as string, /^VM 'logged-vm' successfully booted \(simulation\) with IP 192\.168\.122\.\d+\.$/);
  assert.equal(first!.args, null);
  assert.equal(first!.exc_info, null);
  assert.equal(first!.funcName, 'boot_up');
  assert.equal(first!.created, 'float');
  assert.equal(first!.msecs, 'float');
  assert.equal(first!.process, 'int');
  assert.equal(out.afterStop, 0);
  const serviceLog = readFileSync(`${agent.dataDir}/log/service.log`, 'utf8').trim().split('\n');
  assert.equal(serviceLog.length, 2);
  assert.match(serviceLog[0]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} avocado\.service\.examples\.virt\.vm INFO \| Attempting to boot up VM 'logged-vm'/);
});

test('start_log_redirection streams JSON records in the same framing', async (t) => {
  const python = requirePython(t);
  if (!python) return;
  const out = await runPythonJson<{ records: Record<string, unknown>[] }>(
    python,
    `${RECEIVER}
def decode(data):
    return json.loads(data.decode("utf-8"))
assert p.api.start_log_redirection("127.0.0.1", port) is None
p.examples.virt.vm.shutdown("json-vm")
wait_for(2)
p.api.stop_log_redirection()
print(json.dumps({"records": [{"name": r.name, "levelname": r.levelname, "message": r.getMessage(), "asctime": r.asctime} for r in records]}))`,
    [agent.url],
  );
  assert.equal(out.records.length, 2);
  assert.equal(out.records[0]!.name, 'avocado.service.examples.virt.vm');
  assert.match(out.records[0]!.message as string, /^Attempting to shut down VM 'json-vm'/);
  assert.equal(out.records[1]!.message, "VM 'json-vm' is already stopped or does not exist (simulation).");
  assert.match(out.records[0]!.asctime as string, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}$/);
});

test('a receiver that is not there does not fail the service calls', async (t) => {
  const python = requirePython(t);
  if (!python) return;
  const out = await runPythonJson<unknown[]>(
    python,
    `import json, socket, sys, xmlrpc.client
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()  # nobody listens here
p = xmlrpc.client.ServerProxy(sys.argv[1], allow_none=True)
p.vt_agent.api.start_logger_client("127.0.0.1", port)
result = [p.examples.virt.vm.get_status("ghost")["status"], p.examples.hello.ping()]
p.vt_agent.api.stop_logger_client()
print(json.dumps(result))`,
    [agent.url],
  );
  assert.deepEqual(out, ['not_found', 'pong']);
});
