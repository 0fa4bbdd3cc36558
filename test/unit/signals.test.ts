// Signal names <-> numbers, checked against Node's own table for the classic range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { SIG, SIGRTMAX, SIGRTMIN, SignalError, isSignalNumber, parseSignal, signalName } from '../../src/process/signals.js';

test('classic names match the Linux numbers Node knows', () => {
  for (let n = 1; n <= 31; n++) {
    const name = signalName(n);
    assert.equal((constants.signals as Record<string, number>)[name], n, name);
    assert.equal(parseSignal(name), n);
  }
});

test('the SIG table is the whole classic range, with the numbers Node knows', () => {
  assert.deepEqual(Object.values(SIG), [...Array(31).keys()].map((i) => i + 1));
  for (const [name, n] of Object.entries(SIG)) {
    assert.equal((constants.signals as Record<string, number>)[`SIG${name}`], n, name);
    assert.equal(signalName(n), `SIG${name}`);
  }
});

test('parse accepts SIGTERM, TERM, term, " 15 ", and numbers', () => {
  for (const v of ['SIGTERM', 'TERM', 'term', 'SigTerm', '15', ' 15 ', 15]) assert.equal(parseSignal(v), 15, String(v));
  assert.equal(parseSignal('HUP'), 1);
  assert.equal(parseSignal('IOT'), 6);
  assert.equal(parseSignal('CLD'), 17);
  assert.equal(parseSignal('POLL'), 29);
});

test('real-time signals: SIGRTMIN=34 .. SIGRTMAX=64', () => {
  assert.equal(SIGRTMIN, 34);
  assert.equal(SIGRTMAX, 64);
  assert.equal(signalName(34), 'SIGRTMIN');
  assert.equal(signalName(37), 'SIGRTMIN+3');
  assert.equal(signalName(63), 'SIGRTMIN+29');
  assert.equal(signalName(64), 'SIGRTMAX');
  assert.equal(parseSignal('SIGRTMIN+3'), 37);
  assert.equal(parseSignal('rtmin+3'), 37);
  assert.equal(parseSignal('RTMIN'), 34);
  assert.equal(parseSignal('SIGRTMAX-1'), 63);
  assert.equal(parseSignal('SIGRTMAX'), 64);
  for (let n = 34; n <= 64; n++) assert.equal(parseSignal(signalName(n)), n);
});

test('unknown values fail with ERR_SIGNAL_UNKNOWN naming the value and the fix', () => {
  for (const v of ['', 'SIG', 'TERMX', 'SIGFOO', '0', '32', '33', '65', '-1', '1.5', 'RTMIN+31', 'RTMAX+1', 'RTMIN-1', 0, 32, 65, 2.5]) {
    assert.throws(() => parseSignal(v), (err: unknown) => {
      assert.ok(err instanceof SignalError);
      assert.equal(err.code, 'ERR_SIGNAL_UNKNOWN');
      assert.ok(err.message.includes(JSON.stringify(String(v))), err.message);
      assert.match(err.message, /^unable to parse signal .*: not a signal; use a name such as TERM/);
      assert.ok(!err.message.includes('\n'));
      return true;
    }, String(v));
  }
  assert.throws(() => signalName(0), { code: 'ERR_SIGNAL_UNKNOWN' });
  assert.equal(isSignalNumber(33), false);
  assert.equal(isSignalNumber(9), true);
});
