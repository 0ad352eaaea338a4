// Public library exports of hostlink.
export * from './core/errors.js';
export * from './core/schema.js';
export * from './core/registry.js';
export * from './core/policy.js';
export * from './core/dispatcher.js';
export * from './core/listener.js';
export { createLogger, silentLogger, type Logger, type LoggerOptions } from './core/logger.js';
export * from './client/index.js';

// Protocols: frames to calls and results back, over any transport.
export { qgaProtocol, QgaSession } from './protocols/qga/index.js';
export { xmlrpcProtocol } from './protocols/xmlrpc/index.js';
export { jsonrpcProtocol, jsonrpcStreamProtocol, jsonrpcMessageProtocol, createJsonRpcStreamProtocol, type JsonRpcStreamOptions } from './protocols/jsonrpc/index.js';
export { novaProtocol, createNovaStreamProtocol, type NovaStreamOptions } from './protocols/nova/index.js';

// Transports: bytes (or whole messages) in and out.
export { UnixTransport, type UnixTransportOptions } from './transports/unix.js';
export { TcpTransport, type TcpTransportOptions } from './transports/tcp.js';
export { ChardevTransport, type ChardevTransportOptions } from './transports/chardev.js';
export { HttpTransport, type HttpTransportOptions, type HttpTlsOptions } from './transports/http.js';

// Command sets and user services.
export { qgaCommands, type QgaCommandOptions } from './commands/qga/index.js';
export type { ServiceApi, ServiceLogger } from './services/service-api.js';
export { ServiceFault } from './services/service-errors.js';
