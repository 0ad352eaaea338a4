import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Dispatcher } from '../src/core/dispatcher.js';
import { HostlinkError } from '../src/core/errors.js';
import { CommandPolicy } from '../src/core/policy.js';
import { CommandRegistry, defineCommand } from '../src/core/registry.js';
import { t } from '../src/core/schema.js';
import { silentLogger } from '../src/core/logger.js';

const context = { protocol: 'test', clientId: 'c1', log: silentLogger(), signal: new AbortController().signal };

function makeRegistry(): CommandRegistry {
  return new CommandRegistry()
    .register(
      defineCommand({
        name: 'echo',
        args: t.struct({ text: t.str(), times: t.optional(t.int('uint32')), tags: t.optional(t.array(t.enum(['a', 'b']))) }),
        handler: (args) => args.text.repeat(args.times ?? 1),
      }),
    )
    .register(defineCommand({ name: 'off', enabled: false, handler: () => 1 }));
}

async function errorOf(promise: Promise<unknown>): Promise<HostlinkError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof HostlinkError);
    return error;
  }
  assert.fail('expected an error');
}

test('dispatcher runs a command with checked arguments', async () => {
  const dispatcher = new Dispatcher(makeRegistry(), CommandPolicy.allowAll());
  assert.equal(await dispatcher.call('echo', { text: 'ab', times: 2 }, context), 'abab');
});

test('argument errors use QAPI wording, first error in declaration order', async () => {
  const dispatcher = new Dispatcher(makeRegistry(), CommandPolicy.allowAll());
  assert.equal((await errorOf(dispatcher.call('echo', {}, context))).message, "Parameter 'text' is missing");
  assert.equal(
    (await errorOf(dispatcher.call('echo', { text: 1 }, context))).message,
    "Invalid parameter type for 'text', expected: string",
  );
  assert.equal((await errorOf(dispatcher.call('echo', { text: 'x', bogus: 1 }, context))).message, "Parameter 'bogus' is unexpected");
  assert.equal(
    (await errorOf(dispatcher.call('echo', { text: 'x', tags: ['c'] }, context))).message,
    "Parameter 'tags[0]' does not accept value 'c'",
  );
  assert.equal((await errorOf(dispatcher.call('echo', { text: 'x', times: -1 }, context))).message, "Parameter 'times' expects uint32");
});

test('unknown, disabled and blocked commands', async () => {
  const dispatcher = new Dispatcher(makeRegistry(), new CommandPolicy({ block: ['echo'] }));
  const unknown = await errorOf(dispatcher.call('nope', undefined, context));
  assert.equal(unknown.errorClass, 'CommandNotFound');
  const disabled = await errorOf(dispatcher.call('off', undefined, context));
  assert.equal(disabled.errorClass, 'CommandDisabled');
  const blocked = await errorOf(dispatcher.call('echo', { text: 'x' }, context));
  assert.equal(blocked.errorClass, 'CommandDisabled');
});

test('allow list with prefix patterns', () => {
  const policy = new CommandPolicy({ allow: ['guest-file-*', 'guest-ping'], block: ['guest-file-write'] });
  assert.equal(policy.isAllowed('guest-ping'), true);
  assert.equal(policy.isAllowed('guest-file-read'), true);
  assert.equal(policy.isAllowed('guest-file-write'), false);
  assert.equal(policy.isAllowed('guest-exec'), false);
});
