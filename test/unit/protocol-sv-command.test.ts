import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SuperviseStatus } from '../../src/protocol/status-file.js';
import type { SvCommand } from '../../src/protocol/sv-command.js';
import {
  checkCondition, checkConditions, commandWaits, isExitCommand, parseSvCommand, serviceDirectory, shouldSkipSend,
} from '../../src/protocol/sv-command.js';

type Row = [word: string, bytes: string, wait: boolean, kill: boolean, waitBytes: string];

// Spec §5.3/§5.4, one row per word (including the first-letter spellings).
const CONTROL: Row[] = [
  ['up', 'u', false, false, 'u'], ['u', 'u', false, false, 'u'], ['upx', 'u', false, false, 'u'],
  ['down', 'd', false, false, 'd'], ['once', 'o', false, false, 'o'], ['pause', 'p', false, false, 'p'],
  ['cont', 'c', false, false, 'c'], ['checkit', 'c', false, false, 'c'], ['hup', 'h', false, false, 'h'],
  ['alarm', 'a', false, false, 'a'], ['interrupt', 'i', false, false, 'i'], ['quit', 'q', false, false, 'q'],
  ['1', '1', false, false, '1'], ['2', '2', false, false, '2'], ['usr1', 'u', false, false, 'u'],
  ['term', 't', false, false, 't'], ['terminate', 't', false, false, 't'], ['kill', 'k', false, false, 'k'],
  ['exit', 'x', false, false, 'x'], ['e', 'x', false, false, 'x'], ['xyz', 'x', false, false, 'x'],
  ['start', 'u', true, false, 'u'], ['stop', 'd', true, false, 'd'], ['reload', 'h', true, false, 'h'],
  ['restart', 'tcu', true, false, 'tcu'], ['shutdown', 'x', true, false, 'x'], ['try-restart', 'tc', true, false, 'tc'],
  ['check', '', true, false, 'C'],
  ['force-stop', 'd', true, true, 'd'], ['force-reload', 'tc', true, true, 'tc'],
  ['force-restart', 'tcu', true, true, 'tcu'], ['force-shutdown', 'x', true, true, 'x'],
  ['X', 'x', true, true, 'x'], ['Exit', 'x', true, true, 'x'], ['D', 'd', true, true, 'd'], ['T', 'tc', true, true, 'tc'],
];

test('command words map to the bytes, waits and kill of spec §5.3/§5.4', () => {
  for (const lsb of [false, true]) {
    for (const [word, bytes, wait, kill, waitBytes] of CONTROL) {
      const r = parseSvCommand(word, lsb);
      assert.equal(r.kind, 'control', word);
      if (r.kind !== 'control') continue;
      assert.deepEqual([r.bytes, r.wait, r.kill, r.waitBytes], [bytes, wait, kill, waitBytes], `${word} lsb=${lsb}`);
    }
  }
});

test('s-words: status by first letter in sv mode, only exact `status` in LSB mode', () => {
  for (const w of ['status', 's', 'stat', 'sxyz', 'starts', 'stopped']) assert.deepEqual(parseSvCommand(w, false), { kind: 'status' }, w);
  assert.deepEqual(parseSvCommand('status', true), { kind: 'status' });
  for (const w of ['s', 'stat', 'sxyz']) assert.deepEqual(parseSvCommand(w, true), { kind: 'usage' }, w);
});

test('usage errors: unknown first letters, r- and f-words that are not exact, the empty word', () => {
  for (const w of ['', 'restarts', 'r', 'rel', 'force', 'f', 'force-up', 'Restart', 'b', 'zz', '3', '-v', 'U']) {
    assert.deepEqual(parseSvCommand(w, false), { kind: 'usage' }, JSON.stringify(w));
  }
});

test('which commands wait, and which are exit commands', () => {
  const p = (w: string): SvCommand => {
    const r = parseSvCommand(w, false);
    assert.notEqual(r.kind, 'usage');
    return r as SvCommand;
  };
  assert.equal(commandWaits(p('up'), false), false);
  assert.equal(commandWaits(p('up'), true), true);
  assert.equal(commandWaits(p('restart'), false), true);
  assert.equal(commandWaits(p('status'), true), false, 'status ignores -v');
  assert.equal(isExitCommand(p('exit')), true);
  assert.equal(isExitCommand(p('force-shutdown')), true);
  assert.equal(isExitCommand(p('down')), false);
  assert.equal(isExitCommand(p('check')), false);
});

const S = (over: Partial<SuperviseStatus>): SuperviseStatus =>
  ({ seconds: 1000, nanos: 500_000_500, pid: 42, paused: false, want: 'u', gotTerm: false, state: 'run', ...over });

test('skip-send: u when want is up; d only when want is down and got TERM is set', () => {
  assert.equal(shouldSkipSend('u', S({ want: 'u' })), true);
  assert.equal(shouldSkipSend('u', S({ want: 'd' })), false);
  assert.equal(shouldSkipSend('d', S({ want: 'd', gotTerm: true })), true);
  assert.equal(shouldSkipSend('d', S({ want: 'd', gotTerm: false })), false, 'started with once: still sends d');
  assert.equal(shouldSkipSend('d', S({ want: 'u', gotTerm: true })), false);
  assert.equal(shouldSkipSend('x', S({ want: 'd', gotTerm: true })), false);
  assert.equal(shouldSkipSend('tcu', S({ want: 'u' })), false, 'only the first byte counts');
  assert.equal(shouldSkipSend('', S({})), false);
});

const START_SAME_SECOND = { seconds: 1000, nanos: 700_000_000 };
const RUNIT_START = { seconds: 1000, nanos: 0 };
const pass = (): boolean => true;
const failCheck = (): boolean => false;

test('wait conditions of spec §5.6, byte by byte', () => {
  const c = (b: string, s: SuperviseStatus | 'not-running', check = pass, start = RUNIT_START) => checkCondition(b, s, start, check);
  // not running: success only for x
  assert.equal(c('x', 'not-running'), 'ok');
  for (const b of ['u', 'd', 'C', 't', 'o', 'p', 'h']) assert.equal(c(b, 'not-running'), 'fail', b);
  assert.equal(c('x', S({})), 'pending');
  // u
  assert.equal(c('u', S({})), 'ok');
  assert.equal(c('u', S({}), failCheck), 'pending');
  assert.equal(c('u', S({ state: 'finish' })), 'pending');
  assert.equal(c('u', S({ pid: 0, state: 'down' })), 'pending');
  // d
  assert.equal(c('d', S({ pid: 0, state: 'down' })), 'ok');
  assert.equal(c('d', S({ pid: 0, state: 'finish' })), 'pending');
  assert.equal(c('d', S({})), 'pending');
  // C: no process passes at once, even with want up
  assert.equal(c('C', S({ pid: 0, state: 'down', want: 'u' }), failCheck), 'ok');
  assert.equal(c('C', S({}), failCheck), 'pending');
  assert.equal(c('C', S({})), 'ok');
  // t and k
  for (const b of ['t', 'k']) {
    assert.equal(c(b, S({ pid: 0, state: 'down', want: 'd' }), failCheck), 'ok', b);
    assert.equal(c(b, S({ pid: 0, state: 'down', want: 'u' })), 'pending', b);
    assert.equal(c(b, S({ seconds: 999 })), 'pending', `${b}: started before sv`);
    assert.equal(c(b, S({ gotTerm: true })), 'pending', `${b}: TERM not yet acted on`);
    assert.equal(c(b, S({}), failCheck), 'pending', b);
    assert.equal(c(b, S({})), 'ok', b);
  }
  // o
  assert.equal(c('o', S({ pid: 0, state: 'down', seconds: 1000 })), 'ok');
  assert.equal(c('o', S({ pid: 0, state: 'down', seconds: 999 })), 'pending');
  assert.equal(c('o', S({ want: 'd' })), 'ok');
  assert.equal(c('o', S({ want: 'u' })), 'pending');
  // p and c
  assert.equal(c('p', S({ paused: true })), 'ok');
  assert.equal(c('p', S({ paused: false })), 'pending');
  assert.equal(c('p', S({ pid: 0, state: 'down' })), 'ok');
  assert.equal(c('c', S({ paused: false })), 'ok');
  assert.equal(c('c', S({ paused: true })), 'pending');
  assert.equal(c('c', S({ pid: 0, paused: true, state: 'down' })), 'ok');
  // signals hold at once
  for (const b of ['h', 'a', 'i', 'q', '1', '2']) assert.equal(c(b, S({ pid: 0, state: 'down' }), failCheck), 'ok', b);
});

test('same-second restart: runit start passes (false positive), a precise start waits', () => {
  // Service started at 1000.5, sv restart started at 1000.7 and the TERM was ignored.
  const ignoredTerm = S({ seconds: 1000, nanos: 500_000_500 });
  assert.equal(checkConditions('tcu', ignoredTerm, RUNIT_START, pass), 'ok', 'runit whole-second semantics');
  assert.equal(checkConditions('tcu', ignoredTerm, START_SAME_SECOND, pass), 'pending');
  // The real restart happens later in the same second: both accept it.
  const restarted = S({ seconds: 1000, nanos: 900_000_500 });
  assert.equal(checkConditions('tcu', restarted, START_SAME_SECOND, pass), 'ok');
  assert.equal(checkCondition('o', S({ pid: 0, state: 'down', nanos: 600_000_500 }), START_SAME_SECOND, pass), 'pending');
});

test('checkConditions takes the bytes in order and runs the check script per byte', () => {
  let runs = 0;
  const counting = (): boolean => { runs++; return true; };
  assert.equal(checkConditions('tcu', S({ seconds: 2000 }), RUNIT_START, counting), 'ok');
  assert.equal(runs, 2, 'the check script runs for t and for u');
  runs = 0;
  assert.equal(checkConditions('tcu', S({ gotTerm: true }), RUNIT_START, counting), 'pending');
  assert.equal(runs, 0, 'the script is not run when the status already fails');
  assert.equal(checkConditions('x', 'not-running', RUNIT_START, counting), 'ok');
  assert.equal(checkConditions('tc', 'not-running', RUNIT_START, counting), 'fail');
  assert.equal(checkConditions('', S({}), RUNIT_START, counting), 'ok');
});

test('service names: svdir for plain names, cwd for ./ / and trailing-slash names', () => {
  assert.equal(serviceDirectory('svc1', '/etc/service/', '/home'), '/etc/service/svc1');
  assert.equal(serviceDirectory('svc1/log', '/etc/service', '/home'), '/etc/service/svc1/log');
  assert.equal(serviceDirectory('svc1/', '/etc/service', '/home'), '/home/svc1');
  assert.equal(serviceDirectory('./svc1', '/etc/service', '/home'), '/home/svc1');
  assert.equal(serviceDirectory('/srv/svc1/', '/etc/service', '/home'), '/srv/svc1');
  assert.equal(serviceDirectory('.', '/etc/service', '/home'), '/home');
  assert.equal(serviceDirectory('x', 'rel/service', '/home'), '/home/rel/service/x');
  assert.equal(serviceDirectory('', '/etc/service', '/home'), undefined);
});
