/**
 * GET /v1/events end to end, with real controller and agent processes: the token rules
 * (no token 401, a token without "read" 403); a listener hears a job's creation, its
 * result states in order and an agent coming and going, through ControllerClient.events()
 * and `hostlink events` (lines and --json), until the controller shuts down; with two
 * controllers on one real redis-server, a listener on B hears what happens on A; and a
 * reader that stops reading is dropped with {"type":"overflow"} while a reader that keeps
 * up gets everything.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ControllerClient, type ControllerEvent, type ResultChange } from '../../src/client/controller/index.js';
import type { HostlinkError } from '../../src/core/errors.js';
import { requireProgram } from '../helpers/peers.js';
import { Fleet, waitFor, type Proc } from './fleet-helpers.js';

const fleet = new Fleet();
after(() => fleet.stopAll());

/** Reads a client's feed in the background and keeps every event. */
class Listener {
  readonly events: ControllerEvent[] = [];
  failure: unknown;
  ended = false;
  private readonly abort = new AbortController();
  private readonly reading: Promise<void>;

  constructor(client: ControllerClient) {
    this.reading = (async () => {
      try {
        for await (const event of client.events(this.abort.signal)) this.events.push(event);
      } catch (error) {
        this.failure = error;
      }
      this.ended = true;
    })();
  }

  find<T extends ControllerEvent['type']>(type: T, test: (event: Extract<ControllerEvent, { type: T }>) => boolean = () => true): Extract<ControllerEvent, { type: T }> | undefined {
    return this.events.find((event): event is Extract<ControllerEvent, { type: T }> => event.type === type && test(event as Extract<ControllerEvent, { type: T }>));
  }

  wait<T extends ControllerEvent['type']>(what: string, type: T, test?: (event: Extract<ControllerEvent, { type: T }>) => boolean): Promise<Extract<ControllerEvent, { type: T }>> {
    return waitFor(what, () => {
      if (this.failure) throw this.failure as Error;
      return this.find(type, test);
    });
  }

  states(id: string): ResultChange[] {
    return this.events.flatMap((event) => (event.type === 'result' && event.result.id === id ? [event.result] : []));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.reading;
  }
}

/** Waits for a job's final state on a listener and checks the whole story: created, then RUNNING, then the final state last. */
async function heardJob(listener: Listener, id: string, final: string): Promise<void> {
  const job = await listener.wait(`job ${id} announced`, 'job', (event) => event.job.id === id);
  await listener.wait(`job ${id} ${final}`, 'result', (event) => event.result.id === id && event.result.state === final);
  const states = listener.states(id);
  assert.deepEqual(
    states.map((state) => state.state),
    ['RUNNING', final],
    `job ${id}: ${JSON.stringify(states)}`,
  );
  const jobIndex = listener.events.indexOf(job);
  assert.ok(listener.events.findIndex((event) => event.type === 'result' && event.result.id === id) > jobIndex, 'the job comes before its states');
  const last = states[1]!;
  assert.equal(last.gid, 1);
  assert.equal(last.nid, 1);
  assert.ok(last.starttime > 0 && last.time >= 0, JSON.stringify(last));
}

test('memory store: token rules, a job and its states, agents coming and going, the CLI', async (t) => {
  const tokensFile = join(fleet.temp.path, 'tokens.toml');
  writeFileSync(
    tokensFile,
    [
      '[[agent]]\ntoken = "agent-1-1-token"\ngid = 1\nnid = 1',
      '[[agent]]\ntoken = "agent-1-2-token"\ngid = 1\nnid = 2',
      '[[client]]\ntoken = "reader-token"\nrights = ["read"]',
      '[[client]]\ntoken = "runner-token"\nrights = ["run"]',
    ].join('\n\n'),
  );
  const controller = await fleet.controller(['--tokens-file', tokensFile]);
  const reader = new ControllerClient({ url: controller.url, token: 'reader-token' });
  const runner = new ControllerClient({ url: controller.url, token: 'runner-token' });
  await fleet.onlineAgent({ ...controller, client: reader }, 1, 1, ['--controller-token', 'agent-1-1-token']);

  await t.test('no token: 401; a token without the read right: 403', async () => {
    assert.equal((await fetch(`${controller.url}/v1/events`)).status, 401);
    await assert.rejects(runner.events().next(), (error: HostlinkError) => error.errorClass === 'PermissionDenied' && /lacks the "read" right/.test(error.message));
  });

  const listener = new Listener(reader);
  t.after(() => listener.stop());
  const cliEnv = { HOSTLINK_TOKEN: 'reader-token' };
  const lines = fleet.spawnCli(['events', '--controller', controller.url], cliEnv);
  const json = fleet.spawnCli(['events', '--json', '--controller', controller.url], cliEnv);
  await listener.wait('the hello', 'hello');
  await waitFor('the CLI following', () => /following controller \S+/.test(lines.output()) && /"type":"hello"/.test(json.output()));

  let jobId = '';
  await t.test('a job: announced with its command and target, then RUNNING, then SUCCESS', async () => {
    const handle = await runner.execute(1, 1, 'sh', ['-c', 'sleep 0.3; echo done']);
    jobId = handle.id;
    await heardJob(listener, handle.id, 'SUCCESS');
    const { job } = listener.find('job', (event) => event.job.id === handle.id)!;
    assert.equal(job.cmd, 'execute');
    assert.deepEqual(job.targets, [{ gid: 1, nid: 1 }]);
    assert.deepEqual(job.states, { QUEUED: 1 });
    assert.equal(job.command.args.name, 'sh');
    assert.deepEqual(job.command.args.args, ['-c', 'sleep 0.3; echo done']);
    assert.ok(job.created > 0);
  });

  await t.test('a job no agent matches: announced with ERROR at once', async () => {
    const handle = await runner.cmd(9, 9, 'ping');
    const { job } = await listener.wait('the unmatched job', 'job', (event) => event.job.id === handle.id);
    assert.deepEqual(job.states, { ERROR: 1 });
    await listener.wait('its ERROR', 'result', (event) => event.result.id === handle.id && event.result.state === 'ERROR');
  });

  await t.test('an agent connects and goes away', async () => {
    const agent = fleet.agent(controller.url, 1, 2, ['--controller-token', 'agent-1-2-token', '--roles', 'db,backup']);
    const { agent: online } = await listener.wait('agent 1:2 connected', 'agent', (event) => event.agent.nid === 2 && event.agent.online);
    assert.deepEqual(online.roles, ['db', 'backup']);
    assert.equal(online.controller, (await reader.health()).controller);
    await agent.stop();
    const { agent: away } = await listener.wait('agent 1:2 away', 'agent', (event) => event.agent.nid === 2 && !event.agent.online);
    assert.ok(away.seen >= online.connected);
  });

  await t.test('hostlink events: one line per event; --json one event per line', async () => {
    await waitFor('the CLI lines', () => /agent 1:2 went away/.test(lines.output()) && /"online":false/.test(json.output()));
    const text = lines.output();
    assert.match(text, new RegExp(`job ${jobId} created: execute sh -c sleep 0\\.3; echo done -> 1:1`));
    assert.match(text, new RegExp(`result ${jobId} 1:1 RUNNING`));
    assert.match(text, new RegExp(`result ${jobId} 1:1 SUCCESS in \\d+ ms`));
    assert.match(text, /agent 1:2 connected \(roles db,backup; host /);
    const events = json
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as ControllerEvent);
    assert.equal(events[0]?.type, 'hello');
    assert.deepEqual(
      events.flatMap((event) => (event.type === 'result' && event.result.id === jobId ? [event.result.state] : [])),
      ['RUNNING', 'SUCCESS'],
    );
    // Ctrl-C ends it cleanly.
    lines.child.kill('SIGINT');
    assert.equal(await lines.exited, 0);
  });

  await t.test('the controller shutting down ends the feed: hostlink events says so and exits 3', async () => {
    await controller.stop();
    assert.equal(await json.exited, 3);
    assert.match(json.output(), /hostlink events: the controller ended the feed/);
    await waitFor('the client feed to end', () => listener.ended || undefined);
    assert.equal(listener.failure, undefined);
  });
});

test('two controllers on one Redis: a listener on B hears the job, its results and the agent on A', async (t) => {
  const redisServer = requireProgram(t, 'redis-server', 'redis-server');
  if (!redisServer) return;
  const redis = await fleet.redis(redisServer);
  const [a, b] = await Promise.all([fleet.controller(['--redis', redis.url, '--id', 'A']), fleet.controller(['--redis', redis.url, '--id', 'B'])]);
  await fleet.onlineAgent(a, 1, 1);
  const listener = new Listener(b.client);
  t.after(() => listener.stop());
  const hello = await listener.wait('the hello', 'hello');
  assert.equal(hello.controller, 'B');

  // Sent through A, run by A's agent: nothing of it passes through B but the store.
  const handle = await a.client.execute(1, 1, 'sh', ['-c', 'sleep 0.3; echo from A']);
  await heardJob(listener, handle.id, 'SUCCESS');

  let agent: Proc = fleet.agent(a.url, 1, 2, ['--roles', 'edge']);
  const { agent: online } = await listener.wait('agent 1:2 on A connected', 'agent', (event) => event.agent.nid === 2 && event.agent.online);
  assert.equal(online.controller, 'A');
  assert.deepEqual(online.roles, ['edge']);
  await agent.stop();
  await listener.wait('agent 1:2 away', 'agent', (event) => event.agent.nid === 2 && !event.agent.online);
  agent = fleet.agent(a.url, 1, 2);
  await waitFor('agent 1:2 back', () => listener.events.filter((event) => event.type === 'agent' && event.agent.nid === 2 && event.agent.online).length === 2 || undefined);
});

test('a reader that stops reading is dropped with an overflow; one that keeps up is not', async () => {
  const controller = await fleet.controller();
  const slow = controller.client.events();
  assert.equal((await slow.next()).value?.type, 'hello');
  // From here on `slow` is not read: the controller's writes to it back up.
  const steady = new Listener(controller.client);
  await steady.wait('the steady hello', 'hello');

  // About 16 MB of news (4 MiB may wait per reader): jobs with a 100 KB argument that no
  // agent matches, 2 MB at a time; each time the steady reader catches up before more come.
  const big = 'x'.repeat(100_000);
  const ids: string[] = [];
  for (let round = 0; round < 8; round++) {
    const handles = await controller.client.submitMany(Array.from({ length: 20 }, () => ({ gid: 9, nid: 9, cmd: 'execute', args: { name: 'echo', args: [big] } })));
    ids.push(...handles.map((handle) => handle.id));
    const lastId = ids.at(-1)!;
    await steady.wait(`the steady reader to catch up (round ${round + 1})`, 'result', (event) => event.result.id === lastId && event.result.state === 'ERROR');
  }
  assert.equal(steady.events.filter((event) => event.type === 'job').length, ids.length, 'the steady reader got every job');
  assert.equal(steady.events.some((event) => event.type === 'overflow'), false);

  // Now read the slow one: what was written before the cut, then the overflow, then the end.
  const seen: ControllerEvent[] = [];
  for (let next = await slow.next(); !next.done; next = await slow.next()) seen.push(next.value);
  assert.equal(seen.at(-1)?.type, 'overflow', 'the stream ends with an overflow');
  const jobs = seen.filter((event) => event.type === 'job').length;
  assert.ok(jobs < ids.length, `the slow reader was cut off (it got ${jobs} of ${ids.length} jobs)`);
  // The controller is fine, and a new reader starts afresh.
  const again = controller.client.events();
  assert.equal((await again.next()).value?.type, 'hello');
  await again.return(undefined);
});
