// svinit while it runs and at awkward moments: orphans reaped with no zombie left standing,
// service dirs added and removed at run time, SIGTERM during start-up / a restart delay / a
// finish script, every catchable signal survived without an inspector port, no signal to
// anything outside its descendants, and no wake-ups while idle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { procStatus, zombiesOf } from '../helpers/proc.js';
import { HAVE_RUNIT, Init, PID1_SKIP, Tree, alive, ctxtSwitches, listenersOn, trapRun, waitFor } from './init-harness.js';

const ENGINES = [
  { engine: 'builtin', skip: false },
  { engine: 'runit', skip: HAVE_RUNIT ? false : 'runit is not installed' },
] as const;

// A service that orphans a short-lived child every 10 ms (the subshell exits at once).
const ORPHANER = '#!/bin/sh\necho $$ > $M/orph.ready\nwhile :; do ( sleep 0.02 & ) ; sleep 0.01; done\n';

for (const { engine, skip } of ENGINES) {
  for (const pid1 of [false, true]) {
    const label = `${engine}, ${pid1 ? 'PID 1' : 'subreaper'}`;
    test(`orphans are reaped as they appear: no zombie outlives a sample (${label})`, { skip: skip || (pid1 && PID1_SKIP), timeout: 60_000 }, async (t) => {
      const tree = new Tree({ orph: { run: ORPHANER } });
      const init = new Init(['--dir', tree.sv, '--engine', engine], { pid1 });
      t.after(() => { init.kill(); tree.cleanup(); });
      await waitFor(() => tree.has('orph.ready'), 15_000, 'orphaner ready');
      const pid = await init.pid();
      let samples = 0;
      let seen = 0;
      let prev = new Set<number>();
      const lingering: number[] = [];
      const end = performance.now() + 2000;
      while (performance.now() < end) {
        const now = new Set(zombiesOf(pid));
        seen += now.size;
        for (const z of now) if (prev.has(z)) lingering.push(z);
        prev = now;
        samples++;
        await new Promise((r) => setTimeout(r, 20));
      }
      t.diagnostic(`${samples} samples over 2 s: ${seen} zombie sightings (a zombie exists between exit and reap), ${lingering.length} lingering across two samples`);
      assert.deepEqual(lingering, [], 'no zombie survives from one sample to the next (20 ms)');
      await init.signal('SIGTERM');
      const { code } = await init.exit();
      assert.equal(code, 0, init.stderr);
    });
  }

  test(`service dirs added and removed at run time are started and stopped (${engine})`, { skip, timeout: 60_000 }, async (t) => {
    const tree = new Tree({ base: { run: trapRun('base', '0') } });
    const init = new Init(['--dir', tree.sv, '--engine', engine]);
    t.after(() => { init.kill(); tree.cleanup(); });
    await waitFor(() => tree.has('base.ready'), 15_000, 'base ready');
    // Staged outside, then renamed in: the directory appears complete, in one step.
    tree.write(join(tree.root, 'staged'), { run: trapRun('late', '0') });
    const limit = engine === 'builtin' ? 100 + 150 : 7000; // runsvdir polls every 5 s (+1 s settle)
    const t0 = performance.now();
    renameSync(join(tree.root, 'staged'), join(tree.sv, 'late'));
    const startMs = await waitFor(() => tree.has('late.ready'), 15_000, 'late started').catch((e: Error) => { throw new Error(`${e.message}\n${init.stderr}`); });
    const t1 = performance.now();
    renameSync(join(tree.sv, 'late'), join(tree.root, 'gone'));
    const stopMs = await waitFor(() => tree.has('late.clean'), 15_000, 'late stopped');
    t.diagnostic(`added -> running: ${Math.round(startMs)} ms; removed -> stopped (TERM trap ran): ${Math.round(stopMs)} ms`);
    assert.ok(t1 - t0 < limit, `started within ${limit} ms (${Math.round(t1 - t0)})`);
    assert.ok(stopMs < limit, `stopped within ${limit} ms (${Math.round(stopMs)})`);
    assert.ok(!tree.has('base.clean'), 'the other service was left alone');
    await init.signal('SIGTERM');
    assert.equal((await init.exit()).code, 0, init.stderr);
  });

  const awkward = {
    'start-up': { svc: { run: trapRun('s', '0.1') }, ready: null },
    'a restart delay': { svc: { run: '#!/bin/sh\necho x >> $M/s.ran\nexit 1\n' }, ready: 's.ran' },
    'a finish script': {
      svc: { run: '#!/bin/sh\nexit 3\n', finish: '#!/bin/sh\necho $$ > $M/s.finishing\nsleep 0.5\necho ok > $M/s.finished\n' },
      ready: 's.finishing',
    },
  } as const;
  for (const [when, { svc, ready }] of Object.entries(awkward)) {
    test(`SIGTERM during ${when}: the shutdown completes inside the grace (${engine})`, { skip, timeout: 60_000 }, async (t) => {
      const tree = new Tree({ s: svc });
      const init = new Init(['--dir', tree.sv, '--engine', engine, '--grace', '3']);
      t.after(() => { init.kill(); tree.cleanup(); });
      if (ready !== null) await waitFor(() => tree.has(ready), 15_000, ready);
      // Start-up: svinit's listeners are in (SigCgt has SIGHUP, which Node itself never catches)
      // and its services are being started. A signal in Node's own boot, before any JavaScript
      // runs, cannot be caught by any Node program (docs/commands/svinit.md, "Limits").
      else await waitFor(() => caughtHup(init), 10_000, 'svinit listening for signals');
      const sent = await init.signal('SIGTERM');
      const { code, at } = await init.exit();
      const ms = Math.round(at - sent);
      t.diagnostic(`SIGTERM during ${when}: exit ${code} after ${ms} ms (grace 3000)`);
      assert.ok(ms < 3000, `inside the grace (${ms} ms)\n${init.stderr}`);
      assert.equal(code, 0, init.stderr);
      if (when === 'a finish script') assert.ok(tree.has('s.finished'), 'the finish script ran to its end');
    });
  }
}

function caughtHup(init: Init): boolean {
  const pid = init.child.pid ?? 0;
  try {
    return (BigInt(`0x${procStatus(pid).get('SigCgt') ?? '0'}`) & 1n) === 1n;
  } catch {
    return false;
  }
}

// SIGQUIT is not here: it starts the shutdown, as TERM does (test/e2e/shutdown-defects.test.ts).
const CATCHABLE: NodeJS.Signals[] = ['SIGHUP', 'SIGABRT', 'SIGUSR1', 'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGSYS',
  'SIGTRAP', 'SIGSTKFLT', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGIO', 'SIGPWR', 'SIGWINCH', 'SIGURG', 'SIGCONT'];

for (const pid1 of [false, true]) {
  test(`every catchable signal leaves svinit and its services running, no inspector port (${pid1 ? 'PID 1' : 'subreaper'})`, { skip: pid1 && PID1_SKIP, timeout: 60_000 }, async (t) => {
    const tree = new Tree({ a: { run: trapRun('a', '0') } });
    const init = new Init(['--dir', tree.sv], { pid1 });
    t.after(() => { init.kill(); tree.cleanup(); });
    await waitFor(() => tree.has('a.ready'), 15_000, 'a ready');
    const svc = Number(tree.read('a.ready'));
    const pid = await init.pid();
    for (const sig of CATCHABLE) {
      process.kill(pid, sig);
      // Each handled signal is logged; wait for that line rather than a fixed time.
      if (sig !== 'SIGWINCH' && sig !== 'SIGURG' && sig !== 'SIGCONT') {
        await waitFor(() => init.stderr.includes(`${sig}:`), 5000, `svinit to log ${sig}`);
      }
      assert.ok(alive(pid), `svinit survived ${sig}\n${init.stderr}`);
      assert.ok(alive(svc), `the service survived ${sig}`);
    }
    assert.deepEqual(listenersOn(pid, 9229), [], 'nothing listens on the inspector port after SIGUSR1');
    assert.ok(!tree.has('a.clean'), 'the service was never stopped');
    await init.signal('SIGTERM');
    assert.equal((await init.exit()).code, 0, init.stderr);
  });
}

test('as a subreaper svinit never signals a process outside its descendants', { timeout: 60_000 }, async (t) => {
  const tree = new Tree({ a: { run: trapRun('a', '0') }, orph: { run: ORPHANER } });
  const outsider = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' });
  const init = new Init(['--dir', tree.sv]);
  t.after(() => { init.kill(); outsider.kill('SIGKILL'); tree.cleanup(); });
  await waitFor(() => tree.has('a.ready') && tree.has('orph.ready'), 15_000, 'services ready');
  await init.signal('SIGTERM');
  assert.equal((await init.exit()).code, 0, init.stderr);
  assert.ok(alive(outsider.pid ?? 0), 'the unrelated sleep survived svinit\'s shutdown');
});

test('no wake-ups while idle with two idle services', { timeout: 60_000 }, async (t) => {
  const tree = new Tree({ a: { run: trapRun('a', '0') }, b: { run: trapRun('b', '0') } });
  const init = new Init(['--dir', tree.sv]);
  t.after(() => { init.kill(); tree.cleanup(); });
  await waitFor(() => tree.has('a.ready') && tree.has('b.ready'), 15_000, 'services ready');
  const pid = await init.pid();
  // Let start-up work (JIT, V8's post-start-up GC) settle: wait for one quiet 1 s window.
  const settleEnd = performance.now() + 20_000;
  for (let before = ctxtSwitches(pid); ; ) {
    await new Promise((r) => setTimeout(r, 1000)); // a measurement window, not a synchronisation
    const now = ctxtSwitches(pid);
    if (now === before || performance.now() > settleEnd) break;
    before = now;
  }
  const c0 = ctxtSwitches(pid);
  await new Promise((r) => setTimeout(r, 3000)); // the measurement window itself, not a synchronisation
  const woke = ctxtSwitches(pid) - c0;
  t.diagnostic(`context switches over 3 s idle, all threads: ${woke}`);
  assert.equal(woke, 0);
  await init.signal('SIGTERM');
  assert.equal((await init.exit()).code, 0, init.stderr);
});
