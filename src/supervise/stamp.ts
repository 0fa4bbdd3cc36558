// The status file's timestamp from the state machine's microseconds: whole seconds, and
// nanoseconds as runit writes them (1000 * usec + 500, from gettimeofday).
import { nanosFromMicros } from '../protocol/tai64.js';

/** Seconds and runit-style nanoseconds of a µs-since-epoch time. */
export function stampFromMicros(us: number): { seconds: number; nanos: number } {
  const seconds = Math.floor(us / 1e6);
  return { seconds, nanos: nanosFromMicros(us - seconds * 1e6) };
}
