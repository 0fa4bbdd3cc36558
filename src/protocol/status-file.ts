// The supervise/status record (20 bytes, daemontools layout + runit's two bytes) and the
// human-readable supervise/stat and supervise/pid texts, byte for byte as runsv writes them.
import { ProtocolError } from './errors.js';
import { tai64ToUnix, unixToTai64 } from './tai64.js';

/** Size of supervise/status. */
export const STATUS_SIZE = 20;

/** State byte (offset 19) values. */
export type RunState = 'down' | 'run' | 'finish';

/** Exactly what the 20-byte status file can express (want=exit is stored as 'd'). */
export interface SuperviseStatus {
  /** Unix seconds of the state-change timestamp. */
  seconds: number;
  nanos: number;
  /** 0 = no child; during finish, finish's pid. */
  pid: number;
  paused: boolean;
  want: 'u' | 'd';
  gotTerm: boolean;
  state: RunState;
}

/** A supervisor's own record of a service: like SuperviseStatus but with the full want. */
export interface ServiceRecord {
  seconds: number;
  nanos: number;
  pid: number;
  paused: boolean;
  want: 'up' | 'down' | 'exit';
  gotTerm: boolean;
  state: RunState;
}

const STATE_BYTE: Record<RunState, number> = { down: 0, run: 1, finish: 2 };
const BYTE_STATE: readonly RunState[] = ['down', 'run', 'finish'];

/** The status-file view of a record: want exit becomes 'd', as runsv stores it. */
export function toSuperviseStatus(r: ServiceRecord): SuperviseStatus {
  return {
    seconds: r.seconds,
    nanos: r.nanos,
    pid: r.pid,
    paused: r.paused,
    want: r.want === 'up' ? 'u' : 'd',
    gotTerm: r.gotTerm,
    state: r.state,
  };
}

/** Encodes the 20 status bytes: BE TAI64 label, BE nanos, LE pid, paused, want, term, state. */
export function encodeStatus(s: SuperviseStatus): Buffer {
  if (!Number.isInteger(s.nanos) || s.nanos < 0 || s.nanos > 0xffffffff) {
    throw new RangeError(`unable to encode status: nanos ${s.nanos} out of range`);
  }
  if (!Number.isInteger(s.pid) || s.pid < 0 || s.pid > 0xffffffff) {
    throw new RangeError(`unable to encode status: pid ${s.pid} out of range`);
  }
  const buf = Buffer.alloc(STATUS_SIZE);
  buf.writeBigUInt64BE(unixToTai64(s.seconds), 0);
  buf.writeUInt32BE(s.nanos, 8);
  buf.writeUInt32LE(s.pid, 12);
  buf[16] = s.paused ? 1 : 0;
  buf[17] = s.want.charCodeAt(0);
  buf[18] = s.gotTerm ? 1 : 0;
  buf[19] = STATE_BYTE[s.state];
  return buf;
}

/**
 * Decodes a status file. Like sv, flag bytes count as set when non-zero and any want byte
 * other than 'u' reads as 'd'; an unknown state byte is a bad format (sv would print nothing).
 */
export function decodeStatus(buf: Uint8Array): SuperviseStatus {
  if (buf.length !== STATUS_SIZE) {
    throw new ProtocolError('ERR_PROTOCOL_BAD_FORMAT', `unable to decode supervise/status: bad format (${buf.length} bytes, want ${STATUS_SIZE})`);
  }
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  const state = BYTE_STATE[b[19] ?? 255];
  if (state === undefined) {
    throw new ProtocolError('ERR_PROTOCOL_BAD_FORMAT', `unable to decode supervise/status: bad format (state byte ${b[19]})`);
  }
  return {
    seconds: tai64ToUnix(b.readBigUInt64BE(0)),
    nanos: b.readUInt32BE(8),
    pid: b.readUInt32LE(12),
    paused: b[16] !== 0,
    want: b[17] === 0x75 ? 'u' : 'd',
    gotTerm: b[18] !== 0,
    state,
  };
}

/** The fields the stat line depends on. */
export type StatFields = Pick<ServiceRecord, 'state' | 'paused' | 'gotTerm' | 'want'>;

/** The supervise/stat line (with `\n`): `<state>[, paused][, got TERM][, want down|, want exit]`. */
export function statText(r: StatFields): string {
  let line: string = r.state;
  if (r.paused) line += ', paused';
  if (r.gotTerm) line += ', got TERM';
  // runsv never writes "want up", and says nothing about want while down.
  if (r.state !== 'down' && r.want !== 'up') line += `, want ${r.want}`;
  return `${line}\n`;
}

/** The supervise/pid contents: decimal pid + `\n`, or empty when there is no child. */
export function pidText(pid: number): string {
  return pid === 0 ? '' : `${pid}\n`;
}
