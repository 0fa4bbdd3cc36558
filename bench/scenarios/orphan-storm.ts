// Scenario 4: N orphans exit at the same wall-clock instant T0 under each init. Time from T0
// until PID 1 has reaped them all, and the CPU time PID 1 spent on it.
//
// The stormer runs inside the namespace (nsenter --pid) and exits once it has forked, so its
// children are reparented to the namespace's PID 1. A zombie stays on its parent's children list
// until it is reaped, so "no zombie left" is exact: none of the storm's pids is still listed in
// /proc/PID1/task/*/children, read from the host.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { childrenOf, cpuNs, readStat, TICKS_PER_SECOND } from '../proc.js';
import { delay, wallMs } from '../measure.js';
import { measureInit, unavailableRow, type Sample } from '../rows.js';
import { servicesOf } from '../service-dir.js';
import { withSession } from '../session.js';
import type { InitSpec } from '../inits.js';
import type { Column, Context, Row, Scenario, Table } from '../types.js';

const run = promisify(execFile);

/** Host sampling period while waiting for the zombies to go: the resolution of the time. */
const SAMPLE_MS = 5;
/** Give up after this long (runsvdir as PID 1 reaps only every 5 s). */
const CLEAR_TIMEOUT_MS = 15_000;

const COLUMNS: Column[] = [
  { key: 'clearS', header: 'T0 -> no zombie left (s)', digits: 3 },
  { key: 'cpuS', header: 'PID 1 CPU (s, utime+stime)', digits: 2 },
  { key: 'cpuMs', header: 'PID 1 CPU (ms, schedstat)', digits: 1 },
  { key: 'left', header: 'zombies left at timeout', digits: 0 },
];

async function storm(ctx: Context, stormer: string, pid1: number): Promise<{ storm: Set<number>; t0: number; late: boolean }> {
  const baseline = new Set(childrenOf(pid1));
  // Time for the fork itself: about 1 ms per child on this kind of machine, plus margin.
  const t0 = Math.ceil(wallMs()) + 1_000 + ctx.orphans;
  const { stdout } = await run('nsenter', ['-t', String(pid1), '--pid', '--', stormer, String(ctx.orphans), String(t0)]);
  const stormPids = new Set(childrenOf(pid1).filter((p) => !baseline.has(p)));
  return { storm: stormPids, t0, late: stdout.includes('late=1') };
}

async function once(ctx: Context, init: InitSpec, stormer: string): Promise<Sample> {
  return withSession(ctx, init, servicesOf('idle', 2), async (s) => {
    const pid1 = s.pid1.hostPid;
    const { storm: stormPids, t0, late } = await storm(ctx, stormer, pid1);
    const notes = late ? ['forking took longer than the lead time: the storm was spread out'] : [];
    if (stormPids.size < ctx.orphans) notes.push(`only ${stormPids.size} of ${ctx.orphans} orphans were seen under PID 1`);
    const cpuBefore = readStat(pid1)?.cpuTicks ?? NaN;
    const nsBefore = cpuNs(pid1) ?? NaN;
    await delay(Math.max(0, t0 - wallMs() - SAMPLE_MS));
    let left = stormPids.size;
    let clearedAt: number | null = null;
    while (wallMs() - t0 < CLEAR_TIMEOUT_MS) {
      const now = wallMs();
      left = childrenOf(pid1).filter((p) => stormPids.has(p)).length;
      if (left === 0) {
        clearedAt = now;
        break;
      }
      await delay(SAMPLE_MS);
    }
    const cpuAfter = readStat(pid1)?.cpuTicks ?? NaN;
    const nsAfter = cpuNs(pid1) ?? NaN;
    return {
      values: {
        clearS: clearedAt === null ? null : Math.max(0, clearedAt - t0) / 1000,
        cpuS: (cpuAfter - cpuBefore) / TICKS_PER_SECOND,
        cpuMs: (nsAfter - nsBefore) / 1e6,
        left,
      },
      notes,
    };
  });
}

/** Scenario 4. */
export const orphanStorm: Scenario = {
  id: 'orphan-storm',
  title: 'orphan storm',
  async run(ctx: Context): Promise<Table> {
    const rows: Row[] = [];
    for (const init of ctx.inits) {
      const stormer = ctx.tools.stormer;
      if (stormer === null) rows.push(unavailableRow(init.label, init.role, `skipped: ${ctx.tools.why ?? 'no stormer'}`));
      else rows.push(await measureInit(ctx, init, COLUMNS, () => once(ctx, init, stormer)));
    }
    return {
      id: this.id,
      title: `${ctx.orphans} orphans exiting at one instant T0 (sampled every ${SAMPLE_MS} ms, timeout ${CLEAR_TIMEOUT_MS / 1000} s)`,
      columns: COLUMNS,
      ratioKeys: ['clearS', 'cpuMs'],
      rows,
    };
  },
};
