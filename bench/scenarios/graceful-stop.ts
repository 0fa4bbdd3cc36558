// Scenarios 1 and 2: SIGTERM to PID 1 with N services that each need 300 ms of cleanup. How long
// until the init (and so the container) is gone, and how many services finished their cleanup?
import { readFileSync } from 'node:fs';
import { countMarks, servicesOf } from '../service-dir.js';
import { exitText, within, withSession } from '../session.js';
import { measureInit, type Sample } from '../rows.js';
import type { Column, Context, Scenario, Table } from '../types.js';

/** The one-line summary of svinit's JSON shutdown report in the init's log, if there is one. */
export function svinitReport(logFile: string): string | null {
  let text = '';
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return null;
  }
  const line = text.split('\n').find((l) => l.includes('"svinit":"shutdown"'));
  if (line === undefined) return null;
  try {
    const r = JSON.parse(line.slice(line.indexOf('{'))) as {
      totalMs?: number; signalledMs?: number | null; exitCode?: number; services?: Array<{ killed?: boolean }>;
    };
    const killed = (r.services ?? []).filter((s) => s.killed === true).length;
    // svinit's own measure of its fan-out: from the stop signal to the last down signal sent.
    const signalled = r.signalledMs === undefined || r.signalledMs === null ? '' : `, every down signal sent ${r.signalledMs} ms after the stop`;
    return `svinit report: ${r.totalMs ?? '?'} ms${signalled}, ${killed} SIGKILLed, exit ${r.exitCode ?? '?'}`;
  } catch {
    return `svinit report (unparsed): ${line.slice(0, 200)}`;
  }
}

function columns(count: number): Column[] {
  return [
    { key: 'exitS', header: 'SIGTERM -> exit (s)', digits: 3 },
    { key: 'cleaned', header: `cleanups done (of ${count})`, digits: 0 },
    { key: 'exit', header: 'exit status' },
  ];
}

async function once(ctx: Context, init: Parameters<typeof measureInit>[1], count: number): Promise<Sample> {
  return withSession(ctx, init, servicesOf('graceful', count), async (s) => {
    const sentAt = s.pid1.terminate();
    // Generous: the shell wrapper stops services one by one (about 0.42 s each).
    const exit = await within(s.pid1.exited, 20_000 + 1_000 * count);
    if (exit === null) throw new Error(`the init did not exit within ${20 + count} s of SIGTERM`);
    const report = svinitReport(s.layout.logFile);
    return {
      values: {
        exitS: (exit.at - sentAt) / 1000,
        cleaned: countMarks(s.layout, '.clean'),
        exit: exitText(exit),
      },
      notes: report === null ? [] : [report],
    };
  });
}

/** The graceful-stop scenario for `size` services ("small" = 2, "large" = 100 or 10 in quick mode). */
export function gracefulStop(id: string, size: 'small' | 'large'): Scenario {
  return {
    id,
    title: `graceful stop, ${size === 'small' ? 'few' : 'many'} services needing 300 ms of cleanup`,
    async run(ctx: Context): Promise<Table> {
      const count = size === 'small' ? ctx.small : ctx.large;
      const cols = columns(count);
      const rows = [];
      for (const init of ctx.inits) rows.push(await measureInit(ctx, init, cols, () => once(ctx, init, count)));
      return {
        id,
        title: `${count} services that need 300 ms of cleanup: SIGTERM to PID 1 until it exits`,
        columns: cols,
        ratioKeys: ['exitS'],
        rows,
      };
    },
  };
}
