/**
 * qemu-ga words system errors as "<what>: <strerror(errno)>" (error_setg_errno). Node
 * gives the errno name; this maps the usual ones to glibc's strerror texts.
 */
import { genericError, type HostlinkError } from '../../../core/errors.js';

const STRERROR: Readonly<Record<string, string>> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EINTR: 'Interrupted system call',
  EIO: 'Input/output error',
  ENXIO: 'No such device or address',
  E2BIG: 'Argument list too long',
  EBADF: 'Bad file descriptor',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  EXDEV: 'Invalid cross-device link',
  ENODEV: 'No such device',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EINVAL: 'Invalid argument',
  ENFILE: 'Too many open files in system',
  EMFILE: 'Too many open files',
  ENOTTY: 'Inappropriate ioctl for device',
  EFBIG: 'File too large',
  ENOSPC: 'No space left on device',
  ESPIPE: 'Illegal seek',
  EROFS: 'Read-only file system',
  EPIPE: 'Broken pipe',
  ENAMETOOLONG: 'File name too long',
  ENOSYS: 'Function not implemented',
  ELOOP: 'Too many levels of symbolic links',
  EOPNOTSUPP: 'Operation not supported',
  ENOTSUP: 'Operation not supported',
  ETIMEDOUT: 'Connection timed out',
  ESTALE: 'Stale file handle',
};

export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function strerror(error: unknown): string {
  const code = errnoCode(error);
  if (code && STRERROR[code]) return STRERROR[code];
  return code ?? (error instanceof Error ? error.message : String(error));
}

/** The GenericError qemu-ga's error_setg_errno(errp, errno, "<message>") produces. */
export function errnoError(message: string, error: unknown): HostlinkError {
  return genericError(`${message}: ${strerror(error)}`, { cause: error });
}
