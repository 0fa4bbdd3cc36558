// svinit's built-in supervisor against runit's runsv, side by side: `sv status` and
// `sv -w 5 restart` latency (median of N) for one service, and the private memory of the
// supervision tree with 100 services (svinit alone vs runsvdir + 100 runsv; services excluded).
// Run: node dist/bench/supervisor-latency.js [N]
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive, readStatus } from '../src/protocol/client.js';
import { median } from './measure.js';
import { childrenOf, commOf, readMemory } from './proc.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const N = Number(process.argv[2] ?? 15);
const MANY = 100;
const RUN = '#!/bin/sh\nexec sleep 100000\n';

function tree(count: number): string {
  const root = mkdtempSync(join(tmpdir(), 'svinit-bench-sup-'));
  for (let i = 0; i < count; i++) {
    const d = join(root, `s${i}`);
    mkdirSync(d);
    writeFileSync(join(d, 'run'), RUN);
    chmodSync(join(d, 'run'), 0o755);
  }
  return root;
}

function sv(args: string[], svdir: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((res) => execFile('/usr/bin/sv', args, { env: { ...process.env, SVDIR: svdir } }, () => res(performance.now() - t0)));
}

async function until(cond: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('bench: timed out waiting for the supervisors');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function allUp(root: string, count: number): boolean {
  for (let i = 0; i < count; i++) {
    const d = join(root, `s${i}`);
    if (isAlive(d).kind !== 'alive') return false;
    const s = readStatus(d);
    if (s.kind !== 'ok' || s.status.state !== 'run') return false;
  }
  return true;
}

interface Started {
  readonly root: string;
  readonly proc: ChildProcess;
}

async function startSupervisor(kind: 'svinit' | 'runit', count: number): Promise<Started> {
  const root = tree(count);
  const proc = kind === 'svinit'
    ? spawn(join(ROOT, 'bin/svinit'), ['--dir', root, '-q'], { stdio: 'ignore' })
    : spawn('runsvdir', ['-P', root], { stdio: 'ignore' });
  await until(() => allUp(root, count));
  return { root, proc };
}

async function stopSupervisor(s: Started, kind: 'svinit' | 'runit', count: number): Promise<void> {
  // runsvdir leaves its runsv processes running on SIGTERM: tell each to stop and exit first.
  if (kind === 'runit') await sv(['-w', '10', 'force-shutdown', ...Array.from({ length: count }, (_, i) => join(s.root, `s${i}`))], s.root);
  s.proc.kill('SIGTERM');
  await new Promise((r) => (s.proc.exitCode !== null ? r(null) : s.proc.once('exit', r)));
  rmSync(s.root, { recursive: true, force: true });
}

async function latencies(s: Started): Promise<{ status: number | null; restart: number | null }> {
  const dir = join(s.root, 's0');
  const status: number[] = [];
  for (let i = 0; i < N; i++) status.push(await sv(['status', 's0'], s.root));
  const restart: number[] = [];
  for (let i = 0; i < N; i++) {
    // sv's restart check has 1-second precision, and both supervisors throttle a start within 1 s
    // of the previous one: begin each restart in a new second, over a second after the last start.
    const r = readStatus(dir);
    const started = r.kind === 'ok' ? r.status.seconds : 0;
    await until(() => Date.now() / 1000 >= started + 1.05 && Math.floor(Date.now() / 1000) > started);
    restart.push(await sv(['-w', '5', 'restart', 's0'], s.root));
  }
  return { status: median(status), restart: median(restart) };
}

/** Private kB of the supervision processes: `root` and its descendants that are not services. */
function privateKb(root: number): number {
  let total = 0;
  const queue = [root];
  for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
    const comm = commOf(p);
    if (comm === 'sleep' || comm === 'sh') continue;
    total += readMemory(p)?.private ?? 0;
    queue.push(...childrenOf(p));
  }
  return total;
}

function fmt(v: number | null, unit: string): string {
  return v === null ? '-' : `${v.toFixed(unit === 'kB' ? 0 : 1)} ${unit}`;
}

async function main(): Promise<void> {
  const rows: [string, number | null, number | null, string][] = [];
  for (const kind of ['svinit', 'runit'] as const) {
    const one = await startSupervisor(kind, 1);
    const l = await latencies(one);
    await stopSupervisor(one, kind, 1);
    const many = await startSupervisor(kind, MANY);
    await new Promise((r) => setTimeout(r, 2000)); // let start-up garbage settle before measuring
    const mem = privateKb(many.proc.pid ?? 0);
    const procs = kind === 'runit' ? childrenOf(many.proc.pid ?? 0).length + 1 : 1;
    await stopSupervisor(many, kind, MANY);
    rows.push([kind, l.status, l.restart, `${mem} kB in ${procs} process${procs === 1 ? '' : 'es'}`]);
    (kind === 'svinit' ? svinitRow : runitRow).push(l.status, l.restart, mem);
  }
  const ratio = (i: number): string => {
    const a = svinitRow[i];
    const b = runitRow[i];
    return a === null || b === null || a === undefined || b === undefined || b === 0 ? '-' : `${(a / b).toFixed(2)}x`;
  };
  const line = (a: string, b: string, c: string, d: string): string => `${a.padEnd(34)}${b.padEnd(14)}${c.padEnd(16)}${d}`;
  process.stdout.write(`${line('metric (median of ' + N + ')', 'svinit', 'runsv', 'svinit/runsv')}\n`);
  process.stdout.write(`${line('sv status latency', fmt(svinitRow[0] ?? null, 'ms'), fmt(runitRow[0] ?? null, 'ms'), ratio(0))}\n`);
  process.stdout.write(`${line('sv -w 5 restart latency', fmt(svinitRow[1] ?? null, 'ms'), fmt(runitRow[1] ?? null, 'ms'), ratio(1))}\n`);
  process.stdout.write(`${line(`private memory, ${MANY} services`, fmt(svinitRow[2] ?? null, 'kB'), fmt(runitRow[2] ?? null, 'kB'), ratio(2))}\n`);
  for (const r of rows) process.stdout.write(`  ${r[0]}: ${r[3]}\n`);
}

const svinitRow: (number | null)[] = [];
const runitRow: (number | null)[] = [];

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
