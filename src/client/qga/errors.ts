/**
 * The errors a QGA client raises. One hierarchy rooted at {@link QgaError} (itself a
 * HostlinkError), so callers can catch everything from the client with one `instanceof`
 * and tell the cases apart with the subclasses. Every message says what to do next.
 */
import { HostlinkError, type ErrorClass, type HostlinkErrorOptions } from '../../core/errors.js';

const KNOWN_CLASSES: ReadonlySet<string> = new Set<ErrorClass>([
  'GenericError',
  'CommandNotFound',
  'CommandDisabled',
  'InvalidParameter',
  'PermissionDenied',
  'NotSupported',
  'Timeout',
  'ProtocolError',
  'ServiceFault',
]);

/** Base of every error the QGA client raises. */
export class QgaError extends HostlinkError {
  constructor(errorClass: ErrorClass, message: string, options?: HostlinkErrorOptions) {
    super(errorClass, message, options);
    this.name = 'QgaError';
  }
}

/**
 * The agent could not be reached, or the connection broke. `hint` tells the user what
 * is most likely wrong (VM not running, wrong path, permission).
 */
export class QgaConnectionError extends QgaError {
  /** Node's error code when there was one (ENOENT, ECONNREFUSED, EACCES, ...). */
  readonly code: string | undefined;
  readonly hint: string;

  constructor(message: string, hint: string, options: HostlinkErrorOptions & { code?: string } = {}) {
    super('GenericError', `${message}; ${hint}`, options);
    this.name = 'QgaConnectionError';
    this.code = options.code;
    this.hint = hint;
  }
}

/** The agent answered with an error object: `{"error": {"class": ..., "desc": ...}}`. */
export class QgaProtocolError extends QgaError {
  /** The agent's error class as sent, e.g. "CommandNotFound" or "GenericError". */
  readonly agentClass: string;
  /** The agent's own description, unchanged. */
  readonly desc: string;
  /** The command that failed. */
  readonly command: string;

  constructor(command: string, agentClass: string, desc: string) {
    super(KNOWN_CLASSES.has(agentClass) ? (agentClass as ErrorClass) : 'GenericError', `${command}: ${desc} (${agentClass})`, {
      data: { class: agentClass, desc },
    });
    this.name = 'QgaProtocolError';
    this.agentClass = agentClass;
    this.desc = desc;
    this.command = command;
  }
}

/** No reply came within the call's timeout. The connection resynchronises before the next call. */
export class QgaTimeoutError extends QgaError {
  readonly command: string;
  readonly timeoutMs: number;

  constructor(command: string, timeoutMs: number, detail?: string) {
    super(
      'Timeout',
      detail ??
        `${command}: no reply within ${formatMs(timeoutMs)}; the agent may be busy or hung (raise the timeout, or check the agent inside the guest)`,
    );
    this.name = 'QgaTimeoutError';
    this.command = command;
    this.timeoutMs = timeoutMs;
  }
}

/** The agent does not have, or has disabled, a command; raised before anything is sent. */
export class QgaUnsupportedError extends QgaError {
  readonly command: string;
  readonly disabled: boolean;

  constructor(command: string, disabled: boolean, agentVersion?: string) {
    const who = agentVersion ? `this agent (version ${agentVersion})` : 'this agent';
    super(
      disabled ? 'CommandDisabled' : 'NotSupported',
      disabled
        ? `${command} is disabled by ${who}; the guest admin enables it in the agent's configuration (qemu-ga --block-rpcs / --allow-rpcs)`
        : `${command} is not supported by ${who}; upgrade the guest agent for it`,
    );
    this.name = 'QgaUnsupportedError';
    this.command = command;
    this.disabled = disabled;
  }
}

/** The agent sent something that is not a QGA reply (not JSON, or an unexpected shape). */
export class QgaReplyError extends QgaError {
  constructor(message: string, options?: HostlinkErrorOptions) {
    super('ProtocolError', `${message}; is the address really a QEMU guest agent?`, options);
    this.name = 'QgaReplyError';
  }
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s` : `${ms} ms`;
}
