/** `hostlink qga raw JSON`: any request passed through, like `virsh qemu-agent-command`. */
import type { Command } from 'commander';
import type { QgaRequest } from '../../client/index.js';
import { qgaAction, UsageError } from './context.js';

export function addRawCommand(qga: Command): void {
  qga
    .command('raw')
    .description('send a request as given and print the reply (e.g. \'{"execute":"guest-info"}\')')
    .argument('<json>', 'the request object')
    .action(
      qgaAction(async (run, text: string) => {
        let request: unknown;
        try {
          request = JSON.parse(text);
        } catch (error) {
          throw new UsageError(`the request is not JSON: ${(error as Error).message}`);
        }
        if (typeof request !== 'object' || request === null || typeof (request as { execute?: unknown }).execute !== 'string') {
          throw new UsageError('the request must be an object with "execute" naming the command, e.g. {"execute":"guest-ping"}');
        }
        const reply = await run.client.raw(request as QgaRequest);
        run.out(run.json ? JSON.stringify(reply, null, 2) : JSON.stringify(reply));
        return reply.error ? 1 : 0;
      }),
    );
}
