// Scenario 9: where an init's own time goes in a graceful stop, with `quiet` services that fork
// nothing while they stop. TERM fan-out: from the bench's kill(PID 1, SIGTERM) until each
// service's TERM trap ran. Exit after the last: from the last service's own exit until PID 1 is
// gone. Both ends of both figures are CLOCK_REALTIME stamps: the services' $EPOCHREALTIME and
// bench/tools/pidwatch (the kill, and PID 1's pidfd turning readable).
import { delay, median } from '../measure.js';
import { svinitReport } from './graceful-stop.js';
import { watchPid } from '../pidwatch.js';
import { measureInit, unavailableRow, type Sample } from '../rows.js';
import { readMarks, servicesOf } from '../service-dir.js';
import { exitText, SETTLE_MS, within, withSession } from '../session.js';
import { tiniGroup, type InitSpec } from '../inits.js';
import type { Column, Context, Row, Scenario, Table } from '../types.js';

/** Inits whose services never see TERM (runsvdir exits at once; the kernel kills the rest). */
const NO_FAN_OUT = new Set(['tini', 'dumb-init', 'runsvdir']);

function columns(ctx: Context): Column[] {
  const s = ctx.small;
  const n = ctx.large;
  return [
    { key: 'smallLast', header: `${s} svcs: last TERM (ms)`, digits: 2 },
    { key: 'smallExit', header: `${s} svcs: exit after last (ms)`, digits: 2 },
    { key: 'largeFirst', header: `${n} svcs: first TERM (ms)`, digits: 2 },
    { key: 'largeMedian', header: `${n} svcs: median TERM (ms)`, digits: 2 },
    { key: 'largeLast', header: `${n} svcs: last TERM (ms)`, digits: 2 },
    { key: 'largeExit', header: `${n} svcs: exit after last (ms)`, digits: 2 },
    { key: 'cleaned', header: `cleaned (of ${s}+${n})`, digits: 0 },
    { key: 'exit', header: 'exit status' },
  ];
}

/** Marker files as CLOCK_REALTIME milliseconds ($EPOCHREALTIME is seconds with microseconds). */
function stamps(marks: Map<string, string>): number[] {
  return [...marks.values()].map((v) => Number(v) * 1000).filter(Number.isFinite);
}

/** One stop of `count` services; values keyed PREFIX + First/Median/Last/Exit, plus cleaned and exit. */
async function stopOnce(ctx: Context, init: InitSpec, count: number, prefix: string, pidwatch: string): Promise<Sample> {
  return withSession(ctx, init, servicesOf('quiet', count), async (s) => {
    // As `docker stop` meets a container that has been up a moment: the init's own start-up work
    // (runsvdir's rescan, svinit's status files) is over; the start-up scenario measures that.
    await delay(SETTLE_MS);
    const watch = await watchPid(pidwatch, s.pid1.hostPid);
    try {
      const sentMs = await watch.term();
      // Generous: the shell wrapper stops services one by one (about 0.42 s each).
      const exit = await within(s.pid1.exited, 20_000 + 1_000 * count);
      if (exit === null) throw new Error(`the init did not exit within ${20 + count} s of SIGTERM`);
      const goneMs = (await within(watch.exited, 5_000)) ?? null;
      const terms = stamps(readMarks(s.layout, '.term')).map((t) => t - sentMs).sort((a, b) => a - b);
      const exits = stamps(readMarks(s.layout, '.exit'));
      const notes: string[] = [];
      if (terms.length < count) notes.push(`${count} services: only ${terms.length} got TERM`);
      if (exits.length < count) notes.push(`${count} services: only ${exits.length} exited by themselves`);
      if (goneMs === null) notes.push('pidwatch saw no exit of PID 1');
      const report = svinitReport(s.layout.logFile);
      if (report !== null) notes.push(`${count} services: ${report}`);
      const lastExit = exits.length === count ? Math.max(...exits) : null;
      return {
        values: {
          [`${prefix}First`]: terms[0] ?? null,
          [`${prefix}Median`]: median(terms),
          [`${prefix}Last`]: terms.length === count ? (terms.at(-1) ?? null) : null,
          [`${prefix}Exit`]: lastExit !== null && goneMs !== null ? goneMs - lastExit : null,
          cleaned: exits.length,
          exit: exitText(exit),
        },
        notes,
      };
    } finally {
      watch.stop();
    }
  });
}

async function once(ctx: Context, init: InitSpec, pidwatch: string): Promise<Sample> {
  const small = await stopOnce(ctx, init, ctx.small, 'small', pidwatch);
  const large = await stopOnce(ctx, init, ctx.large, 'large', pidwatch);
  const cleaned = Number(small.values['cleaned']) + Number(large.values['cleaned']);
  return { values: { ...small.values, ...large.values, cleaned }, notes: [...(small.notes ?? []), ...(large.notes ?? [])] };
}

/** Scenario 9. */
export const stopLatency: Scenario = {
  id: 'stop-latency',
  title: 'TERM fan-out and exit after the last service, services forking nothing',
  async run(ctx: Context): Promise<Table> {
    const cols = columns(ctx);
    const rows: Row[] = [];
    const inits = [tiniGroup(ctx.inits.find((i) => i.id === 'tini')), ...ctx.inits.filter((i) => !NO_FAN_OUT.has(i.id))];
    ctx.say(`  (left out: ${ctx.inits.filter((i) => NO_FAN_OUT.has(i.id)).map((i) => i.label).join(', ')}: their services never get TERM)`);
    for (const init of inits) {
      const pidwatch = ctx.tools.pidwatch;
      if (pidwatch === null) rows.push(unavailableRow(init.label, init.role, `skipped: ${ctx.tools.why ?? 'no pidwatch'}`));
      else rows.push(await measureInit(ctx, init, cols, () => once(ctx, init, pidwatch)));
    }
    return {
      id: this.id,
      title: 'graceful stop with services that fork nothing: ms from SIGTERM to each service\'s TERM, and from the last service\'s exit until PID 1 is gone',
      columns: cols,
      ratioKeys: ['smallLast', 'largeLast', 'smallExit', 'largeExit'],
      rows,
    };
  },
};
