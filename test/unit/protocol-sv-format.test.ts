import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorText } from '../../src/protocol/error-text.js';
import type { SuperviseStatus } from '../../src/protocol/status-file.js';
import {
  failureMessage, fatalLine, lsbStatusExit, messageLine, resultLine, statusErrorCount, statusLine,
  statusOutput, stderrWarningLine,
} from '../../src/protocol/sv-format.js';

const T0 = 1795907738; // status seconds used throughout
const at = (age: number, extraMs = 0): number => (T0 + age) * 1000 + extraMs;

function st(over: Partial<SuperviseStatus>): SuperviseStatus {
  return { seconds: T0, nanos: 272623500, pid: 0, paused: false, want: 'u', gotTerm: false, state: 'down', ...over };
}

const RUN = (pid: number, over: Partial<SuperviseStatus> = {}): SuperviseStatus => st({ pid, state: 'run', ...over });

test('every verified `sv status` example of spec §5.8', () => {
  const log27930 = (age: number) => ({ kind: 'ok' as const, status: RUN(27930, { seconds: T0 - age }), downExists: false });
  assert.equal(statusOutput('svc1', { status: RUN(27931, { seconds: T0 - 7 }), downExists: false }, log27930(7), at(0)),
    'run: svc1: (pid 27931) 7s; run: log: (pid 27930) 7s\n');
  assert.equal(statusOutput('svc1', { status: st({ want: 'd' }), downExists: false }, log27930(13), at(0)),
    'down: svc1: 0s, normally up; run: log: (pid 27930) 13s\n');
  assert.equal(statusOutput('svc1', { status: RUN(28551, { seconds: T0 - 5, paused: true }), downExists: false }, log27930(18), at(0)),
    'run: svc1: (pid 28551) 5s, paused; run: log: (pid 27930) 18s\n');
  assert.equal(statusOutput('svc1', { status: RUN(28551, { seconds: T0 - 5, want: 'd' }), downExists: false }, log27930(18), at(0)),
    'run: svc1: (pid 28551) 5s, want down; run: log: (pid 27930) 18s\n');
  assert.equal(statusOutput('fast', { status: st({}), downExists: false }, { kind: 'absent' }, at(1)),
    'down: fast: 1s, normally up, want up\n');
  assert.equal(statusOutput('core1', { status: st({ want: 'd' }), downExists: true }, { kind: 'absent' }, at(1)),
    'down: core1: 1s\n');
  assert.equal(statusLine('core1', RUN(4554, { want: 'd' }), true, at(0)), 'run: core1: (pid 4554) 0s, normally down, want down');
  assert.equal(statusLine('kf', st({ pid: 5990, state: 'finish', want: 'd' }), false, at(0, 999)), 'finish: kf: (pid 5990) 0s, want down');
  assert.equal(statusLine('it', RUN(29899, { want: 'd', gotTerm: true }), false, at(8)), 'run: it: (pid 29899) 8s, want down, got TERM');
  assert.equal(statusOutput('sl', { status: RUN(30197), downExists: false }, { kind: 'ok', status: st({ want: 'd' }), downExists: true }, at(1)),
    'run: sl: (pid 30197) 1s; down: log: 1s\n');
  assert.equal(
    statusOutput('svc1', { status: RUN(21584, { seconds: T0 - 1 }), downExists: false }, { kind: 'ok', status: st({ want: 'd' }), downExists: false }, at(2)),
    'run: svc1: (pid 21584) 3s; down: log: 2s, normally up\n');
});

test('ok/timeout/kill results and the verified result lines', () => {
  assert.equal(resultLine('timeout', statusLine('it', RUN(29899, { want: 'd', gotTerm: true }), false, at(7))),
    'timeout: run: it: (pid 29899) 7s, want down, got TERM');
  assert.equal(resultLine('kill', statusLine('it', RUN(29899, { want: 'd', gotTerm: true }), false, at(10))),
    'kill: run: it: (pid 29899) 10s, want down, got TERM');
  assert.equal(resultLine('ok', statusLine('cron', RUN(5869), false, at(0))), 'ok: run: cron: (pid 5869) 0s');
  assert.equal(resultLine('ok', statusLine('it', RUN(32045), false, at(0))), 'ok: run: it: (pid 32045) 0s');
  assert.equal(resultLine('timeout', statusLine('lx', st({ want: 'd' }), false, at(3))), 'timeout: down: lx: 3s, normally up');
});

test('the age is whole TAI seconds, clamped at 0 for a status in the future', () => {
  assert.equal(statusLine('a', RUN(1), false, at(-30)), 'run: a: (pid 1) 0s');
  assert.equal(statusLine('a', RUN(1, { nanos: 999_999_500 }), false, at(4, 1)), 'run: a: (pid 1) 4s');
});

test('suffixes follow the pid, not the state; (pid P) follows the state', () => {
  // A record in state down with a pid (never written by runsv) shows how sv decides.
  assert.equal(statusLine('w', st({ pid: 7, paused: true, want: 'd', gotTerm: true }), true, at(0)), 'down: w: 0s, normally down, paused, want down, got TERM');
  assert.equal(statusLine('w', st({ state: 'finish', pid: 0, paused: true, gotTerm: true }), false, at(0)), 'finish: w: (pid 0) 0s, normally up, want up');
  assert.equal(statusLine('w', RUN(9, { want: 'u' }), true, at(0)), 'run: w: (pid 9) 0s, normally down');
});

test('the log part of `sv status`: absent, chdir failure, failed probe (no stale line), ok', () => {
  const main = { status: RUN(10), downExists: false };
  assert.equal(statusOutput('x', main, { kind: 'chdir-error', code: 'EACCES' }, at(0)),
    'run: x: (pid 10) 0s; warning: x/log: unable to change directory: access denied\n');
  assert.equal(statusOutput('x', main, { kind: 'probe-failed', probe: { kind: 'not-running', file: 'ok', code: 'ENXIO', errno: 6, syscall: 'open' } }, at(0)),
    'run: x: (pid 10) 0s; fail: x/log: runsv not running\n');
  // runit would print a further line `run: log: (pid 10) 0s` from the main service's data.
  assert.equal(statusOutput('nl', main, { kind: 'probe-failed', probe: { kind: 'unsupervised', file: 'ok', code: 'ENOENT', errno: 2, syscall: 'open' } }, at(1)),
    'run: nl: (pid 10) 1s; warning: nl/log: unable to open supervise/ok: file does not exist\n');
  assert.equal(statusErrorCount({ kind: 'absent' }), 0);
  assert.equal(statusErrorCount({ kind: 'chdir-error', code: 'EACCES' }), 1);
});

test('fail/warning/ok messages for every probe and control failure', () => {
  const e = (file: 'ok' | 'status' | 'control', code: string, syscall: string, kind: 'error' | 'denied' | 'unsupervised' = 'error') =>
    ({ kind, file, code, errno: 1, syscall }) as const;
  const nr = { kind: 'not-running', file: 'ok', code: 'ENXIO', errno: 6, syscall: 'open' } as const;
  assert.deepEqual(failureMessage('svc', nr, false), { line: 'fail: svc: runsv not running', countsAsError: true });
  assert.deepEqual(failureMessage('svc', nr, true), { line: 'ok: svc: runsv not running', countsAsError: false });
  const lines = [
    failureMessage('svc', e('ok', 'ENOENT', 'open', 'unsupervised'), false),
    failureMessage('svc', e('ok', 'EACCES', 'open'), false),
    failureMessage('svc', e('status', 'ENOENT', 'open'), false),
    failureMessage('svc', e('status', 'EISDIR', 'read'), false),
    failureMessage('svc', { kind: 'bad-format', file: 'status', length: 3 }, false),
    failureMessage('svc', e('control', 'EACCES', 'open', 'denied'), false),
    failureMessage('svc', e('control', 'EAGAIN', 'write'), false),
    failureMessage('svc', { kind: 'short-write', file: 'control', written: 1, expected: 3 }, false),
  ];
  assert.deepEqual(lines.map((l) => l.line), [
    'warning: svc: unable to open supervise/ok: file does not exist',
    'warning: svc: unable to open supervise/ok: access denied',
    'warning: svc: unable to open supervise/status: file does not exist',
    'warning: svc: unable to read supervise/status: is a directory',
    'warning: svc: unable to read supervise/status: bad format',
    'warning: svc: unable to open supervise/control: access denied',
    'warning: svc: unable to write to supervise/control: temporary failure',
    'warning: svc: unable to write to supervise/control',
  ]);
  assert.ok(lines.every((l) => l.countsAsError));
  assert.equal(messageLine('fail', '/srv/svc1/', 'unable to change to service directory', 'ENOENT'),
    'fail: /srv/svc1/: unable to change to service directory: file does not exist');
});

test('djb error_str texts, with the errno name for unknown codes', () => {
  const expected: Record<string, string> = {
    ENOENT: 'file does not exist', EACCES: 'access denied', EPERM: 'permission denied', EAGAIN: 'temporary failure',
    ENXIO: 'device not configured', EISDIR: 'is a directory', ENOTDIR: 'not a directory', EEXIST: 'file already exists',
    ENOMEM: 'out of memory', EINVAL: 'invalid argument', EBUSY: 'device busy', EINTR: 'interrupted system call',
    ENOSPC: 'out of disk space', ELOOP: 'symbolic link loop', EROFS: 'read-only file system', EPIPE: 'broken pipe',
    ESRCH: 'no such process', ETXTBSY: 'text busy', ENOEXEC: 'exec format error', EBADF: 'file descriptor not open',
    ENAMETOOLONG: 'file name too long', ENOTEMPTY: 'directory not empty', ECHILD: 'no child processes',
  };
  for (const [code, text] of Object.entries(expected)) assert.equal(errorText(code), text, code);
  assert.equal(errorText('EOWNERDEAD'), 'EOWNERDEAD');
});

test('fatal and stderr warning texts', () => {
  assert.equal(fatalLine('unable to open current directory', 'EACCES'), 'fatal: unable to open current directory: access denied');
  assert.equal(stderrWarningLine('stat', 'svc/down', 'EACCES'), 'warning: unable to stat svc/down: access denied');
});

test('LSB status exit code is 0 with a process (run or finish), 3 without', () => {
  assert.equal(lsbStatusExit(RUN(5)), 0);
  assert.equal(lsbStatusExit(st({ pid: 6, state: 'finish' })), 0);
  assert.equal(lsbStatusExit(st({})), 3);
});
