import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TAI64_EPOCH, ageSeconds, compareStamps, nanosFromMicros, packTai64n, startStamp, stampNow,
  tai64ToUnix, tai64nLabel, unixToTai64, unpackTai64n,
} from '../../src/protocol/tai64.js';

test('the TAI64 label is 2^62 + 10 + unix seconds (spec §3.3 worked example)', () => {
  assert.equal(TAI64_EPOCH, 0x400000000000000an);
  assert.equal(unixToTai64(1795907738), 0x400000006b0b60a4n);
  assert.equal(tai64ToUnix(0x400000006b0b60a4n), 1795907738);
  assert.equal(unixToTai64(0), 0x400000000000000an);
  assert.equal(tai64ToUnix(0x4000000000000000n), -10);
});

test('a non-integer unix time is refused rather than silently truncated', () => {
  assert.throws(() => unixToTai64(1.5), RangeError);
});

test('nanoseconds are 1000 * usec + 500, like runit', () => {
  assert.equal(nanosFromMicros(272623), 272623500);
  assert.equal(nanosFromMicros(0), 500);
  assert.equal(nanosFromMicros(999999), 999999500);
});

test('stampNow floors to the millisecond and adds 500 ns; startStamp has no +500', () => {
  assert.deepEqual(stampNow(1795907738272.9), { seconds: 1795907738, nanos: 272000500 });
  assert.deepEqual(startStamp(1795907738272.9), { seconds: 1795907738, nanos: 272000000 });
  assert.deepEqual(stampNow(1795907738000), { seconds: 1795907738, nanos: 500 });
  const now = stampNow();
  assert.ok(Math.abs(now.seconds - Date.now() / 1000) < 5);
  // A stamp taken after a start is never ordered before it, even in the same millisecond.
  assert.ok(compareStamps(stampNow(1000), startStamp(1000)) > 0);
});

test('compareStamps orders by seconds, then nanoseconds', () => {
  assert.equal(compareStamps({ seconds: 5, nanos: 1 }, { seconds: 4, nanos: 999 }), 1);
  assert.equal(compareStamps({ seconds: 5, nanos: 1 }, { seconds: 5, nanos: 2 }), -1);
  assert.equal(compareStamps({ seconds: 5, nanos: 2 }, { seconds: 5, nanos: 2 }), 0);
});

test('TAI64N pack and external label match the worked example bytes', () => {
  const stamp = { seconds: 1795907738, nanos: 272623500 };
  const packed = packTai64n(stamp);
  assert.equal(packed.toString('hex'), '400000006b0b60a4103fe78c');
  assert.deepEqual(unpackTai64n(packed), stamp);
  assert.equal(tai64nLabel(stamp), '@400000006b0b60a4103fe78c');
});

test('ages are whole seconds of now minus the status seconds, clamped at 0', () => {
  assert.equal(ageSeconds(100, 107_999), 7);
  assert.equal(ageSeconds({ seconds: 100, nanos: 999_999_500 }, 100_000), 0);
  assert.equal(ageSeconds(200, 100_000), 0);
});
