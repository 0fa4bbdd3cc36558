// Errors and errno-shaped results of the protocol layer. Expected conditions (no runsv, no
// permission, a FIFO without reader) are returned as values; only malformed input throws.

/** Our own protocol error codes. */
export type ProtocolErrorCode = 'ERR_PROTOCOL_BAD_FORMAT';

/** Thrown for bytes that are not a runit record (e.g. a status file that is not 20 bytes). */
export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  constructor(code: ProtocolErrorCode, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

/** A failed system call, in the shape of SyscallError: errno name, positive errno, call name. */
export interface ErrnoInfo {
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;
}

/** Extracts errno data from an exception thrown by node:fs, or undefined if it is not one. */
export function errnoOf(err: unknown, syscall: string): ErrnoInfo | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; errno?: unknown };
  if (typeof e.code !== 'string' || !/^E[A-Z0-9]+$/.test(e.code)) return undefined;
  const errno = typeof e.errno === 'number' ? Math.abs(e.errno) : 0;
  return { code: e.code, errno, syscall };
}

/** Like errnoOf, but rethrows anything that is not an errno failure (a programming error). */
export function requireErrno(err: unknown, syscall: string): ErrnoInfo {
  const info = errnoOf(err, syscall);
  if (info === undefined) throw err;
  return info;
}
