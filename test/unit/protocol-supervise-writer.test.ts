import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { arraySink, createLogger } from '../../src/log/logger.js';
import type { ServiceRecord } from '../../src/protocol/status-file.js';
import { decodeStatus } from '../../src/protocol/status-file.js';
import { createSuperviseWriter } from '../../src/protocol/supervise-writer.js';
import { removeDir, tempDir } from '../compat/protocol-fixtures.js';

const RUN: ServiceRecord = { seconds: 1795907738, nanos: 272623500, pid: 27931, paused: false, want: 'up', gotTerm: false, state: 'run' };

function setup(): { dir: string; sup: string; lines: string[] } {
  const dir = tempDir('writer');
  const sup = join(dir, 'supervise');
  mkdirSync(sup, { mode: 0o700 });
  return { dir, sup, lines: [] };
}

test('writes pid, stat and status exactly as runsv does, leaving no .new files', (t) => {
  const { dir, sup, lines } = setup();
  t.after(() => removeDir(dir));
  const w = createSuperviseWriter(sup, createLogger(arraySink(lines)));
  assert.deepEqual(w.write(RUN), { ok: true });
  assert.equal(readFileSync(join(sup, 'pid'), 'utf8'), '27931\n');
  assert.equal(readFileSync(join(sup, 'stat'), 'utf8'), 'run\n');
  assert.equal(readFileSync(join(sup, 'status')).toString('hex'), '400000006b0b60a4103fe78c1b6d000000750001');
  assert.deepEqual(readdirSync(sup).sort(), ['pid', 'stat', 'status']);
  assert.deepEqual(w.write({ ...RUN, pid: 0, state: 'down', want: 'exit' }), { ok: true });
  assert.equal(readFileSync(join(sup, 'pid'), 'utf8'), '');
  assert.equal(readFileSync(join(sup, 'stat'), 'utf8'), 'down\n');
  assert.deepEqual(decodeStatus(readFileSync(join(sup, 'status'))).want, 'd');
  assert.deepEqual(lines, []);
});

test('files are created with 0644 minus the umask, like open(..., 0644)', (t) => {
  const { dir, sup } = setup();
  t.after(() => removeDir(dir));
  const old = process.umask(0o027);
  try {
    createSuperviseWriter(sup, createLogger(arraySink([]))).write(RUN);
  } finally {
    process.umask(old);
  }
  for (const f of ['pid', 'stat', 'status']) assert.equal(statSync(join(sup, f)).mode & 0o777, 0o640, f);
  const dir2 = setup();
  t.after(() => removeDir(dir2.dir));
  const old2 = process.umask(0o022);
  try {
    createSuperviseWriter(dir2.sup, createLogger(arraySink([]))).write(RUN);
  } finally {
    process.umask(old2);
  }
  for (const f of ['pid', 'stat', 'status']) assert.equal(statSync(join(dir2.sup, f)).mode & 0o777, 0o644, f);
});

test('pid is rewritten only when it changed; stat and status are replaced by rename every time', (t) => {
  const { dir, sup } = setup();
  t.after(() => removeDir(dir));
  const w = createSuperviseWriter(sup, createLogger(arraySink([])));
  w.write(RUN);
  const ino = (f: string): number => statSync(join(sup, f)).ino;
  const before = { pid: ino('pid'), stat: ino('stat'), status: ino('status') };
  w.write({ ...RUN, paused: true });
  assert.equal(ino('pid'), before.pid, 'same pid: pid file untouched');
  assert.notEqual(ino('stat'), before.stat, 'stat replaced');
  assert.notEqual(ino('status'), before.status, 'status replaced');
  assert.equal(readFileSync(join(sup, 'stat'), 'utf8'), 'run, paused\n');
  w.write({ ...RUN, pid: 31000 });
  assert.notEqual(ino('pid'), before.pid);
  assert.equal(readFileSync(join(sup, 'pid'), 'utf8'), '31000\n');
  const p = ino('pid');
  w.invalidatePid();
  w.write({ ...RUN, pid: 31000 });
  assert.notEqual(ino('pid'), p, 'invalidatePid forces a rewrite');
});

test('a missing supervise dir gives one warning line and no exception; pid is retried later', (t) => {
  const { dir, sup, lines } = setup();
  t.after(() => removeDir(dir));
  rmSync(sup, { recursive: true });
  const w = createSuperviseWriter(sup, createLogger(arraySink(lines)));
  const r = w.write(RUN);
  assert.equal(r.ok, false);
  assert.deepEqual(lines, [`svinit: warning: unable to open ${sup}/pid.new: ENOENT`]);
  if (!r.ok) assert.equal(r.code, 'ENOENT');
  mkdirSync(sup);
  assert.deepEqual(w.write(RUN), { ok: true });
  assert.equal(readFileSync(join(sup, 'pid'), 'utf8'), '27931\n', 'the failed pid write was not remembered as done');
});

test('a failed write unlinks its .new file and skips the rest of the update', (t) => {
  const { dir, sup, lines } = setup();
  t.after(() => removeDir(dir));
  const w = createSuperviseWriter(sup, createLogger(arraySink(lines)));
  // stat.new -> /dev/full: open succeeds, write(2) fails with ENOSPC.
  symlinkSync('/dev/full', join(sup, 'stat.new'));
  const r = w.write(RUN);
  assert.deepEqual(r, { ok: false, code: 'ENOSPC', message: `unable to write ${sup}/stat.new: ENOSPC` });
  assert.deepEqual(lines, [`svinit: warning: unable to write ${sup}/stat.new: ENOSPC`]);
  assert.deepEqual(readdirSync(sup).sort(), ['pid'], 'stat.new unlinked, status not written');
});

test('a failed rename unlinks the .new file', (t) => {
  const { dir, sup, lines } = setup();
  t.after(() => removeDir(dir));
  mkdirSync(join(sup, 'status'));
  mkdirSync(join(sup, 'status', 'keep'));
  const w = createSuperviseWriter(sup, createLogger(arraySink(lines)));
  const r = w.write(RUN);
  assert.equal(r.ok, false);
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? '', /^svinit: warning: unable to rename .*\/status\.new to .*\/status: E(ISDIR|NOTEMPTY|EXIST)$/);
  assert.deepEqual(readdirSync(sup).sort(), ['pid', 'stat', 'status']);
});

test('a record the encoder rejects is a warning, not an exception', (t) => {
  const { dir, sup, lines } = setup();
  t.after(() => removeDir(dir));
  const w = createSuperviseWriter(sup, createLogger(arraySink(lines)));
  const r = w.write({ ...RUN, nanos: -1 });
  assert.equal(r.ok, false);
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? '', /^svinit: warning: unable to update .*supervise: unable to encode status/);
});
