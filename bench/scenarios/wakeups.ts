// Scenario 7: wake-ups of the idle supervision tree. Every time a thread is put on a CPU after
// sleeping it counts a context switch; the sum of voluntary + involuntary switches over every
// thread of every supervisor process (/proc/PID/task/*/status), before and after an idle window.
import { contextSwitches, supervisionTree } from '../proc.js';
import { delay } from '../measure.js';
import { measureInit, type Sample } from '../rows.js';
import { servicesOf } from '../service-dir.js';
import { steadySettleMs, withSession } from '../session.js';
import type { InitSpec } from '../inits.js';
import type { Column, Context, Scenario, Table } from '../types.js';

function columns(ctx: Context): Column[] {
  return [
    { key: 'wakeups', header: `wake-ups in ${ctx.idleMs / 1000} s`, digits: 1 },
    { key: 'perSecond', header: 'per second', digits: 2 },
    { key: 'procs', header: 'procs', digits: 0 },
  ];
}

async function once(ctx: Context, init: InitSpec): Promise<Sample> {
  return withSession(ctx, init, servicesOf('idle', ctx.small), async (s) => {
    await delay(steadySettleMs(ctx.quick));
    const tree = supervisionTree(s.pid1.hostPid, s.servicePids());
    const before = new Map<number, number>();
    for (const pid of tree) {
      const n = contextSwitches(pid);
      if (n !== null) before.set(pid, n);
    }
    await delay(ctx.idleMs);
    let wakeups = 0;
    for (const [pid, n] of before) wakeups += (contextSwitches(pid) ?? n) - n;
    return { values: { wakeups, perSecond: wakeups / (ctx.idleMs / 1000), procs: before.size } };
  });
}

/** Scenario 7. */
export const wakeups: Scenario = {
  id: 'wakeups',
  title: 'idle wake-ups',
  async run(ctx: Context): Promise<Table> {
    const cols = columns(ctx);
    const rows = [];
    for (const init of ctx.inits) rows.push(await measureInit(ctx, init, cols, () => once(ctx, init)));
    return {
      id: this.id,
      title: `wake-ups of the idle supervision tree with ${ctx.small} services over ${ctx.idleMs / 1000} s`,
      columns: cols,
      ratioKeys: ['wakeups'],
      rows,
    };
  },
};
