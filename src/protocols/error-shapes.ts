/**
 * The one place where HostlinkError classes become each protocol's error shape.
 * Each protocol gets one function here; the message travels as it is (it was made safe
 * for the wire by toHostlinkError), never a stack trace.
 */
import { toHostlinkError, type ErrorClass } from '../core/errors.js';

/** QEMU guest agent: `{"error": {"class": ..., "desc": ...}}`. */
export interface QgaErrorShape {
  readonly class: string;
  readonly desc: string;
}

/**
 * qemu-ga knows few classes: an unknown command and a disabled one (blocked with -b, or
 * disabled while the file systems are frozen) are both CommandNotFound; everything
 * else, argument errors included, is GenericError.
 */
const QGA_CLASSES: Readonly<Record<ErrorClass, string>> = {
  GenericError: 'GenericError',
  CommandNotFound: 'CommandNotFound',
  CommandDisabled: 'CommandNotFound',
  InvalidParameter: 'GenericError',
  PermissionDenied: 'GenericError',
  NotSupported: 'GenericError',
  Timeout: 'GenericError',
  ProtocolError: 'GenericError',
  ServiceFault: 'GenericError',
};

export function qgaErrorShape(error: unknown): QgaErrorShape {
  const hostlinkError = toHostlinkError(error);
  return { class: QGA_CLASSES[hostlinkError.errorClass] ?? 'GenericError', desc: hostlinkError.message };
}
