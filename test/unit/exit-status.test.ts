// Decoding raw wait statuses, and runit's ./finish arguments, shell codes and descriptions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeStatus, describeStatus, encodeStatus, finishArgs, shellCode, type ExitStatus,
} from '../../src/process/exit-status.js';

test('exits decode to their code', () => {
  assert.deepEqual(decodeStatus(0), { kind: 'exited', code: 0 });
  assert.deepEqual(decodeStatus(3 << 8), { kind: 'exited', code: 3 });
  assert.deepEqual(decodeStatus(255 << 8), { kind: 'exited', code: 255 });
});

test('signals decode with the core flag', () => {
  assert.deepEqual(decodeStatus(15), { kind: 'signaled', signal: 15, core: false });
  assert.deepEqual(decodeStatus(9), { kind: 'signaled', signal: 9, core: false });
  assert.deepEqual(decodeStatus(11 | 0x80), { kind: 'signaled', signal: 11, core: true });
  assert.deepEqual(decodeStatus(37), { kind: 'signaled', signal: 37, core: false });
});

test('stopped statuses and garbage are refused', () => {
  for (const raw of [0x7f | (19 << 8), 0xffff, -1, 0x10000, 1.5]) {
    assert.throws(() => decodeStatus(raw), { code: 'ERR_EXIT_STATUS_INVALID' }, String(raw));
  }
});

test('runit finish arguments: "N 0" for exits, "-1 S" or "-1 S+128" for signals', () => {
  const cases: Array<[ExitStatus, [string, string]]> = [
    [{ kind: 'exited', code: 0 }, ['0', '0']],
    [{ kind: 'exited', code: 111 }, ['111', '0']],
    [{ kind: 'signaled', signal: 15, core: false }, ['-1', '15']],
    [{ kind: 'signaled', signal: 9, core: false }, ['-1', '9']],
    [{ kind: 'signaled', signal: 3, core: true }, ['-1', '131']],
  ];
  for (const [status, args] of cases) {
    assert.deepEqual(finishArgs(encodeStatus(status)), args);
    // The second argument is the low byte of the raw status.
    assert.equal(String(encodeStatus(status) & 0xff), args[1]);
    assert.deepEqual(decodeStatus(encodeStatus(status)), status);
  }
});

test('finish arguments agree with decodeStatus for every status waitpid can report', () => {
  const raws = [...Array(256).keys()].map((code) => code << 8);
  for (let sig = 1; sig < 0x7f; sig++) raws.push(sig, sig | 0x80);
  for (const raw of raws) {
    const status = decodeStatus(raw);
    const want = status.kind === 'exited' ? [String(status.code), '0'] : ['-1', String(status.signal + (status.core ? 128 : 0))];
    assert.deepEqual(finishArgs(raw), want, `status ${raw}`);
  }
});

test('finish arguments never throw, even for statuses decodeStatus refuses', () => {
  for (const raw of [0x7f | (19 << 8), 0xffff, -1, 0x10000, 1.5]) {
    assert.doesNotThrow(() => finishArgs(raw), String(raw));
    assert.equal(finishArgs(raw).length, 2);
  }
});

test('shell codes and descriptions', () => {
  assert.equal(shellCode({ kind: 'exited', code: 3 }), 3);
  assert.equal(shellCode({ kind: 'signaled', signal: 15, core: false }), 143);
  assert.equal(describeStatus({ kind: 'exited', code: 3 }), 'exited 3');
  assert.equal(describeStatus({ kind: 'signaled', signal: 11, core: true }), 'killed by SIGSEGV (core dumped)');
  assert.equal(describeStatus({ kind: 'signaled', signal: 9, core: false }), 'killed by SIGKILL');
  assert.equal(describeStatus({ kind: 'signaled', signal: 37, core: false }), 'killed by SIGRTMIN+3');
  assert.equal(describeStatus({ kind: 'signaled', signal: 32, core: false }), 'killed by signal 32');
});
