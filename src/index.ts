// Public library exports of hostlink.
export * from './core/errors.js';
export * from './core/schema.js';
export * from './core/registry.js';
export * from './core/policy.js';
export * from './core/dispatcher.js';
export * from './core/listener.js';
export { createLogger, silentLogger, type Logger, type LoggerOptions } from './core/logger.js';
export * from './client/index.js';
