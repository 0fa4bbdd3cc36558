// Scenario 11: svinit as tini and dumb-init are used, `INIT -- CMD`, not as PID 1 (the main-command
// mode's own costs): the wall time of `INIT /bin/true` beside `node -e 0` (Node's start-up is
// svinit's floor), and the latency of a forwarded signal: the bench sends SIGUSR1 to the init,
// and CMD (bench/tools/sigecho) writes a byte when it has it; median and p99 over 1,000 signals
// (quick: 100), one at a time.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { benchEnv } from '../namespace.js';
import { median, type Value } from '../measure.js';
import { SVINIT_BIN } from '../paths.js';
import { rowFrom, unavailableRow } from '../rows.js';
import type { Column, Context, Row, Scenario, Table } from '../types.js';

interface Wrapper {
  readonly label: string;
  readonly role: Row['role'];
  /** The command line around CMD; null: the reference row (no init). */
  readonly argv: (cmd: readonly string[]) => string[];
  /** A tool it needs on $PATH. */
  readonly needs: string | null;
  /** Whether the forwarding column applies. */
  readonly forwards: boolean;
}

const WRAPPERS: readonly Wrapper[] = [
  { label: 'node -e 0 (floor)', role: 'reference', argv: () => [process.execPath, '-e', '0'], needs: null, forwards: false },
  { label: 'tini --', role: 'anchor', argv: (c) => ['tini', '--', ...c], needs: 'tini', forwards: true },
  { label: 'dumb-init', role: 'anchor', argv: (c) => ['dumb-init', ...c], needs: 'dumb-init', forwards: true },
  { label: 'svinit --no-services --', role: 'svinit', argv: (c) => [SVINIT_BIN, '--no-services', '--', ...c], needs: null, forwards: true },
];

function onPath(tool: string): boolean {
  return (benchEnv()['PATH'] ?? '').split(':').some((dir) => {
    try {
      accessSync(`${dir}/${tool}`, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The wall time of one whole run of argv, in ms (NaN if it failed). */
function wall(argv: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    const start = performance.now();
    const [file, ...args] = argv;
    const child = spawn(file as string, args, { stdio: 'ignore', env: { ...benchEnv(), SVINIT_NODE: process.execPath } });
    child.on('exit', (code) => resolve(code === 0 ? performance.now() - start : NaN));
    child.on('error', () => resolve(NaN));
  });
}

/** Median and p99 (ms) of `count` SIGUSR1 forwarded by the init to sigecho, one at a time. */
async function forwarding(argv: readonly string[], count: number): Promise<{ median: number | null; p99: number | null }> {
  const [file, ...args] = argv;
  const child = spawn(file as string, args, { stdio: ['ignore', 'pipe', 'ignore'], env: { ...benchEnv(), SVINIT_NODE: process.execPath } });
  let buffered = '';
  let waiter: (() => void) | null = null;
  child.stdout.setEncoding('latin1').on('data', (s: string) => {
    buffered += s;
    waiter?.();
  });
  const until = (pred: () => boolean, ms: number): Promise<boolean> => new Promise((resolve) => {
    if (pred()) {
      resolve(true);
      return;
    }
    const timer = setTimeout(() => { waiter = null; resolve(false); }, ms);
    waiter = () => {
      if (!pred()) return;
      clearTimeout(timer);
      waiter = null;
      resolve(true);
    };
  });
  try {
    if (!(await until(() => buffered.includes('ready\n'), 10_000))) return { median: null, p99: null };
    // Let the init finish starting (svinit's own start-up runs on after CMD's first write).
    await new Promise((r) => setTimeout(r, 300));
    const times: number[] = [];
    let seen = buffered.length;
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      process.kill(child.pid as number, 'SIGUSR1');
      if (!(await until(() => buffered.length > seen, 5000))) break;
      times.push(performance.now() - t0);
      seen = buffered.length;
    }
    times.sort((a, b) => a - b);
    const p99 = times.length === 0 ? null : (times[Math.min(times.length - 1, Math.ceil(times.length * 0.99) - 1)] as number);
    return { median: median(times), p99 };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => { if (child.exitCode !== null || child.signalCode !== null) r(null); else child.on('exit', r); });
  }
}

/** Scenario 11. */
export const mainCommand: Scenario = {
  id: 'main-command',
  title: 'the main command: INIT -- CMD',
  async run(ctx: Context): Promise<Table> {
    const signals = ctx.quick ? 100 : 1000;
    const repeats = ctx.quick ? 5 : 20;
    const cols: Column[] = [
      { key: 'wall', header: 'INIT /bin/true (ms)', digits: 1 },
      { key: 'fwdMedian', header: 'USR1 forwarded, median (ms)', digits: 3 },
      { key: 'fwdP99', header: 'USR1 forwarded, p99 (ms)', digits: 3 },
    ];
    const rows: Row[] = [];
    for (const w of WRAPPERS) {
      if (w.needs !== null && !onPath(w.needs)) {
        rows.push(unavailableRow(w.label, w.role, `skipped: ${w.needs} not installed`));
        continue;
      }
      const runs: Array<Record<string, Value>> = [];
      const notes: string[] = [];
      for (let r = 0; r < ctx.runs; r++) {
        const walls: number[] = [];
        await wall(w.argv(['/bin/true'])); // warm-up, not counted
        for (let i = 0; i < repeats; i++) walls.push(await wall(w.argv(['/bin/true'])));
        const fwd = w.forwards && ctx.tools.sigecho !== null ? await forwarding(w.argv([ctx.tools.sigecho]), signals) : { median: null, p99: null };
        if (w.forwards && ctx.tools.sigecho === null) notes.push(`no sigecho: ${ctx.tools.why ?? 'not built'}`);
        runs.push({ wall: median(walls), fwdMedian: fwd.median, fwdP99: fwd.p99 });
        ctx.say(`  ${w.label} run ${r + 1}/${ctx.runs}: wall ${median(walls)?.toFixed(1) ?? '?'} ms, forwarded median ${fwd.median?.toFixed(3) ?? '-'} p99 ${fwd.p99?.toFixed(3) ?? '-'} ms`);
      }
      rows.push(rowFrom(w.label, w.role, cols, runs, notes));
    }
    return {
      id: this.id,
      title: `the main command, not as PID 1: wall time of INIT /bin/true (per run: the median of ${repeats} after one warm-up), and ${signals} SIGUSR1 sent one at a time to the init until CMD has each`,
      columns: cols,
      ratioKeys: ['wall', 'fwdMedian', 'fwdP99'],
      rows,
    };
  },
};
