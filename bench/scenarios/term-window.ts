// Scenario 10: the window in which a SIGTERM is lost. The kernel drops a signal sent to a pid
// namespace's init while that signal has its default action, so a TERM that arrives before the
// init has installed its handler (or blocked the signal, as tini does) is gone for good: the
// container then waits for the engine's SIGKILL. Two ways to see the window, from the host:
//   - the SigCgt/SigBlk bit of SIGTERM in /proc/PID1/status, polled every ~0.25 ms from the
//     spawn: when the init's code could first see a TERM (a lower bound for Node, see below);
//   - SIGTERM sent at fixed offsets after the spawn, each to a fresh init: honoured if PID 1
//     exits within HONOUR_MS, lost otherwise. This is the figure that counts.
// Node installs its own SIGTERM handler early in start-up (it resets the terminal and re-raises
// the signal, which PID 1 then drops), so its bit is set well before a TERM is honoured.
import { delay } from '../measure.js';
import { launchPid1, type Pid1 } from '../namespace.js';
import { termHandled } from '../proc.js';
import { measureInit, type Sample } from '../rows.js';
import { makeLayout, servicesOf } from '../service-dir.js';
import { within } from '../session.js';
import type { InitSpec } from '../inits.js';
import { SVINIT_BIN, svinitBuilt } from '../paths.js';
import type { Column, Context, Scenario, Table } from '../types.js';

/** A TERM counts as honoured when PID 1 exits within this long after it. */
const HONOUR_MS = 3_000;

/** Node's floor: a listener as the first statement of the program. */
const NODE_LISTENER: InitSpec = {
  id: 'node-listener',
  label: 'node -e (listener first; reference)',
  role: 'reference',
  unavailable: null,
  argv: () => [process.execPath, '-e', "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1e9);"],
};

/** svinit with Node itself as PID 1 (no C front): what the front saves, measured in the same run. */
const SVINIT_NO_FRONT: InitSpec = {
  id: 'svinit-no-front',
  label: 'svinit, SVINIT_NO_FRONT=1 (Node as PID 1)',
  role: 'reference',
  unavailable: svinitBuilt() ? null : 'n/a (not built)',
  argv: () => ['/usr/bin/env', 'SVINIT_NO_FRONT=1', SVINIT_BIN, '--dir', '/etc/service', '--report', 'json'],
};

const COLUMNS: Column[] = [
  { key: 'caughtMs', header: 'TERM bit set (ms)', digits: 1 },
  { key: 'safeFromMs', header: 'honoured from (ms)', digits: 1 },
  { key: 'lostMaxMs', header: 'last lost at (ms)', digits: 1 },
  { key: 'lost', header: 'offsets lost (ms)' },
];

function offsets(quick: boolean): number[] {
  return quick ? [0, 30, 60, 90, 150] : Array.from({ length: 16 }, (_, i) => i * 10);
}

async function launch(ctx: Context, init: InitSpec): Promise<Pid1> {
  const layout = makeLayout(ctx.runDir(init.id), servicesOf('idle', ctx.small));
  return launchPid1({ serviceDir: layout.svcDir, argv: init.argv(), logFile: layout.logFile });
}

/** Sleeps about `ms` without giving up the thread (a timer would add ~1 ms of resolution). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** ms from the spawn until SIGTERM is caught or blocked by PID 1 (null: not within 5 s). */
async function caughtAfter(ctx: Context, init: InitSpec): Promise<number | null> {
  const pid1 = await launch(ctx, init);
  try {
    while (performance.now() - pid1.spawnedAt < 5_000 && pid1.isRunning()) {
      if (termHandled(pid1.hostPid) === true) return performance.now() - pid1.spawnedAt;
      pause(0.25);
    }
    return null;
  } finally {
    await pid1.kill();
  }
}

/** Sends TERM `offset` ms after the spawn; the offset actually reached, and whether it was honoured. */
async function termAt(ctx: Context, init: InitSpec, offset: number): Promise<{ at: number; honoured: boolean }> {
  const pid1 = await launch(ctx, init);
  try {
    await delay(Math.max(0, pid1.spawnedAt + offset - performance.now()));
    const at = pid1.terminate() - pid1.spawnedAt;
    return { at, honoured: (await within(pid1.exited, HONOUR_MS)) !== null };
  } finally {
    await pid1.kill();
  }
}

async function once(ctx: Context, init: InitSpec): Promise<Sample> {
  const caughtMs = await caughtAfter(ctx, init);
  const trials = [];
  for (const offset of offsets(ctx.quick)) trials.push({ offset, ...(await termAt(ctx, init, offset)) });
  const lost = trials.filter((t) => !t.honoured);
  const lastLost = lost.at(-1);
  const safe = trials.filter((t) => lastLost === undefined || t.at > lastLost.at)[0];
  return {
    values: {
      caughtMs,
      safeFromMs: safe?.at ?? null,
      lostMaxMs: lastLost?.at ?? null,
      lost: lost.length === 0 ? 'none' : lost.map((t) => t.offset).join(','),
    },
    notes: [`sent at ${trials.map((t) => `${t.at.toFixed(1)}${t.honoured ? '' : ' (lost)'}`).join(', ')} ms`],
  };
}

/** Scenario 10. */
export const termWindow: Scenario = {
  id: 'term-window',
  title: 'the window in which a SIGTERM to PID 1 is lost',
  async run(ctx: Context): Promise<Table> {
    // One pass in quick mode; at most 2 otherwise: every lost TERM costs HONOUR_MS.
    const runs = ctx.quick ? 1 : Math.min(ctx.runs, 2);
    const sub: Context = { ...ctx, runs };
    const inits = [...ctx.inits.filter((i) => i.id === 'tini' || i.role === 'svinit'), SVINIT_NO_FRONT, NODE_LISTENER];
    const rows = [];
    for (const init of inits) rows.push(await measureInit(sub, init, COLUMNS, () => once(sub, init)));
    return {
      id: this.id,
      title: `SIGTERM at offsets after the spawn of the namespace: lost unless PID 1 exits within ${HONOUR_MS / 1000} s; ms since the spawn`,
      columns: COLUMNS,
      ratioKeys: ['safeFromMs'],
      rows,
      runs,
    };
  },
};
