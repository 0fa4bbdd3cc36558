// The one error type for a failed system call, in the house voice:
// `unable to <syscall>[ <path>]: <code> (<text>)`, e.g. "unable to execve /bin/nope: ENOENT (No such file or directory)".
import { getSystemErrorMap } from 'node:util';

export interface SyscallErrorInit {
  /** The call that failed: 'execve', 'chdir', 'kill', ... */
  readonly syscall: string;
  /** Positive errno. */
  readonly errno: number;
  /** Symbolic name; looked up in Node's errno table when not given. */
  readonly code?: string;
  /** Human text; looked up in Node's errno table when not given. */
  readonly text?: string;
  /** The file the call was about, when there is one. */
  readonly path?: string;
}

/** A system call failed; `code` is the errno name ('ENOENT'), `errno` the positive number. */
export class SyscallError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;
  readonly path?: string;

  constructor(init: SyscallErrorInit) {
    const known = getSystemErrorMap().get(-Math.abs(init.errno));
    const code = init.code ?? known?.[0] ?? `E${init.errno}`;
    const text = init.text ?? known?.[1] ?? 'unknown error';
    const where = init.path === undefined ? init.syscall : `${init.syscall} ${init.path}`;
    super(`unable to ${where}: ${code} (${text})`);
    this.name = 'SyscallError';
    this.code = code;
    this.errno = Math.abs(init.errno);
    this.syscall = init.syscall;
    if (init.path !== undefined) this.path = init.path;
  }
}
