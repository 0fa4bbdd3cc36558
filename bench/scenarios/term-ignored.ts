// Scenario 3: one service ignores SIGTERM, two others stop normally. How long until the init
// exits, and was the stubborn service killed by the init or left to the kernel's SIGKILL when
// PID 1 exited? (bench/tools/deathwatch.c explains why its answer is exact.)
import { watchDeath, type Fate } from '../deathwatch.js';
import { hostPidOf } from '../proc.js';
import { measureInit, type Sample } from '../rows.js';
import { countMarks, hasMark, readyPids, servicesOf, type ServiceSpec } from '../service-dir.js';
import { exitText, within, withSession } from '../session.js';
import type { InitSpec } from '../inits.js';
import type { Column, Context, Scenario, Table } from '../types.js';
import { svinitReport } from './graceful-stop.js';

const STUBBORN = 'stubborn';

const COLUMNS: Column[] = [
  { key: 'exitS', header: 'SIGTERM -> exit (s)', digits: 3 },
  { key: 'cleaned', header: 'others cleaned (of 2)', digits: 0 },
  { key: 'gotTerm', header: 'stubborn got TERM' },
  { key: 'fate', header: 'stubborn ended by' },
  { key: 'exit', header: 'exit status' },
];

async function once(ctx: Context, init: InitSpec): Promise<Sample> {
  const services: ServiceSpec[] = [...servicesOf('graceful', 2), { name: STUBBORN, kind: 'ignore-term' }];
  return withSession(ctx, init, services, async (s) => {
    const inner = readyPids(s.layout).get(STUBBORN);
    const host = inner === undefined ? null : hostPidOf(s.pid1.hostPid, inner);
    const watch = host !== null && ctx.tools.deathwatch !== null ? await watchDeath(ctx.tools.deathwatch, host, s.pid1.hostPid) : null;
    try {
      const sentAt = s.pid1.terminate();
      const exit = await within(s.pid1.exited, 60_000);
      if (exit === null) throw new Error('the init did not exit within 60 s of SIGTERM');
      const fate: Fate = watch === null ? 'unknown' : ((await within(watch.fate, 5_000)) ?? 'unknown');
      const report = svinitReport(s.layout.logFile);
      return {
        values: {
          exitS: (exit.at - sentAt) / 1000,
          cleaned: countMarks(s.layout, '.clean', ['svc-001', 'svc-002']),
          gotTerm: hasMark(s.layout, STUBBORN, '.term') ? 'yes' : 'no',
          fate,
          exit: exitText(exit),
        },
        notes: report === null ? [] : [report],
      };
    } finally {
      watch?.stop();
    }
  });
}

/** Scenario 3. */
export const termIgnored: Scenario = {
  id: 'term-ignored',
  title: 'one service ignores SIGTERM',
  async run(ctx: Context): Promise<Table> {
    if (ctx.tools.deathwatch === null) ctx.say(`  (who killed the stubborn service stays unknown: ${ctx.tools.why ?? 'no deathwatch'})`);
    const rows = [];
    for (const init of ctx.inits) rows.push(await measureInit(ctx, init, COLUMNS, () => once(ctx, init)));
    return {
      id: this.id,
      title: '2 normal services + 1 that ignores SIGTERM: time to exit, and who ended the stubborn one',
      columns: COLUMNS,
      ratioKeys: ['exitS'],
      rows,
    };
  },
};
