/** Starts a server listening; resolves once it listens, rejects with the error if it cannot. */
import type { ListenOptions, Server } from 'node:net';

export function listen(server: Server, options: ListenOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
