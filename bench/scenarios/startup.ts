// Scenario 5: start-up, from the spawn of the namespace (unshare, bind mount, exec of the init)
// until every service's run script has written its ready file (seen with inotify). The same
// namespace set-up running bare `node -e 0` is the reference: Node's own start-up floor.
import { launchPid1 } from '../namespace.js';
import { makeLayout, servicesOf } from '../service-dir.js';
import { measureInit, rowFrom, type Sample } from '../rows.js';
import { within, withSession } from '../session.js';
import type { Value } from '../measure.js';
import type { InitSpec } from '../inits.js';
import type { Column, Context, Row, Scenario, Table } from '../types.js';

function columns(ctx: Context): Column[] {
  return [
    { key: 'small', header: `${ctx.small} services (ms)`, digits: 1 },
    { key: 'large', header: `${ctx.large} services (ms)`, digits: 1 },
  ];
}

async function startupMs(ctx: Context, init: InitSpec, count: number): Promise<number> {
  return withSession(ctx, init, servicesOf('idle', count), async (s) => s.readyAt - s.pid1.spawnedAt);
}

async function once(ctx: Context, init: InitSpec): Promise<Sample> {
  return { values: { small: await startupMs(ctx, init, ctx.small), large: await startupMs(ctx, init, ctx.large) } };
}

async function nodeReference(ctx: Context, cols: readonly Column[]): Promise<Row> {
  const runs: Array<Record<string, Value>> = [];
  const notes: string[] = [];
  for (let r = 0; r < ctx.runs; r++) {
    const layout = makeLayout(ctx.runDir('node-e-0'), []);
    const pid1 = await launchPid1({ serviceDir: layout.svcDir, argv: [process.execPath, '-e', '0'], logFile: layout.logFile });
    const exit = await within(pid1.exited, 30_000);
    if (exit === null || exit.code !== 0) {
      notes.push(`run ${r + 1}: node -e 0 did not exit 0`);
      await pid1.kill();
      continue;
    }
    const ms = exit.at - pid1.spawnedAt;
    // No services: the same figure is the floor for both columns.
    runs.push({ small: ms, large: ms });
    ctx.say(`  node -e 0 run ${r + 1}/${ctx.runs}: ${ms.toFixed(1)} ms`);
  }
  return rowFrom('node -e 0 (reference)', 'reference', cols, runs, notes);
}

/** Scenario 5. */
export const startup: Scenario = {
  id: 'startup',
  title: 'start-up until all services run',
  async run(ctx: Context): Promise<Table> {
    const cols = columns(ctx);
    const rows: Row[] = [];
    for (const init of ctx.inits) rows.push(await measureInit(ctx, init, cols, () => once(ctx, init)));
    rows.push(await nodeReference(ctx, cols));
    return {
      id: this.id,
      title: 'start-up: spawn of the namespace until every service has written its ready file',
      columns: cols,
      ratioKeys: ['small', 'large'],
      rows,
    };
  },
};
