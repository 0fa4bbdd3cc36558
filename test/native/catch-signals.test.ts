// native/catch.c against the real kernel: the signals Node cannot listen to arrive as bytes on a
// pipe, a SIGPIPE raised by this process's own write does not, and bad numbers are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, readSync, writeSync } from 'node:fs';
import { catchSignals, pipeCloexec, setNonblocking } from '../../src/native/native.js';

async function readBytes(fd: number, want: number, timeoutMs: number): Promise<number[]> {
  const got: number[] = [];
  const buf = Buffer.alloc(64);
  const t0 = Date.now();
  while (got.length < want && Date.now() - t0 < timeoutMs) {
    try {
      const n = readSync(fd, buf, 0, buf.length, null);
      got.push(...buf.subarray(0, n));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  return got;
}

test('catchSignals: real-time signals, SEGV/BUS/ILL/FPE sent with kill and an outside SIGPIPE arrive; our own EPIPE does not', async () => {
  const [r, w] = pipeCloexec();
  setNonblocking(r, true);
  setNonblocking(w, true);
  catchSignals(w, [4, 7, 8, 11, 13, 34, 40, 64]);
  for (const sig of [34, 40, 64, 11, 7, 4, 8]) process.kill(process.pid, sig);
  assert.deepEqual((await readBytes(r, 7, 10_000)).sort((a, b) => a - b), [4, 7, 8, 11, 34, 40, 64]);
  // A write to a pipe nobody reads: EPIPE, and the kernel's SIGPIPE (from this very process) is dropped.
  const [deadR, deadW] = pipeCloexec();
  closeSync(deadR);
  assert.throws(() => writeSync(deadW, 'x'), { code: 'EPIPE' });
  closeSync(deadW);
  // Another process's SIGPIPE is delivered, and is the first byte after the EPIPE.
  assert.equal(spawnSync('kill', ['-PIPE', String(process.pid)]).status, 0);
  assert.deepEqual(await readBytes(r, 1, 10_000), [13]);
  assert.ok(process.pid > 0, 'still alive after every one of them');
  closeSync(r);
  closeSync(w);
});

test('catchSignals refuses KILL, STOP, CHLD and glibc\'s own 32 and 33', () => {
  const [r, w] = pipeCloexec();
  for (const sig of [9, 19, 17, 32, 33, 0, 65]) {
    assert.throws(() => catchSignals(w, [sig]), { code: 'EINVAL' }, `signal ${sig}`);
  }
  closeSync(r);
  closeSync(w);
});
