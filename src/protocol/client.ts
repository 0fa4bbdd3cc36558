// Drives any supervise directory, runsv's or svinit's, the way sv does: liveness through the
// `ok` FIFO, commands through the `control` FIFO, state from `status`. Every open is
// non-blocking, so a FIFO without a reader is reported (ENXIO) instead of hanging the caller.
import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrnoInfo } from './errors.js';
import { ProtocolError, requireErrno } from './errors.js';
import type { SuperviseStatus } from './status-file.js';
import { STATUS_SIZE, decodeStatus } from './status-file.js';

/** Which supervise/ file a failure is about (sv words its messages by file and call). */
export type SuperviseFile = 'ok' | 'status' | 'control';

/** A failed system call on one of the supervise files. */
export type FileError<K extends string> = { kind: K; file: SuperviseFile } & ErrnoInfo;

/** Result of the liveness probe. */
export type AliveResult =
  | { kind: 'alive' }
  | FileError<'not-running'> // ENXIO: the FIFO exists, nobody holds it open for reading
  | FileError<'unsupervised'> // ENOENT: no supervise/ok, the directory was never supervised
  | FileError<'error'>;

/** Result of sending command bytes. */
export type ControlResult =
  | { kind: 'sent'; written: number }
  | FileError<'not-running'>
  | FileError<'denied'> // EACCES
  | FileError<'error'>
  | { kind: 'short-write'; file: 'control'; written: number; expected: number };

/** Result of reading supervise/status. */
export type StatusResult =
  | { kind: 'ok'; status: SuperviseStatus }
  | { kind: 'bad-format'; file: 'status'; length: number }
  | FileError<'error'>;

/** What sv's svstatus_get() learns: liveness first, then the status record. */
export type ProbeResult = StatusResult | Exclude<AliveResult, { kind: 'alive' }>;

// open_write()/open_read() in runit: O_NDELAY, so neither side of a FIFO ever blocks.
const WRITE_FLAGS = constants.O_WRONLY | constants.O_NONBLOCK;
const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

function superviseFile(dir: string, file: SuperviseFile): string {
  return join(dir, 'supervise', file);
}

/** Is a supervisor (anything holding supervise/ok open for reading) running for `dir`? */
export function isAlive(dir: string): AliveResult {
  let fd: number;
  try {
    fd = openSync(superviseFile(dir, 'ok'), WRITE_FLAGS);
  } catch (err) {
    const info = requireErrno(err, 'open');
    if (info.code === 'ENXIO') return { kind: 'not-running', file: 'ok', ...info };
    if (info.code === 'ENOENT') return { kind: 'unsupervised', file: 'ok', ...info };
    return { kind: 'error', file: 'ok', ...info };
  }
  closeSync(fd);
  return { kind: 'alive' };
}

/** Writes `bytes` to supervise/control in one write(2); there is never a reply. */
export function sendControl(dir: string, bytes: string): ControlResult {
  const data = Buffer.from(bytes, 'latin1');
  let fd: number;
  try {
    fd = openSync(superviseFile(dir, 'control'), WRITE_FLAGS);
  } catch (err) {
    const info = requireErrno(err, 'open');
    if (info.code === 'ENXIO') return { kind: 'not-running', file: 'control', ...info };
    if (info.code === 'EACCES') return { kind: 'denied', file: 'control', ...info };
    return { kind: 'error', file: 'control', ...info };
  }
  try {
    // One write(2), like sv: runsv reads byte by byte, so the bytes must arrive together.
    const written = writeSync(fd, data, 0, data.length);
    if (written !== data.length) return { kind: 'short-write', file: 'control', written, expected: data.length };
    return { kind: 'sent', written };
  } catch (err) {
    return { kind: 'error', file: 'control', ...requireErrno(err, 'write') };
  } finally {
    closeSync(fd);
  }
}

/** Reads and decodes supervise/status; it must be exactly 20 bytes. */
export function readStatus(dir: string): StatusResult {
  let fd: number;
  try {
    fd = openSync(superviseFile(dir, 'status'), READ_FLAGS);
  } catch (err) {
    return { kind: 'error', file: 'status', ...requireErrno(err, 'open') };
  }
  // One byte more than a record, to tell "exactly 20" from "at least 20".
  const buf = Buffer.alloc(STATUS_SIZE + 1);
  let n: number;
  try {
    n = readSync(fd, buf, 0, buf.length, null);
  } catch (err) {
    return { kind: 'error', file: 'status', ...requireErrno(err, 'read') };
  } finally {
    closeSync(fd);
  }
  if (n !== STATUS_SIZE) return { kind: 'bad-format', file: 'status', length: n };
  try {
    return { kind: 'ok', status: decodeStatus(buf.subarray(0, STATUS_SIZE)) };
  } catch (err) {
    if (err instanceof ProtocolError) return { kind: 'bad-format', file: 'status', length: n };
    throw err;
  }
}

/** sv's svstatus_get(): the liveness probe, then the status record if the supervisor is alive. */
export function probeService(dir: string): ProbeResult {
  const alive = isAlive(dir);
  if (alive.kind !== 'alive') return alive;
  return readStatus(dir);
}
