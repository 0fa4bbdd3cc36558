// Scenario 6: memory of the supervision tree, the init and every supervisor process under it
// (runsvdir and one runsv per service for runit; svinit alone) but not the services themselves.
// Private = Private_Clean + Private_Dirty (only this process has it) and PSS (shared pages split
// between their users) from /proc/PID/smaps_rollup, summed over the tree. With many services the
// tree is also measured 1 s after the spawn of PID 1, before Node's garbage collector and V8's
// memory reducer have given back the heap of the start-up (the steady-state figure comes later).
import { readMemory, supervisionTree } from '../proc.js';
import { delay } from '../measure.js';
import { measureInit, type Sample } from '../rows.js';
import { servicesOf } from '../service-dir.js';
import { steadySettleMs, withSession, type Session } from '../session.js';
import type { InitSpec } from '../inits.js';
import type { Column, Context, Scenario, Table } from '../types.js';

/** The early figure: this long after the spawn of PID 1. */
const EARLY_MS = 1_000;

function columns(ctx: Context): Column[] {
  const per = (size: 'small' | 'large', n: number): Column[] => [
    { key: `${size}Private`, header: `${n} svcs private MB`, digits: 2 },
    { key: `${size}Anon`, header: `${n} svcs anon MB`, digits: 2 },
    { key: `${size}Pss`, header: `${n} svcs PSS MB`, digits: 2 },
    { key: `${size}Procs`, header: `${n} svcs procs`, digits: 0 },
  ];
  return [
    ...per('small', ctx.small),
    { key: 'earlyPrivate', header: `${ctx.large} svcs private MB at 1 s`, digits: 2 },
    { key: 'earlyProcs', header: `${ctx.large} svcs procs at 1 s`, digits: 0 },
    ...per('large', ctx.large),
  ];
}

/** Private, anonymous and PSS MB of the supervision tree now, and its process count. */
function treeNow(s: Session): { priv: number; anon: number; pss: number; procs: number } {
  const total = { priv: 0, anon: 0, pss: 0, procs: 0 };
  for (const pid of supervisionTree(s.pid1.hostPid, s.servicePids())) {
    const m = readMemory(pid);
    if (m === null) continue;
    total.priv += m.private / 1024;
    total.anon += m.anonymous / 1024;
    total.pss += m.pss / 1024;
    total.procs++;
  }
  return total;
}

async function treeMemory(ctx: Context, init: InitSpec, count: number, size: 'small' | 'large'): Promise<Sample> {
  return withSession(ctx, init, servicesOf('idle', count), async (s) => {
    const values: Record<string, number> = {};
    const notes: string[] = [];
    if (size === 'large') {
      const wait = s.pid1.spawnedAt + EARLY_MS - performance.now();
      if (wait < 0) notes.push(`services ready only ${Math.round(EARLY_MS - wait)} ms after the spawn: early figure taken then`);
      await delay(Math.max(0, wait));
      const early = treeNow(s);
      values['earlyPrivate'] = early.priv;
      values['earlyProcs'] = early.procs;
    }
    await delay(steadySettleMs(ctx.quick));
    const t = treeNow(s);
    Object.assign(values, { [`${size}Private`]: t.priv, [`${size}Anon`]: t.anon, [`${size}Pss`]: t.pss, [`${size}Procs`]: t.procs });
    return { values, notes };
  });
}

async function once(ctx: Context, init: InitSpec): Promise<Sample> {
  const small = await treeMemory(ctx, init, ctx.small, 'small');
  const large = await treeMemory(ctx, init, ctx.large, 'large');
  return { values: { ...small.values, ...large.values }, notes: [...(small.notes ?? []), ...(large.notes ?? [])] };
}

/** Scenario 6. */
export const memory: Scenario = {
  id: 'memory',
  title: 'memory of the supervision tree',
  async run(ctx: Context): Promise<Table> {
    const cols = columns(ctx);
    const rows = [];
    for (const init of ctx.inits) rows.push(await measureInit(ctx, init, cols, () => once(ctx, init)));
    return {
      id: this.id,
      title: 'memory of the supervision tree (init + supervisors, services excluded), idle, MB',
      columns: cols,
      ratioKeys: ['smallPrivate', 'smallPss', 'earlyPrivate', 'largePrivate', 'largePss'],
      rows,
    };
  },
};
