// Nothing freezes PID 1, under load (issue 9): a flood on one service's supervise/control, a
// stderr whose reader has gone, too few file descriptors. svinit keeps every other service, its
// signals and its timers going, and never spins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, readStatus } from '../../src/protocol/client.js';
import { repoRoot } from '../helpers/fixtures.js';
import { cpuSeconds, rssKb } from '../helpers/proc.js';
import { stopTree, track } from '../helpers/teardown.js';
import { NO_RUNIT, READY, RUNIT_SV, SLEEPER, Svinit, Tree, waitUntil, type ServiceFiles } from './supervisor-harness.js';

const OPTS = { skip: NO_RUNIT, timeout: 180_000 };
/** A ./run that counts its starts in ./starts and fails after a moment: restarted once a second. */
const CRASHER = '#!/bin/sh\necho x >> starts\nexec sleep 0.1\n';

function starts(tree: Tree, name: string): number {
  try {
    return readFileSync(join(tree.dir(name), 'starts'), 'utf8').split('\n').filter((l) => l !== '').length;
  } catch {
    return 0;
  }
}

const span = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms)); // measuring a rate needs a span

test('a flood on one supervise/control: others restart, sv restart stays quick, SIGTERM is honoured, memory bounded', OPTS, async (t) => {
  const deaf = `#!/bin/sh\ntrap '' ALRM HUP\n${READY}\nexec sleep 1000\n`;
  const sv = await Svinit.start(t, { flood: { run: deaf }, other: { run: SLEEPER }, crash: { run: CRASHER } });
  const floodPid = await sv.ready('flood');
  const rss0 = rssKb(sv.pid);
  // Bytes as fast as they go, until the end of the test: junk, as `yes Z | tr -d '\n' >
  // supervise/control` writes it, and two commands taking turns (ALRM and HUP, which the service
  // ignores), so that repeats do not coalesce and the queue fills.
  const chunk = Buffer.alloc(64 * 1024, 'Zah');
  const out = createWriteStream(sv.file('flood', 'supervise/control'), { flags: 'a' });
  out.on('error', () => undefined); // svinit gone at the end: EPIPE
  let flooding = true;
  t.after(() => { flooding = false; out.destroy(); });
  const pump = (): void => {
    while (flooding) {
      if (!out.write(chunk)) {
        out.once('drain', pump);
        return;
      }
    }
  };
  pump();
  await waitUntil(() => out.bytesWritten >= 256 * 1024, 30_000, 'the flood under way');
  const mb0 = out.bytesWritten;
  const rss1 = rssKb(sv.pid);
  const crash0 = starts(sv.tree, 'crash');
  // sv restart of another service during the flood: quick (before the fix it timed out after 7 s).
  const latencies: number[] = [];
  let pid = await sv.ready('other');
  for (let i = 0; i < 3; i++) {
    const r = await sv.sv(['-w', '5', 'restart', 'other']);
    assert.equal(r.code, 0, `sv restart other during the flood: ${r.stdout}`);
    latencies.push(Math.round(r.ms));
    pid = await sv.ready('other', pid);
  }
  assert.ok(Math.max(...latencies) < 2500, `sv restart latencies ${latencies.join(', ')} ms`);
  // Timers keep their turn: the crashing service is restarted about once a second.
  await waitUntil(() => starts(sv.tree, 'crash') >= crash0 + 2, 10_000, 'crash restarted twice during the flood');
  // Memory is bounded: it grows to a plateau (read buffers, heap) and stays there, whatever is written.
  const grown = rssKb(sv.pid) - rss0;
  const late = rssKb(sv.pid) - rss1;
  assert.ok(grown < 120_000 && late < 60_000, `RSS grew by ${grown} kB under the flood, ${late} kB once it was under way`);
  await sv.waitLog(/^svinit: warning: flood: more than 64 commands pending on supervise\/control; dropping the rest/);
  assert.equal(sv.matching(/flood: more than 64 commands/).length, 1, 'one warning for the flood');
  assert.ok(out.bytesWritten > mb0, 'the flood went on while sv restarted the other service');
  t.diagnostic(`sv restart during a flood: ${latencies.join(', ')} ms; ${(out.bytesWritten / 1048576).toFixed(1)} MB written; RSS +${grown} kB (+${late} kB after the first 256 KiB)`);
  // SIGTERM is honoured during the flood.
  const t0 = Date.now();
  const exited = new Promise<number | null>((res) => sv.child.once('exit', (code) => res(code)));
  process.kill(sv.pid, 'SIGTERM');
  assert.equal(sv.status('flood')?.pid, floodPid, 'the flooded service itself ran on');
  const code = await Promise.race([exited, span(5000).then(() => 'timeout' as const)]);
  assert.equal(code, 0, `svinit exits 0 within 5 s of SIGTERM during the flood (${Date.now() - t0} ms)`);
});

test('a broken stderr (svinit -v 2>&1 | head -c1): no loop, the services keep restarting', OPTS, async (t) => {
  const tree = new Tree({ crash: { run: CRASHER } }, 'svinit-freeze-');
  const child = track(spawn(join(repoRoot, 'bin/svinit'), ['-v', '--dir', tree.root], { stdio: ['ignore', 'pipe', 'pipe'] }));
  t.after(async () => { await stopTree(child, 15_000); await tree.cleanup(); });
  // Read one byte, then close the reading ends: every later write of svinit's gets EPIPE (and SIGPIPE).
  await new Promise<void>((res) => child.stderr.once('data', () => res()));
  child.stdout.destroy();
  child.stderr.destroy();
  await waitUntil(() => starts(tree, 'crash') >= 2, 15_000, 'crash restarted once');
  const pid = child.pid ?? 0;
  const cpu0 = cpuSeconds(pid);
  const n0 = starts(tree, 'crash');
  const t0 = Date.now();
  await span(4000);
  const secs = (Date.now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  const more = starts(tree, 'crash') - n0;
  t.diagnostic(`broken stderr: ${cpu.toFixed(2)} s CPU in ${secs.toFixed(1)} s, ${more} restarts`);
  assert.ok(child.exitCode === null && child.signalCode === null, 'svinit is alive');
  assert.ok(cpu < 0.2 * secs, `no loop: ${cpu.toFixed(2)} s of CPU in ${secs.toFixed(1)} s`);
  assert.ok(more >= 2, `the service kept restarting: ${more} starts in ${secs.toFixed(1)} s`);
  assert.equal(readStatus(tree.dir('crash')).kind, 'ok');
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((res) => child.once('exit', (c) => res(c)));
  assert.equal(code, 0, 'a clean shutdown, its report lost to the dead pipe');
});

test('a stderr nobody reads (a stalled docker logs): svinit never blocks on its own lines, supervision goes on', { timeout: 120_000 }, async (t) => {
  const tree = new Tree({ crash: { run: CRASHER } }, 'svinit-freeze-');
  // stderr is a pipe this test never reads: 64 KiB fill it.
  const child = track(spawn(join(repoRoot, 'bin/svinit'), ['-v', '--dir', tree.root], { stdio: ['ignore', 'ignore', 'pipe'] }));
  t.after(async () => { await stopTree(child, 15_000); await tree.cleanup(); });
  child.stderr.pause();
  await waitUntil(() => starts(tree, 'crash') >= 1, 15_000, 'crash started');
  // SIGHUPs paced so that each is its own delivery, each one a line ("info: SIGHUP: rescanning
  // ..."), until far more than the pipe holds (64 KiB) was written or dropped.
  for (let i = 0; i < 3000; i++) {
    process.kill(child.pid ?? 0, 'SIGHUP');
    await span(1);
  }
  const n0 = starts(tree, 'crash');
  await span(4000);
  assert.ok(child.exitCode === null && child.signalCode === null, 'svinit is alive');
  assert.ok(starts(tree, 'crash') >= n0 + 2, `the service kept restarting (${n0} -> ${starts(tree, 'crash')})`);
  const t0 = Date.now();
  const st = readStatus(tree.dir('crash'));
  assert.equal(st.kind, 'ok');
  const sv = await new Promise<number | null>((res) => {
    const p = spawn(RUNIT_SV, ['status', tree.dir('crash')], { stdio: 'ignore' });
    p.once('exit', (c) => res(c));
  });
  t.diagnostic(`stalled stderr: sv status answered in ${Date.now() - t0} ms, ${starts(tree, 'crash') - n0} restarts in 4 s`);
  assert.equal(sv, 0, 'sv status is answered');
  child.kill('SIGTERM');
  child.stderr.resume();
  const code = await new Promise<number | null>((res) => child.once('exit', (c) => res(c)));
  assert.equal(code, 0, 'a clean shutdown, the reader back in time for it');
});

test('ulimit -n 64 with 50 services: those that fit are fully supervised, the rest wait with one line and back-off', OPTS, async (t) => {
  const services: Record<string, ServiceFiles> = {};
  for (let i = 1; i <= 50; i++) services[`s${String(i).padStart(2, '0')}`] = { run: SLEEPER };
  const tree = new Tree(services, 'svinit-freeze-');
  const bin = join(repoRoot, 'bin/svinit');
  const child = track(spawn('/bin/sh', ['-c', 'ulimit -n 64 && exec "$0" -v --dir "$1"', bin, tree.root], { stdio: ['ignore', 'pipe', 'pipe'] }));
  t.after(async () => { await stopTree(child, 15_000); await tree.cleanup(); });
  const lines: string[] = [];
  child.stderr.on('data', (b: Buffer) => lines.push(...b.toString().split('\n')));
  const matching = (re: RegExp): string[] => lines.filter((l) => re.test(l));
  const names = Object.keys(services);
  // Nothing half-supervised (before the fix: a supervise/ without FIFOs, a ./run that failed EMFILE).
  const half = /EMFILE|sv cannot reach it/;
  await waitUntil(() => matching(/wait for file descriptors: retrying in 1 s/).length > 0 || matching(half).length > 0, 20_000, 'the first scan');
  assert.equal(matching(half).length, 0, `nothing half-supervised:\n${lines.join('\n')}`);
  // The back-off: retries 1 s, then 2 s, then 4 s apart.
  await waitUntil(() => matching(/wait for file descriptors: retrying in 4 s/).length > 0, 20_000, `back-off\n${lines.join('\n')}`);
  const supervised = names.filter((n) => isAlive(tree.dir(n)).kind === 'alive');
  const ready = names.filter((n) => existsSync(join(tree.dir(n), 'ready')));
  t.diagnostic(`ulimit -n 64: ${supervised.length} of 50 services fully supervised`);
  assert.ok(supervised.length >= 10, `about a dozen fit: ${supervised.length}\n${lines.join('\n')}`);
  assert.deepEqual(ready, supervised, 'each service runs if and only if it is fully supervised');
  for (const n of supervised) {
    const st = readStatus(tree.dir(n));
    assert.ok(st.kind === 'ok' && st.status.state === 'run', `${n}: runs, status ${JSON.stringify(st)}`);
  }
  const waiting = names.length - supervised.length;
  const warn = matching(/^svinit: warning: unable to supervise \d+ service\(s\)/);
  assert.equal(warn.length, 1, `one line for the rest:\n${lines.join('\n')}`);
  assert.match(warn[0] ?? '', new RegExp(`unable to supervise ${waiting} service\\(s\\) \\(s\\d\\d, .*\\): not enough file descriptors \\(limit 64, each service holds 3, 8 with a log\\)`));
  assert.equal(matching(half).length, 0, `nothing half-supervised since:\n${lines.join('\n')}`);
  // No busy loop while they wait.
  const cpu0 = cpuSeconds(child.pid ?? 0);
  await span(2000);
  assert.ok(cpuSeconds(child.pid ?? 0) - cpu0 < 0.4, 'waiting costs no CPU');
  // sv talks to a supervised one as usual.
  const first = supervised[0] as string;
  const r = await new Promise<number>((res) => spawn(RUNIT_SV, ['status', first], { env: { ...process.env, SVDIR: tree.root }, stdio: 'ignore' })
    .once('exit', (c) => res(c ?? -1)));
  assert.equal(r, 0);
});
