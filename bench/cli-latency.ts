// Wall time and CPU of the control commands against a real runsv service, next to runit's own
// `sv status` and a bare `node -e 0`: `node dist/bench/cli-latency.js [RUNS]`.
// Commands run round-robin so that every one sees the same machine load; CPU is the children's
// user+sys from /proc/self/stat (cutime, cstime), which counts each child once it is reaped.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../test/fixtures/cli-entry.js');
/** The real entry (it also loads the init's early-signal module). */
const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../src/bin/svinit.js');
const TICK_MS = 10; // USER_HZ is 100 on Linux

function childCpuMs(): number {
  // Fields after the ")" of comm: state is field 3; cutime and cstime are fields 16 and 17.
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * TICK_MS;
}

interface Case {
  readonly label: string;
  readonly argv: readonly string[];
  walls: number[];
  cpuMs: number;
}

function makeService(): { root: string; stop: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'svinit-bench-'));
  mkdirSync(join(root, 'svc'));
  writeFileSync(join(root, 'svc', 'run'), '#!/bin/sh\nexec sleep 1000\n');
  chmodSync(join(root, 'svc', 'run'), 0o755);
  const runsv = spawn('/usr/bin/runsv', ['svc'], { cwd: root, stdio: 'ignore' });
  for (let i = 0; i < 500; i++) {
    if (spawnSync('/usr/bin/sv', ['status', join(root, 'svc')]).stdout.toString().startsWith('run:')) break;
    spawnSync('sleep', ['0.01']);
  }
  return {
    root,
    stop: () => {
      spawnSync('/usr/bin/sv', ['-w', '5', 'force-shutdown', join(root, 'svc')]);
      runsv.kill('SIGKILL');
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function p90(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.9))] ?? NaN;
}

function main(): void {
  const runs = Number(process.argv[2] ?? 30);
  const svc = makeService();
  const env = { ...process.env, SVDIR: svc.root };
  const node = process.execPath;
  const cases: Case[] = [
    { label: 'node -e 0', argv: [node, '-e', '0'], walls: [], cpuMs: 0 },
    { label: 'runit sv status', argv: ['/usr/bin/sv', 'status', 'svc'], walls: [], cpuMs: 0 },
    { label: 'svinit sv status', argv: [node, CLI, 'sv', 'status', 'svc'], walls: [], cpuMs: 0 },
    { label: 'svinit status', argv: [node, CLI, 'status'], walls: [], cpuMs: 0 },
    { label: 'svinit check', argv: [node, CLI, 'check'], walls: [], cpuMs: 0 },
  ];
  if (existsSync(BIN)) cases.push({ label: 'bin svinit check', argv: [node, BIN, 'check'], walls: [], cpuMs: 0 });
  try {
    for (let i = 0; i < runs + 2; i++) {
      for (const c of cases) {
        const cpu0 = childCpuMs();
        const t0 = performance.now();
        const r = spawnSync(c.argv[0] ?? '', c.argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
        const wall = performance.now() - t0;
        if (r.status !== 0) throw new Error(`${c.label} failed (${r.status}): ${r.stdout}${r.stderr}`);
        if (i < 2) continue; // warm-up: page cache, first-run compilation
        c.walls.push(wall);
        c.cpuMs += childCpuMs() - cpu0;
      }
    }
  } finally {
    svc.stop();
  }
  const base = median(cases[0]?.walls ?? []);
  console.log(`cli-latency: ${runs} runs each, round-robin; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  console.log('command            median ms   p90 ms   vs node -e 0   cpu ms/run (user+sys)');
  for (const c of cases) {
    const m = median(c.walls);
    const delta = c.label === 'node -e 0' ? '' : `${m - base >= 0 ? '+' : ''}${(m - base).toFixed(1)}`;
    console.log(`${c.label.padEnd(18)} ${m.toFixed(1).padStart(9)} ${p90(c.walls).toFixed(1).padStart(8)} ${delta.padStart(14)} ${(c.cpuMs / runs).toFixed(1).padStart(12)}`);
  }
}

main();
