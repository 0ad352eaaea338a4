/**
 * `hostlink nova [--address ADDR] [--timeout S] [--json] COMMAND`: the host's side of the
 * nova-agent protocol, against nova-agent or `hostlink agent --listen nova:...`.
 * Secrets never come from the command line: a password is read from a file or stdin.
 */
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { NOVA_ADDRESS_FORMS, NovaClient, NovaReplyError, parseNovaAddress, type KeyExchange } from '../client/nova/index.js';
import { EXIT } from './main.js';

interface NovaGlobalOptions {
  address?: string;
  timeout?: string;
  json?: boolean;
}

class UsageError extends Error {}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

function globals(command: Command): NovaGlobalOptions {
  return command.optsWithGlobals<NovaGlobalOptions>();
}

/** Opens a client, runs `action`, prints its result; every failure is one line and an exit code. */
function runner(action: (client: NovaClient, options: Record<string, unknown>, args: string[]) => Promise<{ returncode: string; message: string } | string | void>) {
  return async (...params: unknown[]): Promise<void> => {
    const command = params[params.length - 1] as Command;
    const options = command.opts<Record<string, unknown>>();
    const args = params.slice(0, -2).filter((param): param is string => typeof param === 'string');
    const global = globals(command);
    let client: NovaClient | undefined;
    try {
      const addressText = global.address ?? process.env.HOSTLINK_NOVA_ADDRESS;
      if (!addressText) throw new UsageError(`no agent address: give --address (${NOVA_ADDRESS_FORMS}) or set HOSTLINK_NOVA_ADDRESS`);
      let address;
      try {
        address = parseNovaAddress(addressText);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const seconds = Number(global.timeout ?? '30');
      if (!(seconds > 0)) throw new UsageError(`--timeout must be a positive number of seconds, not "${global.timeout}"`);
      client = await NovaClient.connect(address, { timeoutMs: seconds * 1000 });
      const result = await action(client, options, args);
      const reply = typeof result === 'object' ? result : { returncode: '0', message: result ?? '' };
      if (global.json) process.stdout.write(`${JSON.stringify(reply)}\n`);
      else if (reply.message !== '') process.stdout.write(`${reply.message}\n`);
      process.exitCode = EXIT.ok;
    } catch (error) {
      if (error instanceof NovaReplyError && global.json) {
        process.stdout.write(`${JSON.stringify({ returncode: error.returncode, message: error.agentMessage })}\n`);
      }
      process.stderr.write(`hostlink nova: ${(error as Error).message}\n`);
      process.exitCode = error instanceof UsageError ? EXIT.usage : error instanceof NovaReplyError ? EXIT.remoteError : EXIT.connection;
    } finally {
      client?.close();
    }
  };
}

function keyExchange(value: unknown): KeyExchange {
  if (value === undefined || value === 'auto' || value === 'legacy' || value === 'x25519') return (value ?? 'auto') as KeyExchange;
  throw new UsageError(`--key-exchange is auto, legacy or x25519, not "${String(value)}"`);
}

export function addNovaCommand(program: Command): void {
  const nova = program
    .command('nova')
    .description('talk to an OpenStack nova-agent (or hostlink agent --listen nova:...) as its host')
    .option('--address <address>', `the agent: ${NOVA_ADDRESS_FORMS} (default $HOSTLINK_NOVA_ADDRESS)`)
    .option('--timeout <seconds>', 'how long to wait for each reply', '30')
    .option('--json', 'print the reply as {"returncode", "message"}')
    .addHelpText('after', '\nExit codes: 0 success, 1 the agent answered an error, 2 usage error, 3 the agent could not be reached or did not answer.');

  nova.command('version').description("the agent's version").action(runner((client) => client.version()));
  nova
    .command('features')
    .description('the commands the agent offers')
    .action(runner(async (client) => (await client.features()).join(',')));
  nova
    .command('keyinit')
    .description('run a key exchange and print the agent\'s public key (the key is then dropped)')
    .option('--key-exchange <method>', 'legacy (Diffie-Hellman 2^107-1) or x25519', 'legacy')
    .action(
      runner(async (client, options) => {
        if (keyExchange(options.keyExchange) === 'x25519') return { returncode: 'D0', message: (await client.keyinitX25519()).toString('base64') };
        return { returncode: 'D0', message: (await client.keyinit()).toString(10) };
      }),
    );
  nova
    .command('password')
    .description("set root's password, read from --password-file or stdin (one trailing newline dropped)")
    .option('--password-file <file>', 'file holding the password')
    .option('--key-exchange <method>', 'auto (x25519 when the agent offers it), legacy or x25519', 'auto')
    .action(
      runner(async (client, options) => {
        const method = keyExchange(options.keyExchange);
        const raw = typeof options.passwordFile === 'string' ? await readFile(options.passwordFile) : await readStdin();
        const password = raw.toString('utf8').replace(/\r?\n$/, '');
        raw.fill(0);
        if (password === '' || password.includes('\n')) throw new UsageError('the password must be one non-empty line');
        await client.password(password, method);
      }),
    );
  nova
    .command('resetnetwork')
    .description('rewrite the guest network from vm-data, or from a JSON description {hostname, interfaces: [...]}')
    .option('--config <file>', 'the description as JSON (without it the agent reads vm-data from XenStore)')
    .action(
      runner(async (client, options) => {
        let description;
        if (typeof options.config === 'string') {
          try {
            description = JSON.parse(await readFile(options.config, 'utf8')) as { interfaces: unknown[] };
          } catch (error) {
            throw new UsageError(`--config ${options.config}: ${(error as Error).message}`);
          }
        }
        await client.resetnetwork(description);
      }),
    );
  nova
    .command('injectfile')
    .description('write a file in the guest, with the contents of --from or stdin')
    .argument('<path>', 'absolute path in the guest')
    .option('--from <file>', 'local file to send (default: stdin)')
    .action(
      runner(async (client, options, [path]) => {
        const contents = typeof options.from === 'string' ? await readFile(options.from) : await readStdin();
        await client.injectfile(path!, contents);
      }),
    );
  nova
    .command('agentupdate')
    .description('make the agent download, check and install an update')
    .argument('<url>', 'https:// URL of the archive')
    .argument('<md5>', 'its MD5 sum')
    .option('--sha256 <hex>', 'its SHA-256 sum, checked too')
    .action(runner((client, options, [url, md5]) => client.agentupdate(url!, md5!, typeof options.sha256 === 'string' ? options.sha256 : undefined)));
  nova
    .command('raw')
    .description('send any command; VALUE is JSON when it parses, else a string')
    .argument('<name>', 'command name')
    .argument('[value]', 'its value')
    .action(
      runner(async (client, _options, [name, value]) => {
        let parsed: unknown = value;
        if (value !== undefined) {
          try {
            parsed = JSON.parse(value);
          } catch {
            parsed = value;
          }
        }
        const reply = await client.raw(name!, parsed);
        if (reply.returncode !== '0' && reply.returncode !== 'D0') throw new NovaReplyError(name!, reply.returncode, reply.message);
        return reply;
      }),
    );
}
