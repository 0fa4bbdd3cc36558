import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, constants, mkdirSync, openSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isAlive, probeService, readStatus, sendControl } from '../../src/protocol/client.js';
import { closeAll, holdReader, makeSuperviseDir, mkfifo, removeDir, tempDir } from '../compat/protocol-fixtures.js';
import { inWorldReadable } from '../helpers/world-readable.js';

const EXAMPLE = Buffer.from('400000006b0b60a4103fe78c1b6d000000750001', 'hex');

function readAvailable(fd: number): string {
  const buf = Buffer.alloc(64);
  try {
    return buf.toString('latin1', 0, readSync(fd, buf, 0, buf.length, null));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return '';
    throw err;
  }
}

test('isAlive: never supervised is ENOENT, a FIFO nobody reads is ENXIO, a reader makes it alive', (t) => {
  const dir = tempDir('client');
  const fds: number[] = [];
  t.after(() => { closeAll(fds); removeDir(dir); });
  assert.deepEqual(isAlive(dir), { kind: 'unsupervised', file: 'ok', code: 'ENOENT', errno: 2, syscall: 'open' });
  const sup = makeSuperviseDir(dir);
  const started = Date.now();
  assert.deepEqual(isAlive(dir), { kind: 'not-running', file: 'ok', code: 'ENXIO', errno: 6, syscall: 'open' });
  assert.ok(Date.now() - started < 1000, 'the probe does not block on a FIFO without a reader');
  fds.push(holdReader(join(sup, 'ok')));
  assert.deepEqual(isAlive(dir), { kind: 'alive' });
  closeAll(fds);
  assert.equal(isAlive(dir).kind, 'not-running', 'the stale FIFO stays, the reader is gone');
});

test('isAlive reports other errnos as errors, without throwing', (t) => {
  const dir = tempDir('client');
  t.after(() => removeDir(dir));
  writeFileSync(join(dir, 'supervise'), 'not a directory');
  assert.deepEqual(isAlive(dir), { kind: 'error', file: 'ok', code: 'ENOTDIR', errno: 20, syscall: 'open' });
});

test('sendControl writes all bytes in one write and reports a missing reader as not running', (t) => {
  const dir = tempDir('client');
  const fds: number[] = [];
  t.after(() => { closeAll(fds); removeDir(dir); });
  const sup = makeSuperviseDir(dir);
  assert.deepEqual(sendControl(dir, 'd'), { kind: 'not-running', file: 'control', code: 'ENXIO', errno: 6, syscall: 'open' });
  const reader = holdReader(join(sup, 'control'));
  fds.push(reader);
  assert.deepEqual(sendControl(dir, 'tcu'), { kind: 'sent', written: 3 });
  assert.equal(readAvailable(reader), 'tcu');
  assert.deepEqual(sendControl(dir, 'x'), { kind: 'sent', written: 1 });
  assert.equal(readAvailable(reader), 'x');
});

test('sendControl on a directory without supervise/control is an ENOENT error', (t) => {
  const dir = tempDir('client');
  t.after(() => removeDir(dir));
  assert.deepEqual(sendControl(dir, 'u'), { kind: 'error', file: 'control', code: 'ENOENT', errno: 2, syscall: 'open' });
});

test('sendControl reports EACCES as denied', (t) => {
  const dir = tempDir('client');
  const fds: number[] = [];
  t.after(() => { closeAll(fds); removeDir(dir); });
  const sup = makeSuperviseDir(dir);
  fds.push(holdReader(join(sup, 'control')));
  chmodSync(dir, 0o755);
  chmodSync(sup, 0o755);
  if (process.getuid?.() !== 0) {
    chmodSync(join(sup, 'control'), 0o400);
    assert.equal(sendControl(dir, 'd').kind, 'denied');
    return;
  }
  // root bypasses file modes: ask again as nobody, through the compiled module.
  // (from a world-readable copy: the checkout may be under a directory nobody cannot enter)
  const mod = inWorldReadable(resolve(import.meta.dirname, '../../src/protocol/client.js'));
  const script = `import(${JSON.stringify(mod)}).then((m) => process.stdout.write(JSON.stringify(m.sendControl(${JSON.stringify(dir)}, 'd'))))`;
  const r = spawnSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { kind: 'denied', file: 'control', code: 'EACCES', errno: 13, syscall: 'open' });
});

test('sendControl reports a full FIFO (EAGAIN on write) as an error, without blocking', (t) => {
  const dir = tempDir('client');
  const fds: number[] = [];
  t.after(() => { closeAll(fds); removeDir(dir); });
  const sup = makeSuperviseDir(dir);
  fds.push(holdReader(join(sup, 'control')));
  // Fill the pipe buffer through a second non-blocking writer.
  const w = openSync(join(sup, 'control'), constants.O_WRONLY | constants.O_NONBLOCK);
  const chunk = Buffer.alloc(65536, 0x20);
  let filled = false;
  try {
    for (;;) writeSync(w, chunk);
  } catch (err) {
    // A non-blocking writer gets EAGAIN once the 64 KiB pipe buffer is full.
    assert.equal((err as NodeJS.ErrnoException).code, 'EAGAIN');
    filled = true;
  } finally {
    closeSync(w);
  }
  assert.ok(filled);
  const r = sendControl(dir, 'd');
  assert.equal(r.kind, 'error');
  if (r.kind === 'error') assert.deepEqual([r.code, r.syscall], ['EAGAIN', 'write']);
});

test('readStatus decodes exactly 20 bytes and reports everything else as bad format or errno', (t) => {
  const dir = tempDir('client');
  const fds: number[] = [];
  t.after(() => { closeAll(fds); removeDir(dir); });
  const sup = join(dir, 'supervise');
  assert.deepEqual(readStatus(dir), { kind: 'error', file: 'status', code: 'ENOENT', errno: 2, syscall: 'open' });
  mkdirSync(sup);
  writeFileSync(join(sup, 'status'), EXAMPLE);
  const ok = readStatus(dir);
  assert.equal(ok.kind, 'ok');
  if (ok.kind === 'ok') assert.deepEqual([ok.status.pid, ok.status.state, ok.status.want], [27931, 'run', 'u']);
  writeFileSync(join(sup, 'status'), EXAMPLE.subarray(0, 19));
  assert.deepEqual(readStatus(dir), { kind: 'bad-format', file: 'status', length: 19 });
  writeFileSync(join(sup, 'status'), Buffer.concat([EXAMPLE, Buffer.from('x')]));
  assert.deepEqual(readStatus(dir), { kind: 'bad-format', file: 'status', length: 21 });
  const bad = Buffer.from(EXAMPLE);
  bad[19] = 9;
  writeFileSync(join(sup, 'status'), bad);
  assert.deepEqual(readStatus(dir), { kind: 'bad-format', file: 'status', length: 20 });
});

test('readStatus never blocks on a status FIFO and reports a directory as a read error', (t) => {
  const dir = tempDir('client');
  t.after(() => removeDir(dir));
  const sup = join(dir, 'supervise');
  mkdirSync(sup);
  mkfifo(join(sup, 'status'));
  assert.deepEqual(readStatus(dir), { kind: 'bad-format', file: 'status', length: 0 });
  const dir2 = tempDir('client');
  t.after(() => removeDir(dir2));
  mkdirSync(join(dir2, 'supervise', 'status'), { recursive: true });
  assert.deepEqual(readStatus(dir2), { kind: 'error', file: 'status', code: 'EISDIR', errno: 21, syscall: 'read' });
});

test('probeService checks liveness before reading the status', (t) => {
  const dir = tempDir('client');
  const fds: number[] = [];
  t.after(() => { closeAll(fds); removeDir(dir); });
  const sup = makeSuperviseDir(dir);
  writeFileSync(join(sup, 'status'), EXAMPLE);
  assert.equal(probeService(dir).kind, 'not-running');
  fds.push(holdReader(join(sup, 'ok')));
  const r = probeService(dir);
  assert.equal(r.kind, 'ok');
  if (r.kind === 'ok') assert.equal(r.status.pid, 27931);
});
