/**
 * Hostile and odd requests against the vt agent's HTTP listener: each gets a fault or
 * an HTTP error, and the agent keeps serving. Also the HTTP surface vt_agent clients
 * know (POST / and /RPC2, 404, 501), authentication, TLS and the policy.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { requireProgram } from '../helpers/peers.js';
import { makeTempDir } from '../helpers/temp.js';
import { EXAMPLE_SERVICES, requirePython, runPython, startTestVtAgent, type TestVtAgent } from './vt-helpers.js';

let agent: TestVtAgent;

before(async () => {
  agent = await startTestVtAgent({ servicesDir: EXAMPLE_SERVICES });
});

after(async () => {
  await agent.close();
});

const IS_ALIVE = "<?xml version='1.0'?>\n<methodCall>\n<methodName>vt_agent.api.is_alive</methodName>\n<params>\n</params>\n</methodCall>\n";

async function post(body: string | Buffer, headers: Record<string, string> = {}, path = '/', url = agent.url): Promise<{ status: number; text: string }> {
  const response = await fetch(new URL(path, url), { method: 'POST', headers: { 'content-type': 'text/xml', ...headers }, body });
  return { status: response.status, text: await response.text() };
}

async function assertStillServing(): Promise<void> {
  const { status, text } = await post(IS_ALIVE);
  assert.equal(status, 200);
  assert.match(text, /<boolean>1<\/boolean>/);
}

function faultOf(text: string): { code: number; detail: Record<string, string> } {
  const code = Number(/<name>faultCode<\/name>\n<value><int>(-?\d+)<\/int>/.exec(text)?.[1]);
  const raw = /<name>faultString<\/name>\n<value><string>([^<]*)<\/string>/.exec(text)?.[1] ?? '';
  const unescaped = raw.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return { code, detail: JSON.parse(unescaped) as Record<string, string> };
}

test('malformed XML is a fault (as expat would report it) and the agent keeps serving', async () => {
  for (const body of ['<methodCall><methodName>x</methodName>', 'not xml at all', '<methodCall></wrong>', '', '<methodCall/><methodCall/>', '<!DOCTYPE x>']) {
    const { status, text } = await post(body);
    assert.equal(status, 200, body);
    const fault = faultOf(text);
    assert.equal(fault.code, 1);
    assert.equal(fault.detail.exc_type, 'xml.parsers.expat.ExpatError', body);
  }
  await assertStillServing();
});

test('an entity bomb and external entities are refused before any expansion', async () => {
  const laughs = [
    '<?xml version="1.0"?>',
    '<!DOCTYPE lolz [<!ENTITY lol "lol">',
    ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
    ']>',
    '<methodCall><methodName>&lol9;</methodName></methodCall>',
  ].join('\n');
  const external = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><methodCall><methodName>&xxe;</methodName></methodCall>';
  const undefinedEntity = '<methodCall><methodName>&xxe;</methodName></methodCall>';
  for (const body of [laughs, external]) {
    const fault = faultOf((await post(body)).text);
    assert.equal(fault.code, 1);
    assert.match(fault.detail.exc_value!, /DOCTYPE is not allowed/);
    assert.doesNotMatch(fault.detail.exc_value!, /root:/);
  }
  assert.match(faultOf((await post(undefinedEntity)).text).detail.exc_value!, /undefined entity &xxe;/);
  await assertStillServing();
});

test('deeply nested values are refused, not a stack overflow', async () => {
  const depth = 5000;
  const body = `<methodCall><methodName>x</methodName><params><param>${'<value><array><data>'.repeat(depth)}${'</data></array></value>'.repeat(depth)}</param></params></methodCall>`;
  const fault = faultOf((await post(body)).text);
  assert.match(fault.detail.exc_value!, /nested deeper than/);
  await assertStillServing();
});

/** Sends `size` bytes of zeros; resolves with the status the agent answered. */
function sendHugeBody(size: number, chunked: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(agent.url);
    const headers: Record<string, string | number> = { 'content-type': 'text/xml' };
    if (!chunked) headers['content-length'] = size;
    const req = request({ host: url.hostname, port: url.port, path: '/', method: 'POST', headers }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(1024 * 1024);
    let sent = 0;
    Readable.from(
      (function* () {
        while (sent < size) {
          sent += chunk.length;
          yield chunk;
        }
      })(),
    )
      .on('error', () => undefined)
      .pipe(req)
      .on('error', () => undefined);
  });
}

test('a 100 MiB body gets HTTP 413 (declared or chunked) and the agent keeps serving', async () => {
  assert.equal(await sendHugeBody(100 * 1024 * 1024, false), 413);
  await assertStillServing();
  assert.equal(await sendHugeBody(100 * 1024 * 1024, true), 413);
  await assertStillServing();
});

test('a gzip bomb is refused once it inflates past the limit', async () => {
  const bomb = gzipSync(Buffer.alloc(100 * 1024 * 1024));
  assert.ok(bomb.length < 200 * 1024);
  const { status } = await post(bomb, { 'content-encoding': 'gzip' });
  assert.equal(status, 413);
  const { status: unknownCoding } = await post(IS_ALIVE, { 'content-encoding': 'br' });
  assert.equal(unknownCoding, 415);
  await assertStillServing();
});

test('the HTTP surface of SimpleXMLRPCServer: POST / and /RPC2, other paths 404, GET 501', async () => {
  assert.equal((await post(IS_ALIVE, {}, '/RPC2')).status, 200);
  assert.equal((await post(IS_ALIVE, {}, '/RPC2?x=1')).status, 200);
  assert.equal((await post(IS_ALIVE, {}, '/other')).status, 404);
  const get = await fetch(agent.url);
  assert.equal(get.status, 501);
  assert.match(await get.text(), /Unsupported method \('GET'\)/);
  await assertStillServing();
});

test('an unknown method is a fault; keep-alive connections are reused', async (t) => {
  const python = requirePython(t);
  if (!python) return;
  const result = await runPython(
    python,
    `import sys, http.client, xmlrpc.client
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
body = "<?xml version='1.0'?><methodCall><methodName>no_such</methodName><params></params></methodCall>"
sockets = set()
for i in range(3):
    conn.request("POST", "/RPC2", body, {"Content-Type": "text/xml"})
    response = conn.getresponse()
    sockets.add(id(conn.sock))
    payload = response.read()
    assert response.version == 11 and response.status == 200
    try:
        xmlrpc.client.loads(payload)
    except xmlrpc.client.Fault as fault:
        assert fault.faultCode == 1 and 'method \\\\"no_such\\\\" is not supported' in fault.faultString, fault.faultString
print(len(sockets))`,
    [String(agent.port)],
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim(), '1'); // one connection for the three calls
});

test('bearer and basic authentication', async (t) => {
  const secured = await startTestVtAgent({ auth: { bearerToken: 's3cret-token', basic: { username: 'vt', password: 'p@ss:word' } } });
  try {
    const none = await post(IS_ALIVE, {}, '/', secured.url);
    assert.equal(none.status, 401);
    const wrong = await post(IS_ALIVE, { authorization: 'Bearer nope' }, '/', secured.url);
    assert.equal(wrong.status, 401);
    const right = await post(IS_ALIVE, { authorization: 'Bearer s3cret-token' }, '/', secured.url);
    assert.equal(right.status, 200);
    const python = requirePython(t);
    if (!python) return;
    const result = await runPython(
      python,
      `import sys, xmlrpc.client
ok = xmlrpc.client.ServerProxy("http://vt:p%40ss%3Aword@127.0.0.1:" + sys.argv[1] + "/").vt_agent.api.is_alive()
try:
    xmlrpc.client.ServerProxy("http://vt:wrong@127.0.0.1:" + sys.argv[1] + "/").vt_agent.api.is_alive()
    refused = None
except xmlrpc.client.ProtocolError as error:
    refused = error.errcode
print(ok, refused)`,
      [String(secured.port)],
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'True 401');
  } finally {
    await secured.close();
  }
});

test('TLS: HTTPS with a given certificate', async (t) => {
  const openssl = requireProgram(t, 'openssl', 'openssl');
  const python = requirePython(t);
  if (!openssl || !python) return;
  const temp = makeTempDir('hostlink-vt-tls-');
  try {
    const cert = join(temp.path, 'cert.pem');
    const key = join(temp.path, 'key.pem');
    execFileSync(openssl, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const secure = await startTestVtAgent({ tls: { cert: readFileSync(cert), key: readFileSync(key) } });
    try {
      assert.match(secure.url, /^https:\/\//);
      const result = await runPython(
        python,
        `import ssl, sys, xmlrpc.client
context = ssl.create_default_context(cafile=sys.argv[2])
print(xmlrpc.client.ServerProxy(sys.argv[1], context=context).vt_agent.api.is_alive())`,
        [secure.url, cert],
      );
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.trim(), 'True');
    } finally {
      await secure.close();
    }
  } finally {
    temp.remove();
  }
});

test('the policy applies to XML-RPC, introspection and JSON-RPC alike', async () => {
  const limited = await startTestVtAgent({ servicesDir: EXAMPLE_SERVICES, policy: { block: ['examples.virt.*', 'api.quit'] } });
  try {
    const blocked = faultOf((await post("<methodCall><methodName>examples.virt.vm.get_status</methodName></methodCall>", {}, '/', limited.url)).text);
    assert.equal(blocked.detail.exc_value, 'method "examples.virt.vm.get_status" is not supported');
    const list = (await post('<methodCall><methodName>system.listMethods</methodName></methodCall>', {}, '/', limited.url)).text;
    assert.match(list, /examples\.hello\.ping/);
    assert.doesNotMatch(list, /examples\.virt|<string>api\.quit</);
    const multicall = (
      await post(
        '<methodCall><methodName>system.multicall</methodName><params><param><value><array><data><value><struct><member><name>methodName</name><value>api.quit</value></member><member><name>params</name><value><array><data/></array></value></member></struct></value></data></array></value></param></params></methodCall>',
        {},
        '/',
        limited.url,
      )
    ).text;
    assert.match(multicall, /method \\"api\.quit\\" is not supported/);
    const json = await fetch(limited.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'api.quit' }) });
    const answer = (await json.json()) as { error: { code: number; data: { class: string } } };
    assert.equal(answer.error.code, -32601);
    assert.equal(answer.error.data.class, 'CommandDisabled');
  } finally {
    await limited.close();
  }
});
