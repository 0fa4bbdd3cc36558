// Scenario 6: memory of the supervision tree, the init and every supervisor process under it
// (runsvdir and one runsv per service for runit; svinit alone) but not the services themselves.
// Private = Private_Clean + Private_Dirty (only this process has it) and PSS (shared pages split
// between their users) from /proc/PID/smaps_rollup, summed over the tree.
import { readMemory, supervisionTree } from '../proc.js';
import { delay } from '../measure.js';
import { measureInit, type Sample } from '../rows.js';
import { servicesOf } from '../service-dir.js';
import { steadySettleMs, withSession } from '../session.js';
import type { InitSpec } from '../inits.js';
import type { Column, Context, Scenario, Table } from '../types.js';

function columns(ctx: Context): Column[] {
  const per = (size: 'small' | 'large', n: number): Column[] => [
    { key: `${size}Private`, header: `${n} svcs private MB`, digits: 2 },
    { key: `${size}Anon`, header: `${n} svcs anon MB`, digits: 2 },
    { key: `${size}Pss`, header: `${n} svcs PSS MB`, digits: 2 },
    { key: `${size}Procs`, header: `${n} svcs procs`, digits: 0 },
  ];
  return [...per('small', ctx.small), ...per('large', ctx.large)];
}

async function treeMemory(ctx: Context, init: InitSpec, count: number, size: string): Promise<Record<string, number>> {
  return withSession(ctx, init, servicesOf('idle', count), async (s) => {
    await delay(steadySettleMs(ctx.quick));
    const tree = supervisionTree(s.pid1.hostPid, s.servicePids());
    let priv = 0;
    let anon = 0;
    let pss = 0;
    let procs = 0;
    for (const pid of tree) {
      const m = readMemory(pid);
      if (m === null) continue;
      priv += m.private;
      anon += m.anonymous;
      pss += m.pss;
      procs++;
    }
    return { [`${size}Private`]: priv / 1024, [`${size}Anon`]: anon / 1024, [`${size}Pss`]: pss / 1024, [`${size}Procs`]: procs };
  });
}

async function once(ctx: Context, init: InitSpec): Promise<Sample> {
  const small = await treeMemory(ctx, init, ctx.small, 'small');
  const large = await treeMemory(ctx, init, ctx.large, 'large');
  return { values: { ...small, ...large } };
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
      ratioKeys: ['smallPrivate', 'smallPss', 'largePrivate', 'largePss'],
      rows,
    };
  },
};
