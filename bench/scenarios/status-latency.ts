// Scenario 8: latency of the status and check commands, as a health probe or `docker exec` runs
// them: inside the container's mount and pid namespaces (nsenter), where /etc/service is the
// service directory and pids are the namespace's own. `nsenter ... true` is the floor that
// entering the namespaces costs everyone. runit's `sv status`/`sv check` run under plain runsvdir.
import { spawn } from 'node:child_process';
import { benchEnv } from '../namespace.js';
import { delay, median, type Value } from '../measure.js';
import { SVINIT_BIN } from '../paths.js';
import { rowFrom, unavailableRow } from '../rows.js';
import { servicesOf } from '../service-dir.js';
import { SETTLE_MS, withSession } from '../session.js';
import type { InitSpec } from '../inits.js';
import type { Column, Context, Row, Scenario, Table } from '../types.js';

/** One command whose latency is measured, and the init it runs under. */
interface Probe {
  readonly label: string;
  readonly role: Row['role'];
  readonly initId: string;
  argv(names: readonly string[]): string[];
}

const PROBES: readonly Probe[] = [
  { label: 'nsenter true (floor)', role: 'reference', initId: 'runsvdir', argv: () => ['true'] },
  { label: 'sv status', role: 'anchor', initId: 'runsvdir', argv: (n) => ['sv', 'status', ...n] },
  { label: 'sv check', role: 'anchor', initId: 'runsvdir', argv: (n) => ['sv', 'check', ...n] },
  ...(['builtin', 'runit'] as const).flatMap((engine): Probe[] => [
    { label: `svinit status (${engine})`, role: 'svinit', initId: `svinit-${engine}`, argv: () => [SVINIT_BIN, 'status'] },
    { label: `svinit check (${engine})`, role: 'svinit', initId: `svinit-${engine}`, argv: () => [SVINIT_BIN, 'check'] },
    { label: `svinit sv status (${engine})`, role: 'svinit', initId: `svinit-${engine}`, argv: (n) => [SVINIT_BIN, 'sv', 'status', ...n] },
  ]),
];

/** Runs argv inside PID 1's mount and pid namespaces; resolves with the wall time in ms and the exit code. */
export function timeInNamespace(pid1: number, argv: readonly string[]): Promise<{ ms: number; code: number | null }> {
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn('nsenter', ['-t', String(pid1), '--mount', '--pid', '--', ...argv], {
      stdio: 'ignore',
      env: { ...benchEnv(), SVDIR: '/etc/service' },
    });
    child.on('exit', (code) => resolve({ ms: performance.now() - start, code }));
    child.on('error', () => resolve({ ms: NaN, code: null }));
  });
}

type Samples = Map<string, { runs: Array<Record<string, Value>>; notes: string[] }>;

async function measureUnder(ctx: Context, init: InitSpec, size: 'small' | 'large', run: number, samples: Samples): Promise<void> {
  const count = size === 'small' ? ctx.small : ctx.large;
  const services = servicesOf('idle', count);
  const names = services.map((s) => s.name);
  const repeats = ctx.quick ? 5 : 10;
  const probes = PROBES.filter((p) => p.initId === init.id);
  await withSession(ctx, init, services, async (s) => {
    await delay(SETTLE_MS);
    const times = probes.map((): number[] => []);
    // One call of each first, to warm the page cache and the dynamic loader; not counted.
    for (const probe of probes) await timeInNamespace(s.pid1.hostPid, probe.argv(names));
    // Round robin, so a burst of load elsewhere on the machine hits every command alike.
    for (let i = 0; i < repeats; i++) {
      for (const [k, probe] of probes.entries()) {
        const { ms, code } = await timeInNamespace(s.pid1.hostPid, probe.argv(names));
        times[k]?.push(ms);
        const entry = samples.get(probe.label) ?? { runs: [], notes: [] };
        samples.set(probe.label, entry);
        if (code !== 0 && i === 0) entry.notes.push(`run ${run + 1}, ${count} services: exit ${code}`);
      }
    }
    for (const [k, probe] of probes.entries()) {
      const entry = samples.get(probe.label) ?? { runs: [], notes: [] };
      samples.set(probe.label, entry);
      const runRecord = entry.runs[run] ?? {};
      runRecord[size] = median(times[k] ?? []);
      entry.runs[run] = runRecord;
    }
  });
}

/** Scenario 8. */
export const statusLatency: Scenario = {
  id: 'status-latency',
  title: 'latency of status and check commands',
  async run(ctx: Context): Promise<Table> {
    const cols: Column[] = [
      { key: 'small', header: `${ctx.small} services (ms)`, digits: 1 },
      { key: 'large', header: `${ctx.large} services (ms)`, digits: 1 },
    ];
    const samples: Samples = new Map();
    const inits = ctx.inits.filter((i) => PROBES.some((p) => p.initId === i.id));
    for (const init of inits) {
      if (init.unavailable !== null) continue;
      for (let r = 0; r < ctx.runs; r++) {
        for (const size of ['small', 'large'] as const) {
          try {
            await measureUnder(ctx, init, size, r, samples);
          } catch (err) {
            ctx.say(`  ${init.label} run ${r + 1}: failed: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
        const done = PROBES.filter((p) => p.initId === init.id).map((p) => `${p.label} ${samples.get(p.label)?.runs[r]?.['small']?.toString().slice(0, 5) ?? '?'} ms`);
        ctx.say(`  ${init.label} run ${r + 1}/${ctx.runs}: ${done.join(', ')}`);
      }
    }
    const rows = PROBES.map((p): Row => {
      const init = inits.find((i) => i.id === p.initId);
      if (init === undefined || init.unavailable !== null) return unavailableRow(p.label, p.role, init?.unavailable ?? 'skipped');
      const entry = samples.get(p.label) ?? { runs: [], notes: [] };
      return rowFrom(p.label, p.role, cols, entry.runs.filter((r) => r !== undefined), entry.notes);
    });
    return {
      id: this.id,
      title: 'status/check command latency, run inside the namespace with nsenter (per run: the median of 10 calls, 5 in quick mode, after one warm-up call, commands interleaved)',
      columns: cols,
      ratioKeys: ['small', 'large'],
      rows,
    };
  },
};
