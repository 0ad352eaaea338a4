/**
 * The agents' WebSocket endpoint (GET /v1/agent, upgraded). The handshake names the
 * agent (gid, nid, roles, instance) and carries its token; a wrong token, a token of
 * another agent, or a gid/nid another live agent holds is refused before the upgrade
 * with an HTTP status and an X-Hostlink-Reason header. Then frames flow both ways, and
 * pings every heartbeat interval drop agents that stopped answering.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../core/logger.js';
import { encodeFrames, LINK_HEADERS, parseAgentFrames, type AgentFrame, type ControllerFrame } from '../protocols/fleet/link-frames.js';
import { bearerToken, type Authenticator } from './auth.js';
import type { AgentSession, Controller } from './controller.js';

export interface AgentGatewayOptions {
  readonly controller: Controller;
  readonly auth: Authenticator;
  readonly log: Logger;
  /** Milliseconds between pings (default 10 s); two unanswered pings drop the agent. */
  readonly heartbeatMs?: number;
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 409: 'Conflict', 503: 'Service Unavailable' };

/** Results stay in an agent's outbox this much longer; in exchange acks mostly ride along with jobs. */
const ACK_DELAY_MS = 500;

function refuse(socket: Duplex, status: number, reason: string): void {
  const safeReason = reason.replace(/[^\x20-\x7e]/g, '?');
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nX-Hostlink-Reason: ${safeReason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** What an agent says about itself (host name, version, OS): kept, but bounded. */
function described(request: IncomingMessage, name: string): string | undefined {
  return header(request, name)?.slice(0, 256);
}

/**
 * The agent a verified TLS client certificate names (CN "GID:NID"); undefined without
 * one, null for a verified certificate that names no agent (the token decides then).
 */
export function certificateAgent(request: IncomingMessage): { gid: number; nid: number } | null | undefined {
  const socket = request.socket as Partial<TLSSocket>;
  if (!socket.encrypted || !socket.authorized || typeof socket.getPeerCertificate !== 'function') return undefined;
  const subject = socket.getPeerCertificate().subject as { CN?: string | string[] } | undefined;
  const cn = Array.isArray(subject?.CN) ? subject.CN[0] : subject?.CN;
  const match = /^(\d{1,9}):(\d{1,9})$/.exec(cn ?? '');
  return match ? { gid: Number(match[1]), nid: Number(match[2]) } : null;
}

/** Why a client certificate that was presented failed verification (e.g. signed by another CA); undefined if none was. */
function untrustedCertificate(request: IncomingMessage): string | undefined {
  const socket = request.socket as Partial<TLSSocket>;
  if (!socket.encrypted || socket.authorized || typeof socket.getPeerCertificate !== 'function') return undefined;
  return Object.keys(socket.getPeerCertificate()).length > 0 ? String(socket.authorizationError ?? 'unverified') : undefined;
}

function parseId(text: string | undefined): number | undefined {
  if (text === undefined || !/^-?\d{1,9}$/.test(text.trim())) return undefined;
  return Number(text.trim());
}

export class AgentGateway {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  private readonly sockets = new Set<WebSocket>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly alive = new WeakMap<WebSocket, number>();
  private closing = false;

  constructor(private readonly options: AgentGatewayOptions) {
    const interval = options.heartbeatMs ?? 10_000;
    this.heartbeat = setInterval(() => this.pingAll(), interval);
    this.heartbeat.unref();
  }

  get connections(): number {
    return this.sockets.size;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    void this.upgrade(request, socket, head).catch((error: unknown) => {
      this.options.log.warn({ err: (error as Error).message }, 'agent handshake failed');
      refuse(socket, 503, 'controller error');
    });
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const { controller, auth, log } = this.options;
    if (this.closing) return refuse(socket, 503, 'controller shutting down');
    const gid = parseId(header(request, LINK_HEADERS.gid));
    const nid = parseId(header(request, LINK_HEADERS.nid));
    const instance = header(request, LINK_HEADERS.instance);
    if (gid === undefined || nid === undefined) return refuse(socket, 400, `${LINK_HEADERS.gid} and ${LINK_HEADERS.nid} must be integers`);
    if (!instance || instance.length > 100) return refuse(socket, 400, `${LINK_HEADERS.instance} is missing`);
    const roles = (header(request, LINK_HEADERS.roles) ?? '')
      .split(',')
      .map((role) => role.trim())
      .filter((role) => role !== '');
    const certified = certificateAgent(request);
    // A verified client certificate naming an agent (CN "GID:NID") stands instead of a token.
    const verdict = !certified
      ? auth.agent(bearerToken(header(request, 'authorization')), gid, nid)
      : certified.gid === gid && certified.nid === nid
        ? ({ ok: true } as const)
        : ({ ok: false, status: 403, reason: `this certificate belongs to agent ${certified.gid}:${certified.nid}, not ${gid}:${nid}` } as const);
    if (!verdict.ok) {
      const untrusted = certified === undefined ? untrustedCertificate(request) : undefined;
      const reason = untrusted ? `client certificate not trusted (${untrusted}) and ${verdict.reason}` : verdict.reason;
      log.warn({ agent: `${gid}:${nid}`, from: request.socket.remoteAddress, reason }, 'agent refused');
      return refuse(socket, verdict.status, reason);
    }
    const admission = await controller.admit({ gid, nid }, instance);
    if (!admission.ok) {
      log.warn({ agent: `${gid}:${nid}`, from: request.socket.remoteAddress, reason: admission.reason }, 'agent refused');
      return refuse(socket, admission.status, admission.reason);
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.serve(ws, { gid, nid, roles, instance, hostname: described(request, LINK_HEADERS.hostname), version: described(request, LINK_HEADERS.version), os: described(request, LINK_HEADERS.os) }));
  }

  private serve(ws: WebSocket, identity: { gid: number; nid: number; roles: string[]; instance: string; hostname: string | undefined; version: string | undefined; os: string | undefined }): void {
    const { controller, log } = this.options;
    this.sockets.add(ws);
    this.alive.set(ws, 0);
    // Frames sent in one turn of the event loop go out as one message. Acknowledgements
    // may wait a little (ACK_DELAY_MS) to ride along: an agent only needs them to forget
    // results, so fewer writes under load cost nothing.
    let outgoing: ControllerFrame[] = [];
    let acks: number[] = [];
    let ackTimer: NodeJS.Timeout | undefined;
    const flush = (): void => {
      if (ackTimer) clearTimeout(ackTimer);
      ackTimer = undefined;
      const frames = outgoing;
      outgoing = [];
      if (acks.length > 0) {
        frames.push({ type: 'ack', seqs: acks });
        acks = [];
      }
      if (ws.readyState === ws.OPEN && frames.length > 0) ws.send(encodeFrames(frames));
    };
    const session: AgentSession = {
      gid: identity.gid,
      nid: identity.nid,
      roles: identity.roles,
      instance: identity.instance,
      ...(identity.hostname !== undefined ? { hostname: identity.hostname } : {}),
      ...(identity.version !== undefined ? { version: identity.version } : {}),
      ...(identity.os !== undefined ? { os: identity.os } : {}),
      send: (frame) => {
        if (frame.type === 'ack') {
          acks.push(...frame.seqs);
          if (outgoing.length === 0) ackTimer ??= setTimeout(flush, ACK_DELAY_MS);
          return;
        }
        if (outgoing.push(frame) === 1) setImmediate(flush);
      },
      close: (code, reason) => ws.close(code, reason),
    };
    const ready = controller.attach(session).catch((error: unknown) => {
      log.warn({ err: (error as Error).message }, 'cannot attach agent');
      ws.terminate();
    });
    ws.on('pong', () => this.alive.set(ws, 0));
    ws.on('message', (data, isBinary) => {
      this.alive.set(ws, 0);
      if (isBinary) return;
      let frames: AgentFrame[];
      try {
        frames = parseAgentFrames(data.toString());
      } catch (error) {
        log.warn({ agent: `${identity.gid}:${identity.nid}`, err: (error as Error).message }, 'bad frame from agent');
        return;
      }
      void ready.then(() => controller.handleFrames(session, frames));
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      if (ackTimer) clearTimeout(ackTimer);
      this.sockets.delete(ws);
      void ready
        .then(() => controller.detach(session))
        .catch((error: unknown) => log.warn({ err: (error as Error).message }, 'cannot record an agent leaving'));
    });
  }

  private pingAll(): void {
    for (const ws of this.sockets) {
      const missed = this.alive.get(ws) ?? 0;
      if (missed >= 2) {
        ws.terminate();
        continue;
      }
      this.alive.set(ws, missed + 1);
      ws.ping();
    }
  }

  /** Stops taking agents and drops the connected ones. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
