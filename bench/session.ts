// One run of one init: build the service directory, start the init as a namespace's PID 1,
// wait (inotify) until every service reported ready, run the measurement, then SIGKILL PID 1
// if it still runs, which makes the kernel kill everything else in the namespace.
import type { InitSpec } from './inits.js';
import { launchPid1, type Pid1 } from './namespace.js';
import { makeLayout, readyPids, watchReady, type Layout, type ServiceSpec } from './service-dir.js';
import type { Context } from './types.js';

/** A started init whose services are all running. */
export interface Session {
  readonly layout: Layout;
  readonly pid1: Pid1;
  /** performance.now() when the last service wrote its ready file. */
  readonly readyAt: number;
  /** The services' pids inside the namespace (the roots of the service subtrees). */
  servicePids(): Set<number>;
}

/** Options of a session. */
export interface SessionOptions {
  /** Extra flags for the init (svinit only). */
  readonly extra?: readonly string[];
}

/** Runs `body` against a fresh init with these services; always tears the namespace down. */
export async function withSession<T>(
  ctx: Context,
  init: InitSpec,
  services: readonly ServiceSpec[],
  body: (session: Session) => Promise<T>,
  options: SessionOptions = {},
): Promise<T> {
  const layout = makeLayout(ctx.runDir(init.id), services);
  const watch = watchReady(layout.readyDir, services.length, 30_000 + 300 * services.length);
  let pid1: Pid1 | null = null;
  try {
    pid1 = await launchPid1({ serviceDir: layout.svcDir, argv: init.argv(options.extra), logFile: layout.logFile });
    const early = pid1.exited.then((e): never => {
      throw new Error(`the init exited before its services were ready (exit ${e.code ?? e.signal}; see ${layout.logFile})`);
    });
    early.catch(() => undefined);
    const readyAt = await Promise.race([watch.ready, early]);
    const session: Session = {
      layout,
      pid1,
      readyAt,
      servicePids: () => new Set(readyPids(layout).values()),
    };
    return await body(session);
  } finally {
    watch.close();
    if (pid1 !== null) await pid1.kill();
  }
}

/** Waits for a promise at most `ms`; resolves to null on timeout. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** An exit as the tables show it: the code, or the signal's name. */
export function exitText(e: { readonly code: number | null; readonly signal: string | null }): string {
  return e.code !== null ? String(e.code) : (e.signal ?? '?');
}

/**
 * Time left to an idle tree after the last ready file before it is measured: runsvdir rescans
 * 1 s after starting runsv processes, and runsv writes its status files after the fork.
 */
export const SETTLE_MS = 1_500;

/**
 * Settling before a steady-state figure (idle wake-ups, memory), for every init alike: V8's
 * memory reducer runs one round of garbage collection about 8 s after a Node process starts (a
 * burst of wake-ups, and the heap it frees). Quick mode keeps the short settle.
 */
export function steadySettleMs(quick: boolean): number {
  return quick ? SETTLE_MS : 12_000;
}
