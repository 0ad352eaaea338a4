/**
 * Where resetnetwork reads the network description: the guest's XenStore
 * (`vm-data/hostname`, `vm-data/networking/<mac>`), or, outside Xen, the request's own
 * value `{"hostname": ..., "interfaces": [<the same JSON documents>]}`.
 */
import { genericError } from '../../../core/errors.js';
import { parseNetworkConfig, type NetworkConfig } from './network-config.js';

/** Reads nodes relative to the guest's XenStore home. */
export interface VmDataReader {
  /** The node's value, or undefined when it does not exist. */
  read(path: string): Promise<string | undefined>;
  /** The node's children (names only); empty when it does not exist. */
  list(path: string): Promise<string[]>;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw genericError(`${where} is not valid JSON`);
  }
}

export async function networkFromVmData(reader: VmDataReader): Promise<NetworkConfig> {
  const hostname = await reader.read('vm-data/hostname');
  const documents: { where: string; document: unknown }[] = [];
  for (const child of await reader.list('vm-data/networking')) {
    const where = `vm-data/networking/${child}`;
    const text = await reader.read(where);
    if (text !== undefined) documents.push({ where, document: parseJson(text, where) });
  }
  if (documents.length === 0) throw genericError('vm-data/networking has no interfaces');
  return parseNetworkConfig(hostname, documents);
}

export function networkFromValue(value: Record<string, unknown>): NetworkConfig {
  const interfaces = value.interfaces;
  if (!Array.isArray(interfaces)) throw genericError('resetnetwork: "interfaces" must be a list');
  return parseNetworkConfig(value.hostname, interfaces.map((document, index) => ({ where: `interfaces[${index}]`, document })));
}
