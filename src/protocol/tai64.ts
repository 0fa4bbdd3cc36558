// TAI64 / TAI64N labels as runit writes them. runit's clock is gettimeofday(): the label is
// 2^62 + 10 + unix seconds (the +10 is the TAI-UTC offset djb's libtai assumes), and the
// nanosecond field is 1000 * microseconds + 500 (the middle of the microsecond).

/** 2^62 + 10: the TAI64 label of the unix epoch, as runit's tai.h computes it. */
export const TAI64_EPOCH = (1n << 62n) + 10n;

/** A wall-clock instant at runit's precision: whole unix seconds plus a nanosecond field. */
export interface Stamp {
  readonly seconds: number;
  readonly nanos: number;
}

/** The TAI64 label (big-endian 8 bytes on disk) for unix seconds. */
export function unixToTai64(seconds: number): bigint {
  if (!Number.isSafeInteger(seconds)) throw new RangeError(`unable to encode TAI64 label: ${seconds} is not an integer`);
  return TAI64_EPOCH + BigInt(seconds);
}

/** Unix seconds of a TAI64 label (may be negative for labels before the epoch). */
export function tai64ToUnix(label: bigint): number {
  return Number(label - TAI64_EPOCH);
}

/** runit's nanosecond field for a microsecond count within the second. */
export function nanosFromMicros(usec: number): number {
  return 1000 * usec + 500;
}

/**
 * The current time as runit would stamp it. Node's wall clock is milliseconds (Date.now), so the
 * microseconds are whole milliseconds; flooring keeps stamps monotonic with the real time, which
 * the nanosecond-precise `sv` wait checks rely on (see docs/sv-differences.md).
 */
export function stampNow(nowMs: number = Date.now()): Stamp {
  const ms = Math.floor(nowMs);
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: nanosFromMicros((ms - seconds * 1000) * 1000) };
}

/** The instant a client started, for wait checks: nanos are the floor, without runit's +500. */
export function startStamp(nowMs: number = Date.now()): Stamp {
  const ms = Math.floor(nowMs);
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

/** Orders two stamps: negative, 0 or positive like a sort comparator. */
export function compareStamps(a: Stamp, b: Stamp): number {
  if (a.seconds !== b.seconds) return a.seconds < b.seconds ? -1 : 1;
  if (a.nanos !== b.nanos) return a.nanos < b.nanos ? -1 : 1;
  return 0;
}

/** The 12-byte TAI64N pack: 8-byte BE label + 4-byte BE nanoseconds. */
export function packTai64n(stamp: Stamp): Buffer {
  const buf = Buffer.alloc(12);
  buf.writeBigUInt64BE(unixToTai64(stamp.seconds), 0);
  buf.writeUInt32BE(stamp.nanos, 8);
  return buf;
}

/** Reads a 12-byte TAI64N pack at `offset`. */
export function unpackTai64n(buf: Buffer, offset = 0): Stamp {
  return { seconds: tai64ToUnix(buf.readBigUInt64BE(offset)), nanos: buf.readUInt32BE(offset + 8) };
}

/** The external TAI64N text form `@` + 24 hex digits (what svlogd -t and archive names use). */
export function tai64nLabel(stamp: Stamp): string {
  return `@${packTai64n(stamp).toString('hex')}`;
}

/** Whole TAI seconds `now` is past `then`, clamped at 0, the way sv prints a status age. */
export function ageSeconds(then: Stamp | number, nowMs: number = Date.now()): number {
  const thenSeconds = typeof then === 'number' ? then : then.seconds;
  const nowSeconds = Math.floor(Math.floor(nowMs) / 1000);
  return nowSeconds < thenSeconds ? 0 : nowSeconds - thenSeconds;
}
