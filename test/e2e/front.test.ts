// The C front (native/front.c): as a container's PID 1, bin/svinit execs it first; it holds every
// signal from its first instruction until svinit listens, forwards only what svinit handles,
// reaps orphans that are not svinit's descendants, records RLIMIT_NOFILE, and exits with
// svinit's status. PID 1 only: run under unshare as the other PID 1 tests are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/fixtures.js';
import { childrenOf, procStat, zombiesOf } from '../helpers/proc.js';
import { Init, PID1_SKIP, Tree, trapRun, waitFor } from './init-harness.js';

const FRONT = join(repoRoot, 'build', 'Release', 'svinit-front');
const SKIP = PID1_SKIP || (existsSync(FRONT) ? false : `${FRONT} is not built (npm ci builds it)`);

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

test('a SIGTERM sent the moment PID 1 exists is held, not lost: svinit stops cleanly', { skip: SKIP, timeout: 60_000 }, async (t) => {
  const tree = new Tree({ a: { run: trapRun('a', '0') } });
  const init = new Init(['--dir', tree.sv], { pid1: true });
  t.after(() => { init.kill(); tree.cleanup(); });
  // No wait for anything: Node has not even started (without the front this TERM is dropped
  // by the kernel, and svinit would run until the engine's SIGKILL).
  await init.signal('SIGTERM');
  const { code } = await init.exit(30_000);
  assert.equal(code, 0, init.stderr);
  assert.match(init.reportLines().at(-1) ?? '', /^svinit: shutdown: SIGTERM: /, init.stderr);
});

test('PID 1 is the front, svinit its child; only the signals svinit handles are forwarded', { skip: SKIP, timeout: 60_000 }, async (t) => {
  const tree = new Tree({ a: { run: trapRun('a', '0') } });
  const init = new Init(['--dir', tree.sv, '-v'], { pid1: true });
  t.after(() => { init.kill(); tree.cleanup(); });
  await waitFor(() => tree.has('a.ready'), 15_000, 'a ready');
  const front = await init.pid();
  assert.equal(comm(front), 'svinit-front');
  const [svinit] = childrenOf(front).filter((p) => comm(p) === 'node');
  assert.ok(svinit !== undefined, 'svinit runs as the front\'s child');
  assert.match(init.stderr, /behind svinit-front \(PID 1\)/);
  // TSTP would stop svinit (its default action, svinit not being PID 1): the front drops it.
  process.kill(front, 'SIGTSTP');
  process.kill(front, 'SIGHUP');
  await waitFor(() => init.stderr.includes('SIGHUP: rescanning'), 10_000, 'HUP forwarded');
  assert.notEqual(procStat(svinit)?.state, 'T', 'svinit was not stopped by the TSTP');
  await init.signal('SIGTERM');
  assert.equal((await init.exit()).code, 0, init.stderr);
});

test('the front records RLIMIT_NOFILE for the services, as the launcher does', { skip: SKIP, timeout: 60_000 }, async (t) => {
  const tree = new Tree({ a: { run: '#!/bin/sh\nulimit -Sn > $M/nofile\necho $$ > $M/a.ready\nexec sleep 1000\n' } });
  const init = new Init(['--dir', tree.sv], { pid1: true, prelude: 'ulimit -Sn 512' });
  t.after(() => { init.kill(); tree.cleanup(); });
  await waitFor(() => tree.has('a.ready'), 15_000, 'a ready');
  assert.equal(tree.read('nofile'), '512');
  await init.signal('SIGTERM');
  assert.equal((await init.exit()).code, 0, init.stderr);
});

test('svinit killed by a signal: the front says so and exits 128+n', { skip: SKIP, timeout: 60_000 }, async (t) => {
  const tree = new Tree({ a: { run: trapRun('a', '0') } });
  const init = new Init(['--dir', tree.sv], { pid1: true });
  t.after(() => { init.kill(); tree.cleanup(); });
  await waitFor(() => tree.has('a.ready'), 15_000, 'a ready');
  const [svinit] = childrenOf(await init.pid()).filter((p) => comm(p) === 'node');
  assert.ok(svinit !== undefined);
  process.kill(svinit, 'SIGKILL');
  const { code } = await init.exit();
  assert.equal(code, 137, init.stderr);
  assert.match(init.stderr, /svinit: fatal: the init process was killed by signal 9 /);
});

test('an orphan from outside svinit\'s tree (as `docker exec` leaves) is reaped by the front', { skip: SKIP || (spawnSync('nsenter', ['--version']).error ? 'nsenter is not installed' : false), timeout: 60_000 }, async (t) => {
  const tree = new Tree({ a: { run: trapRun('a', '0') } });
  const init = new Init(['--dir', tree.sv], { pid1: true });
  t.after(() => { init.kill(); tree.cleanup(); });
  await waitFor(() => tree.has('a.ready'), 15_000, 'a ready');
  const front = await init.pid();
  // A shell entered into the namespace leaves a child behind: it is reparented to PID 1.
  const r = spawnSync('nsenter', ['-t', String(front), '-p', '-m', 'sh', '-c', 'sleep 1 >/dev/null 2>&1 & echo $!'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  await waitFor(() => childrenOf(front).some((p) => comm(p) === 'sleep'), 5000, 'the orphan adopted by the front');
  await waitFor(() => !childrenOf(front).some((p) => comm(p) === 'sleep') && zombiesOf(front).length === 0, 10_000, 'the orphan reaped by the front');
  await init.signal('SIGTERM');
  assert.equal((await init.exit()).code, 0, init.stderr);
});
