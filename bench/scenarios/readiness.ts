// Scenario 13: readiness latency, from a service's notification (the newline on its
// notification-fd) to its dependent's ./run starting, median and p99 over 100 pairs (quick: 20),
// and svinit's wake-ups once everything is ready (a notification-fd, an sd_notify and a check
// service among them; the same context-switch count as the idle wake-up scenario). Each pair db_i ->
// app_i is independent and notifies at its own moment (25 ms apart), so that the samples do not
// queue behind each other. ./run is a symlink to test/fixtures/ready-fixture.c, which stamps
// "NAME ready NS" just before it writes its newline and "NAME start NS" first thing in main.
// The floor: a shell pipeline that reads the newline and execs the dependent, no supervisor at all.
// svinit runs as a plain subreaper here (the readiness path is the same as PID 1's).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contextSwitches } from '../proc.js';
import { delay, median, type Value } from '../measure.js';
import { REPO_ROOT, SVINIT_BIN } from '../paths.js';
import { rowFrom } from '../rows.js';
import { steadySettleMs } from '../session.js';
import type { Column, Context, Row, Scenario, Table } from '../types.js';
import { readStamps } from '../../test/helpers/stamps.js';

const COLUMNS: readonly Column[] = [
  { key: 'p50', header: 'median ms', digits: 2 },
  { key: 'p99', header: 'p99 ms', digits: 2 },
  { key: 'samples', header: 'samples', digits: 0 },
  { key: 'wakeups', header: 'wake-ups once ready', digits: 0 },
];

/** ms between two pairs' notifications. */
const STAGGER_MS = 25;

function percentile(values: readonly number[], p: number): number | null {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** ms from db_i's notification to app_i's start, for every pair that has both stamps. */
function latencies(file: string, pairs: number): number[] {
  const s = readStamps(file);
  const out: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const ready = s.find((x) => x.name === `db${i}` && x.what === 'ready');
    const start = s.find((x) => x.name === `app${i}` && x.what === 'start');
    if (ready !== undefined && start !== undefined) out.push(Number(start.ns - ready.ns) / 1e6);
  }
  return out;
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(20);
  }
}

function service(root: string, name: string, fixture: string, args: readonly string[], files: Record<string, string> = {}): void {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  symlinkSync(fixture, join(dir, 'run'));
  writeFileSync(join(dir, 'fixture-args'), `${args.join('\n')}\n`);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text, { mode: rel === 'check' ? 0o755 : 0o644 });
  }
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** One svinit over `pairs` db_i -> app_i pairs, plus an sd_notify and a check service for the wake-ups. */
async function svinitRun(ctx: Context, fixture: string, pairs: number): Promise<{ lat: number[]; wakeups: number | null }> {
  const root = ctx.runDir('readiness-svinit');
  const order = join(root, '.order');
  for (let i = 0; i < pairs; i++) {
    service(root, `db${i}`, fixture, [`db${i}`, order, String(300 + i * STAGGER_MS), 'fd:3'], { 'notification-fd': '3\n' });
    service(root, `app${i}`, fixture, [`app${i}`, order, '0', 'none'], { [`dependencies.d/db${i}`]: '' });
  }
  service(root, 'notified', fixture, ['notified', order, '100', 'notify'], { notify: '' });
  service(root, 'checked', fixture, ['checked', order, '100', 'none'], { check: '#!/bin/sh\ngrep -q "^checked ready" ../.order\n' });
  const child = spawn(SVINIT_BIN, ['--dir', root, '-q', '--grace', '20'], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await until(() => latencies(order, pairs).length === pairs, 60_000, `${pairs} dependents started`);
    const pid = child.pid ?? 0;
    // Everything ready (the check service's poll ended): then nothing should wake svinit.
    await until(() => {
      try {
        const r = execFileSync(process.execPath, [join(REPO_ROOT, 'dist', 'src', 'bin', 'svinit.js'), 'check', '--ready', '--dir', root], { stdio: 'ignore' });
        return r !== undefined;
      } catch {
        return false;
      }
    }, 30_000, 'every service ready');
    // As the idle wake-up scenario: Node's start-up work (its GC, the code cache) settles first.
    await delay(steadySettleMs(ctx.quick));
    const before = contextSwitches(pid);
    await delay(ctx.idleMs);
    const after = contextSwitches(pid);
    return { lat: latencies(order, pairs), wakeups: before === null || after === null ? null : after - before };
  } finally {
    await stop(child);
  }
}

/** The floor: per pair, a shell pipeline that execs the dependent once it read the newline. */
async function floorRun(ctx: Context, fixture: string, pairs: number): Promise<number[]> {
  const root = ctx.runDir('readiness-floor');
  const order = join(root, '.order');
  const children: ChildProcess[] = [];
  for (let i = 0; i < pairs; i++) {
    const script = `${fixture} db${i} ${order} ${300 + i * STAGGER_MS} fd:3 3>&1 >/dev/null | { read x; exec ${fixture} app${i} ${order} 0 none; }`;
    children.push(spawn('sh', ['-c', script], { stdio: 'ignore', detached: true }));
  }
  try {
    await until(() => latencies(order, pairs).length === pairs, 60_000, `${pairs} dependents started`);
    return latencies(order, pairs);
  } finally {
    for (const c of children) {
      try {
        if (c.pid !== undefined) process.kill(-c.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

async function row(ctx: Context, label: string, role: Row['role'], runOnce: () => Promise<{ lat: number[]; wakeups: number | null }>): Promise<Row> {
  const all: number[] = [];
  const notes: string[] = [];
  const runs: Array<Record<string, Value>> = [];
  const wake: number[] = [];
  const rounds = ctx.quick ? 2 : 5;
  for (let r = 0; r < rounds; r++) {
    try {
      const { lat, wakeups } = await runOnce();
      all.push(...lat);
      if (wakeups !== null) wake.push(wakeups);
      ctx.say(`  ${label} run ${r + 1}/${rounds}: ${lat.length} samples, median ${median(lat)?.toFixed(2)} ms${wakeups === null ? '' : `, ${wakeups} wake-ups in ${ctx.idleMs / 1000} s once ready`}`);
    } catch (err) {
      notes.push(`run ${r + 1}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (all.length > 0) runs.push({ p50: median(all), p99: percentile(all, 99), samples: all.length, wakeups: wake.length > 0 ? median(wake) : null });
  return rowFrom(label, role, COLUMNS, runs, notes);
}

/** Scenario 13. */
export const readiness: Scenario = {
  id: 'readiness',
  title: 'readiness latency',
  async run(ctx: Context): Promise<Table> {
    const fixture = join(ctx.runDir('readiness-fixture'), 'ready-fixture');
    execFileSync('cc', ['-O2', '-Wall', '-o', fixture, join(REPO_ROOT, 'test', 'fixtures', 'ready-fixture.c')], { stdio: 'inherit' });
    const pairs = ctx.quick ? 10 : 20;
    const rows = [
      await row(ctx, 'shell pipeline (floor)', 'anchor', async () => ({ lat: await floorRun(ctx, fixture, pairs), wakeups: null })),
      await row(ctx, 'svinit (notification-fd, dependencies.d)', 'svinit', () => svinitRun(ctx, fixture, pairs)),
    ];
    return {
      id: this.id,
      title: `readiness latency: a notification to its dependent's ./run starting (${pairs * (ctx.quick ? 2 : 5)} pairs), and wake-ups once all is ready over ${ctx.idleMs / 1000} s`,
      columns: COLUMNS,
      ratioKeys: ['p50', 'p99'],
      rows,
    };
  },
};
