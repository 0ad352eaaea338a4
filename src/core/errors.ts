/**
 * The one error type of hostlink. Every failure that crosses a protocol boundary is a
 * HostlinkError with a stable class name; each protocol maps the class to its own error
 * shape in one place (src/protocols/error-shapes.ts).
 */

/** Stable error class names. Protocols map these to their wire shapes. */
export type ErrorClass =
  | 'GenericError'
  | 'CommandNotFound'
  | 'CommandDisabled'
  | 'InvalidParameter'
  | 'PermissionDenied'
  | 'NotSupported'
  | 'Timeout'
  | 'ProtocolError'
  | 'ServiceFault';

export interface HostlinkErrorOptions {
  cause?: unknown;
  /** Extra machine-readable detail (e.g. an XML-RPC fault code). Never a stack trace. */
  data?: Record<string, unknown>;
}

export class HostlinkError extends Error {
  readonly errorClass: ErrorClass;
  readonly data: Record<string, unknown> | undefined;

  constructor(errorClass: ErrorClass, message: string, options: HostlinkErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HostlinkError';
    this.errorClass = errorClass;
    this.data = options.data;
  }
}

export function genericError(message: string, options?: HostlinkErrorOptions): HostlinkError {
  return new HostlinkError('GenericError', message, options);
}

export function isHostlinkError(value: unknown): value is HostlinkError {
  return value instanceof HostlinkError;
}

/**
 * Turns anything thrown by a handler into a HostlinkError whose message is safe to send
 * over the wire: Node system errors keep their text (e.g. "ENOENT: no such file ..."),
 * anything else becomes a GenericError without internals.
 */
export function toHostlinkError(value: unknown): HostlinkError {
  if (value instanceof HostlinkError) return value;
  if (value instanceof Error) return new HostlinkError('GenericError', value.message, { cause: value });
  return new HostlinkError('GenericError', String(value));
}
