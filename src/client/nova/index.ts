// The host side of the nova-agent protocol.
export { NovaClient, type KeyExchange, type NovaClientOptions } from './client.js';
export { parseNovaAddress, NOVA_ADDRESS_FORMS, type NovaAddress } from './address.js';
export { NovaConnectionError, NovaProtocolError, NovaReplyError, NovaTimeoutError } from './errors.js';
export type { NovaReplyMessage } from './channel.js';
