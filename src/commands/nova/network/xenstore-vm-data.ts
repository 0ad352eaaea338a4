/** vm-data read from the guest's XenStore (relative paths: the guest's domain home). */
import { XenstoreClient } from '../../../transports/xenstore-client.js';
import type { VmDataReader } from './vm-data.js';

export async function openXenstoreVmData(path: string): Promise<VmDataReader & { close(): void }> {
  const client = await XenstoreClient.connect(path);
  return {
    read: async (node) => (await client.tryRead(node))?.toString('utf8'),
    list: (node) => client.tryDirectory(node),
    close: () => client.close(),
  };
}
