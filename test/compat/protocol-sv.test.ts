// Debian's real `sv` against supervise/ directories written by our supervise-writer, with the
// FIFOs held open by this test process the way runsv holds them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { arraySink, createLogger } from '../../src/log/logger.js';
import type { ProbeResult } from '../../src/protocol/client.js';
import { probeService } from '../../src/protocol/client.js';
import type { ServiceRecord, SuperviseStatus } from '../../src/protocol/status-file.js';
import { toSuperviseStatus } from '../../src/protocol/status-file.js';
import { checkConditions, shouldSkipSend } from '../../src/protocol/sv-command.js';
import type { LogView } from '../../src/protocol/sv-format.js';
import { failureMessage, resultLine, statusLine, statusOutput } from '../../src/protocol/sv-format.js';
import type { SuperviseWriter } from '../../src/protocol/supervise-writer.js';
import { createSuperviseWriter } from '../../src/protocol/supervise-writer.js';
import { startStamp } from '../../src/protocol/tai64.js';
import { closeAll, haveExecutable, holdReader, makeSuperviseDir, removeDir, tempDir } from './protocol-fixtures.js';

const SV = '/usr/bin/sv';
const skip = haveExecutable(SV) ? false : `${SV} is not installed (Debian package runit)`;

interface Fixture {
  root: string;
  svc: string;
  main: SuperviseWriter;
  log: SuperviseWriter;
  okFd: number;
  controlFd: number;
  logOkFd: number;
  fds: number[];
  warnings: string[];
}

function setup(): Fixture {
  const root = tempDir('sv');
  const svc = join(root, 'svc');
  mkdirSync(join(svc, 'log'), { recursive: true });
  const warnings: string[] = [];
  const logger = createLogger(arraySink(warnings));
  const sup = makeSuperviseDir(svc);
  const logSup = makeSuperviseDir(join(svc, 'log'));
  const fds: number[] = [];
  const hold = (p: string): number => {
    const fd = holdReader(p);
    fds.push(fd);
    return fd;
  };
  return {
    root, svc, warnings, fds,
    main: createSuperviseWriter(sup, logger),
    log: createSuperviseWriter(logSup, logger),
    okFd: hold(join(sup, 'ok')),
    controlFd: hold(join(sup, 'control')),
    logOkFd: hold(join(logSup, 'ok')),
  };
}

function teardown(f: Fixture): void {
  closeAll(f.fds);
  removeDir(f.root);
}

function sv(f: Fixture, ...args: string[]): { stdout: string; stderr: string; code: number | null; before: number; after: number } {
  const before = Date.now();
  const r = spawnSync(SV, args, { cwd: f.root, env: { ...process.env, SVDIR: f.root, SVWAIT: '7' }, encoding: 'utf8', timeout: 60_000 });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status, before, after: Date.now() };
}

/** The outputs sv may have produced, one per wall-clock second it may have read. */
function candidates(fn: (nowMs: number) => string, before: number, after: number): string[] {
  const out: string[] = [];
  for (let s = Math.floor(before / 1000); s <= Math.floor(after / 1000); s++) out.push(fn(s * 1000));
  return out;
}

/** Reads whatever sv wrote into the control FIFO ('' if nothing). */
function drainControl(fd: number): string {
  const buf = Buffer.alloc(256);
  try {
    return buf.toString('latin1', 0, readSync(fd, buf, 0, buf.length, null));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return '';
    throw err;
  }
}

/** Narrows a probe to its failure variants (the test fails if it succeeded). */
function failed(p: ProbeResult): Exclude<ProbeResult, { kind: 'ok' }> {
  if (p.kind === 'ok') throw new Error(`expected a failed probe, got ${JSON.stringify(p)}`);
  return p;
}

const LOG_RUN: ServiceRecord = { seconds: 0, nanos: 500, pid: 4243, paused: false, want: 'up', gotTerm: false, state: 'run' };

test('real `sv status` prints exactly our status output for every state x flag x want x down file', { skip, timeout: 120_000 }, (t) => {
  const f = setup();
  t.after(() => teardown(f));
  const base = Math.floor(Date.now() / 1000) - 100;
  const logRecord = { ...LOG_RUN, seconds: base + 40 };
  assert.ok(f.log.write(logRecord).ok);
  let n = 0;
  for (const state of ['down', 'run', 'finish'] as const) {
    for (const paused of [false, true]) {
      for (const gotTerm of [false, true]) {
        for (const want of ['up', 'down', 'exit'] as const) {
          for (const downExists of [false, true]) {
            const record: ServiceRecord = { seconds: base, nanos: 123456500, pid: state === 'down' ? 0 : 4242, paused, want, gotTerm, state };
            assert.deepEqual(f.main.write(record), { ok: true });
            if (downExists) writeFileSync(join(f.svc, 'down'), '');
            else rmSync(join(f.svc, 'down'), { force: true });
            const r = sv(f, 'status', 'svc');
            const log: LogView = { kind: 'ok', status: toSuperviseStatus(logRecord), downExists: false };
            const expected = candidates((now) => statusOutput('svc', { status: toSuperviseStatus(record), downExists }, log, now), r.before, r.after);
            assert.ok(expected.includes(r.stdout), `${JSON.stringify(record)} down=${downExists}: sv printed ${JSON.stringify(r.stdout)}, we ${JSON.stringify(expected)}`);
            assert.equal(r.code, 0);
            assert.equal(r.stderr, '');
            n++;
          }
        }
      }
    }
  }
  assert.equal(n, 72);
  assert.deepEqual(f.warnings, []);
});

test('real `sv status` log-part failures match ours (not running, chdir error)', { skip, timeout: 60_000 }, (t) => {
  const f = setup();
  t.after(() => teardown(f));
  const now = Date.now();
  const record: ServiceRecord = { seconds: Math.floor(now / 1000) - 5, nanos: 500, pid: 4242, paused: false, want: 'up', gotTerm: false, state: 'run' };
  f.main.write(record);
  f.log.write({ ...LOG_RUN, seconds: record.seconds });
  closeAll([f.logOkFd]);
  const logProbe = failed(probeService(join(f.svc, 'log')));
  assert.equal(logProbe.kind, 'not-running');
  let r = sv(f, 'status', 'svc');
  const main = { status: toSuperviseStatus(record), downExists: false };
  assert.ok(candidates((t0) => statusOutput('svc', main, { kind: 'probe-failed', probe: logProbe }, t0), r.before, r.after).includes(r.stdout), r.stdout);
  assert.equal(r.code, 1);
  // log exists but is not a directory: chdir fails with ENOTDIR.
  rmSync(join(f.svc, 'log'), { recursive: true });
  writeFileSync(join(f.svc, 'log'), '');
  r = sv(f, 'status', 'svc');
  assert.ok(candidates((t0) => statusOutput('svc', main, { kind: 'chdir-error', code: 'ENOTDIR' }, t0), r.before, r.after).includes(r.stdout), r.stdout);
  assert.equal(r.code, 1);
});

test('real `sv` control commands write the bytes we expect, honouring the skip-send rule', { skip, timeout: 60_000 }, (t) => {
  const f = setup();
  t.after(() => teardown(f));
  const seconds = Math.floor(Date.now() / 1000) - 50;
  const commands: Array<[string, string]> = [['up', 'u'], ['down', 'd'], ['term', 't'], ['exit', 'x'], ['once', 'o'], ['pause', 'p'], ['hup', 'h'], ['2', '2']];
  for (const want of ['up', 'down'] as const) {
    for (const gotTerm of [false, true]) {
      const record: ServiceRecord = { seconds, nanos: 500, pid: 4242, paused: false, want, gotTerm, state: 'run' };
      f.main.write(record);
      for (const [word, bytes] of commands) {
        drainControl(f.controlFd);
        const r = sv(f, word, 'svc');
        assert.equal(r.code, 0, `${word}: ${r.stdout}${r.stderr}`);
        assert.equal(r.stdout, '');
        const expected = shouldSkipSend(bytes, toSuperviseStatus(record)) ? '' : bytes;
        assert.equal(drainControl(f.controlFd), expected, `sv ${word} with want=${want} term=${gotTerm}`);
      }
    }
  }
  // sv down on want up: exactly one 'd' in the FIFO.
  f.main.write({ seconds, nanos: 500, pid: 4242, paused: false, want: 'up', gotTerm: false, state: 'run' });
  drainControl(f.controlFd);
  assert.equal(sv(f, 'down', 'svc').code, 0);
  assert.equal(drainControl(f.controlFd), 'd');
});

test('real `sv restart`: timeout and immediate ok agree with our wait conditions', { skip, timeout: 60_000 }, (t) => {
  const f = setup();
  t.after(() => teardown(f));
  // Started long before sv: TERM has not been acted on, so t stays pending until the timeout.
  const old: ServiceRecord = { seconds: Math.floor(Date.now() / 1000) - 30, nanos: 500, pid: 4242, paused: false, want: 'up', gotTerm: true, state: 'run' };
  f.main.write(old);
  const start = startStamp();
  let r = sv(f, '-w', '0', 'restart', 'svc');
  assert.equal(drainControl(f.controlFd), 'tcu');
  assert.equal(checkConditions('tcu', toSuperviseStatus(old), start, () => true), 'pending');
  assert.ok(candidates((now) => `${resultLine('timeout', statusLine('svc', toSuperviseStatus(old), false, now))}\n`, r.before, r.after).includes(r.stdout), r.stdout);
  assert.equal(r.code, 1);
  // A status stamped in the future satisfies t, c and u at once; the age is clamped to 0.
  const fresh: ServiceRecord = { ...old, seconds: Math.floor(Date.now() / 1000) + 30, gotTerm: false };
  f.main.write(fresh);
  r = sv(f, 'restart', 'svc');
  assert.equal(drainControl(f.controlFd), 'tcu');
  assert.equal(checkConditions('tcu', toSuperviseStatus(fresh), startStamp(), () => true), 'ok');
  assert.equal(r.stdout, `${resultLine('ok', statusLine('svc', toSuperviseStatus(fresh), false, Date.now()))}\n`);
  assert.equal(r.stdout, 'ok: run: svc: (pid 4242) 0s\n');
  assert.equal(r.code, 0);
});

test('real `sv` failure messages match ours: runsv not running, bad format', { skip, timeout: 60_000 }, (t) => {
  const f = setup();
  t.after(() => teardown(f));
  const record: SuperviseStatus = { seconds: Math.floor(Date.now() / 1000), nanos: 500, pid: 0, paused: false, want: 'd', gotTerm: false, state: 'down' };
  f.main.write({ ...record, want: 'down' });
  // A 19-byte status file.
  writeFileSync(join(f.svc, 'supervise', 'status'), Buffer.alloc(19));
  let probe = failed(probeService(f.svc));
  assert.equal(probe.kind, 'bad-format');
  let r = sv(f, 'status', 'svc');
  assert.equal(r.stdout, `${failureMessage('svc', probe, false).line}\n`);
  assert.equal(r.stdout, 'warning: svc: unable to read supervise/status: bad format\n');
  assert.equal(r.code, 1);
  // Nobody reads supervise/ok: runsv is not running.
  closeAll([f.okFd]);
  probe = failed(probeService(f.svc));
  assert.equal(probe.kind, 'not-running');
  r = sv(f, 'status', 'svc');
  assert.equal(r.stdout, `${failureMessage('svc', probe, false).line}\n`);
  assert.equal(r.stdout, 'fail: svc: runsv not running\n');
  assert.equal(r.code, 1);
  r = sv(f, 'exit', 'svc');
  assert.equal(r.stdout, `${failureMessage('svc', probe, true).line}\n`);
  assert.equal(r.stdout, 'ok: svc: runsv not running\n');
  assert.equal(r.code, 0);
  // Never supervised.
  rmSync(join(f.svc, 'supervise'), { recursive: true });
  probe = failed(probeService(f.svc));
  assert.equal(probe.kind, 'unsupervised');
  r = sv(f, 'status', 'svc');
  assert.equal(r.stdout, `${failureMessage('svc', probe, false).line}\n`);
  assert.equal(r.stdout, 'warning: svc: unable to open supervise/ok: file does not exist\n');
});
