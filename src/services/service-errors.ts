/**
 * How a service's failure reaches the client. A fault the service raises on purpose
 * (ServiceFault, or any error with a numeric `faultCode` and a string `faultString`, as
 * Python's xmlrpc.client.Fault has) passes through with its code. Anything else is
 * reported with a Python exception type and the message, never with the agent's stack.
 */
import { HostlinkError } from '../core/errors.js';

/** Thrown by a service to answer with its own XML-RPC fault code. */
export class ServiceFault extends Error {
  constructor(
    readonly faultCode: number,
    readonly faultString: string,
  ) {
    super(faultString);
    this.name = 'ServiceFault';
  }
}

/** JavaScript error types with a Python counterpart of the same meaning. */
const PYTHON_TYPES: Readonly<Record<string, string>> = {
  TypeError: 'TypeError',
  RangeError: 'ValueError',
  SyntaxError: 'ValueError',
  ReferenceError: 'NameError',
};

export function serviceError(error: unknown): HostlinkError {
  if (error instanceof HostlinkError) return error;
  const candidate = error as { faultCode?: unknown; faultString?: unknown } | null;
  if (candidate && typeof candidate.faultCode === 'number' && Number.isSafeInteger(candidate.faultCode) && typeof candidate.faultString === 'string') {
    return new HostlinkError('ServiceFault', candidate.faultString, { data: { faultCode: candidate.faultCode } });
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const excType = typeof code === 'string' && /^E[A-Z]+$/.test(code) ? undefined : (PYTHON_TYPES[error.name] ?? 'Exception');
    return new HostlinkError('GenericError', error.message, excType ? { cause: error, data: { excType } } : { cause: error });
  }
  return new HostlinkError('GenericError', String(error), { data: { excType: 'Exception' } });
}
