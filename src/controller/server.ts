/**
 * One HTTP(S) server per controller: the REST API for clients and the WebSocket
 * endpoint for agents on the same port. Security defaults: bound to loopback with no
 * token it accepts local connections (so `npm start` just works); bound to any other
 * address it refuses to start without --token or --tokens-file.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIP } from 'node:net';
import { HostlinkError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { LINK_PATH } from '../protocols/fleet/link-frames.js';
import { AgentGateway } from './agent-gateway.js';
import { Authenticator, type TokenTable } from './auth.js';
import { Controller } from './controller.js';
import { HttpApi } from './http-api.js';
import { Scheduler } from './scheduler.js';
import type { ControllerStore } from './stores/store.js';
import { listen } from '../transports/listen.js';

export interface ControllerTls {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** CA for agents' client certificates (asked for, not required: tokens still work). */
  readonly ca?: string | Buffer;
}

export interface ControllerServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly store: ControllerStore;
  readonly log: Logger;
  readonly token?: string;
  readonly tokens?: TokenTable;
  readonly tls?: ControllerTls;
  readonly id?: string;
  readonly offlineWaitMs?: number;
  readonly lostAfterMs?: number;
  readonly queueLimit?: number;
  readonly heartbeatMs?: number;
}

export interface RunningController {
  /** http(s)://HOST:PORT */
  readonly url: string;
  readonly port: number;
  readonly controller: Controller;
  readonly gateway: AgentGateway;
  /** Stops taking connections, drops agents, closes the store. */
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}

function urlHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

export async function startControllerServer(options: ControllerServerOptions): Promise<RunningController> {
  const auth = new Authenticator(options.token, options.tokens);
  if (auth.open && !isLoopback(options.host)) {
    throw new HostlinkError('InvalidParameter', `refusing to listen on ${options.host} without authentication: give --token or --tokens-file (or listen on 127.0.0.1)`);
  }
  const { log, store } = options;
  const controller = new Controller({
    store,
    log,
    ...(options.id !== undefined ? { id: options.id } : {}),
    ...(options.offlineWaitMs !== undefined ? { offlineWaitMs: options.offlineWaitMs } : {}),
    ...(options.lostAfterMs !== undefined ? { lostAfterMs: options.lostAfterMs } : {}),
    ...(options.queueLimit !== undefined ? { queueLimit: options.queueLimit } : {}),
  });
  const gateway = new AgentGateway({ controller, auth, log, ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}) });
  const scheduler = new Scheduler({ store, controller, log });
  const api = new HttpApi({ controller, store, auth, log, scheduler });
  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key, ...(options.tls.ca ? { ca: options.tls.ca, requestCert: true, rejectUnauthorized: false } : {}) }, (request, response) => api.handle(request, response))
    : createHttpServer((request, response) => api.handle(request, response));
  server.keepAliveTimeout = 65_000;
  server.on('upgrade', (request, socket, head) => {
    const path = new URL(request.url ?? '/', 'http://controller').pathname;
    if (path !== LINK_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    gateway.handleUpgrade(request, socket, head);
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await listen(server, { port: options.port, host: options.host });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `${options.tls ? 'https' : 'http'}://${urlHost(options.host)}:${port}`;
  scheduler.start();
  log.info({ url, controller: controller.id, auth: auth.open ? 'none (loopback)' : 'tokens' }, 'controller listening');
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      scheduler.stop();
      await gateway.close();
      await controller.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    })();
    return closing;
  };
  return { url, port, controller, gateway, close };
}
