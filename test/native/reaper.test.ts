// The Reaper as a child subreaper (no privileges): orphans reaped, owners told exactly once, no
// zombie left, even with spawned children and orphans exiting at the same time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Reaper } from '../../src/process/reaper.js';
import { isChildSubreaper, pipeCloexec, reapAll, setChildSubreaper } from '../../src/native/native.js';
import { procFixture } from '../helpers/fixtures.js';
import { procStat, zombiesOf } from '../helpers/proc.js';

/** Resolves when `done()` is true, checked after each SIGCHLD the reaper handled; rejects at the deadline. */
function until(done: () => boolean, what: () => string, timeoutMs = 60000): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!done()) return;
      clearTimeout(timer);
      process.removeListener('SIGCHLD', check);
      resolve();
    };
    const timer = setTimeout(() => {
      process.removeListener('SIGCHLD', check);
      reject(new Error(`timed out waiting for ${what()}`));
    }, timeoutMs);
    // Registered after the reaper's own listener, so it runs after each drain.
    process.on('SIGCHLD', check);
    check();
  });
}

test('as a subreaper, 100 orphans of a double-forking child are all reaped', async () => {
  setChildSubreaper(true);
  assert.equal(isChildSubreaper(), true);
  let orphans = 0;
  const reaper = new Reaper({ onOrphan: () => orphans++ });
  reaper.start();
  try {
    const fixture = procFixture();
    let fixtureStatus: number | null = null;
    reaper.spawn({ file: fixture, argv: [fixture, 'orphans', '100', '2'], stdio: ['null', 'null', 'inherit'] }, (status) => {
      fixtureStatus = status;
    });
    await until(() => fixtureStatus !== null && orphans === 100, () => `100 orphans (have ${orphans})`);
    assert.equal(fixtureStatus, 0);
    assert.equal(reaper.stats().orphansReaped, 100);
    assert.deepEqual(zombiesOf(process.pid), []);
    assert.equal(await reaper.whenNoChildren(performance.now() + 10000), true);
  } finally {
    reaper.stop();
  }
});

test('no status is lost while spawned children and orphans exit together', async () => {
  const n = Number(process.env.SVINIT_RACE_N ?? 2000);
  setChildSubreaper(true);
  let orphans = 0;
  const reaper = new Reaper({ onOrphan: () => orphans++ });
  reaper.start();
  const fixture = procFixture();
  const seen = new Map<number, number>(); // i -> raw status
  let duplicates = 0;
  let orphanMakerDone = false;
  const t0 = performance.now();
  try {
    // The orphan maker runs alongside: n orphans, reparented to us while we spawn.
    reaper.spawn({ file: fixture, argv: [fixture, 'orphans', String(n), '2'], stdio: ['null', 'null', 'inherit'] }, (s) => {
      assert.equal(s, 0);
      orphanMakerDone = true;
    });
    let next = 0;
    await new Promise<void>((resolve) => {
      // Spawn in small batches so SIGCHLD drains interleave with spawning.
      const batch = (): void => {
        for (let k = 0; k < 25 && next < n; k++, next++) {
          const i = next;
          reaper.spawn({ file: fixture, argv: [fixture, 'exit', String(i % 256)], stdio: ['null', 'null', 'inherit'] }, (status) => {
            if (seen.has(i)) duplicates++;
            seen.set(i, status);
          });
        }
        if (next < n) setImmediate(batch);
        else resolve();
      };
      batch();
    });
    await until(
      () => seen.size === n && orphans === n && orphanMakerDone,
      () => `all exits (children ${seen.size}/${n}, orphans ${orphans}/${n})`,
      120000,
    );
    const ms = performance.now() - t0;
    assert.equal(duplicates, 0);
    for (let i = 0; i < n; i++) assert.equal(seen.get(i), (i % 256) << 8, `child ${i}`);
    assert.deepEqual(zombiesOf(process.pid), []);
    const st = reaper.stats();
    assert.equal(st.delivered, n + 1);
    assert.equal(st.watching, 0);
    console.log(`# race: N=${n}: ${n} children + ${n} orphans in ${ms.toFixed(0)} ms, ${st.wakeups} SIGCHLD wake-ups`);
  } finally {
    reaper.stop();
  }
});

test('whenNoChildren resolves false at the deadline and true once the last child is gone', async () => {
  const reaper = new Reaper();
  reaper.start();
  const [inR, inW] = pipeCloexec();
  try {
    const fixture = procFixture();
    let status = -1;
    reaper.spawn({ file: fixture, argv: [fixture, 'hold'], stdio: [inR, 'null', 'inherit'] }, (s) => {
      status = s;
    });
    closeSync(inR);
    assert.equal(await reaper.whenNoChildren(performance.now() + 100), false);
    const none = reaper.whenNoChildren(Infinity);
    closeSync(inW); // the child reads EOF and exits
    assert.equal(await none, true);
    assert.equal(status, 0);
  } finally {
    reaper.stop();
  }
});

/** Waits (bounded) until every pid is a zombie, checking /proc after each SIGCHLD. */
function untilZombies(pids: number[]): Promise<void> {
  return until(() => pids.every((p) => procStat(p)?.state === 'Z'), () => `zombies ${pids.join(',')}`);
}

test('an owner that throws does not stop the others being told; the error is rethrown', async () => {
  const reaper = new Reaper(); // not started: drain() is called by hand
  const fixture = procFixture();
  const told: number[] = [];
  const a = reaper.spawn({ file: fixture, argv: ['x', 'exit', '1'] }, () => {
    throw new Error('owner bug');
  });
  const b = reaper.spawn({ file: fixture, argv: ['x', 'exit', '2'] }, (s) => told.push(s));
  await untilZombies([a, b]);
  assert.throws(() => reaper.drain(), /owner bug/);
  assert.deepEqual(told, [2 << 8]);
  assert.equal(reaper.stats().watching, 0);
});

test('with reaping disabled (--no-reap) only our own children are waited for', async () => {
  setChildSubreaper(true);
  const reaper = new Reaper({ enabled: false });
  reaper.start();
  const fixture = procFixture();
  try {
    let status: number | null = null;
    reaper.spawn({ file: fixture, argv: [fixture, 'orphans', '5', '2'], stdio: ['null', 'null', 'inherit'] }, (s) => {
      status = s;
    });
    await until(() => status !== null && zombiesOf(process.pid).length === 5, () => 'the fixture and 5 orphan zombies');
    assert.equal(status, 0);
    assert.equal(reaper.stats().orphansReaped, 0);
  } finally {
    reaper.stop();
    assert.equal(reapAll().length, 5); // clean up the orphans left on purpose
  }
});
