// Decoding a raw wait(2) status, and the ways svinit shows one: runit's ./finish arguments,
// a shell-style exit code and a human description.
import { signalName, isSignalNumber } from './signals.js';

/** How a child ended. */
export type ExitStatus =
  | { readonly kind: 'exited'; readonly code: number }
  | { readonly kind: 'signaled'; readonly signal: number; readonly core: boolean };

/** An error with code ERR_EXIT_STATUS_INVALID (a stopped/continued status, or not a status). */
export class ExitStatusError extends Error {
  readonly code = 'ERR_EXIT_STATUS_INVALID';
}

/** Decodes a raw status as returned by waitpid (WIFEXITED / WIFSIGNALED / WCOREDUMP). */
export function decodeStatus(raw: number): ExitStatus {
  if (!Number.isInteger(raw) || raw < 0 || raw > 0xffff) {
    throw new ExitStatusError(`unable to decode wait status ${raw}: not a 16-bit status`);
  }
  const low = raw & 0x7f;
  if (low === 0) return { kind: 'exited', code: (raw >> 8) & 0xff };
  if (low === 0x7f || raw === 0xffff) {
    // Only seen with WUNTRACED/WCONTINUED, which svinit never asks for.
    throw new ExitStatusError(`unable to decode wait status ${raw}: a stopped or continued child`);
  }
  return { kind: 'signaled', signal: low, core: (raw & 0x80) !== 0 };
}

/** Encodes a status back into the raw form (for tests and for runit's status byte). */
export function encodeStatus(status: ExitStatus): number {
  if (status.kind === 'exited') return (status.code & 0xff) << 8;
  return (status.signal & 0x7f) | (status.core ? 0x80 : 0);
}

/**
 * runsv's two arguments to ./finish (runit-protocol §2.6), from a raw wait status: exit code and
 * 0 for an exit; -1 and the status's low byte (signal, plus 128 if it dumped core) for a signal.
 * Total, unlike decodeStatus: the pure state machine calls it and must never throw.
 */
export function finishArgs(raw: number): [string, string] {
  const low = raw & 0xff;
  return [(raw & 0x7f) !== 0 ? '-1' : String((raw >> 8) & 0xff), String(low)];
}

/** The code a shell would show in $?: the exit code, or 128 + signal. */
export function shellCode(status: ExitStatus): number {
  return status.kind === 'exited' ? status.code : 128 + status.signal;
}

/** "exited 3", "exited 0", "killed by SIGSEGV (core dumped)". */
export function describeStatus(status: ExitStatus): string {
  if (status.kind === 'exited') return `exited ${status.code}`;
  const name = isSignalNumber(status.signal) ? signalName(status.signal) : `signal ${status.signal}`;
  return `killed by ${name}${status.core ? ' (core dumped)' : ''}`;
}
