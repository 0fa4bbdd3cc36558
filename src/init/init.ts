// PID 1: start the engine, reap, and on SIGTERM or SIGINT run the shutdown plan: every service
// down in parallel within the grace period, then the strays, then exit the moment nothing is left.
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log/logger.js';
import { setChildSubreaper } from '../native/native.js';
import type { Reaper } from '../process/reaper.js';
import { SIG } from '../process/signals.js';
import type { Engine } from '../engine/engine.js';
import { EXIT_CLEAN, EXIT_INTERNAL, EXIT_KILLED, EXIT_SETUP } from './exit-codes.js';
import type { InitOptions } from './options.js';
import { formatReportJson, formatReportText, type ShutdownReport } from './report.js';
import { handleSignals, type CaughtSignal } from './signals.js';
import { listChildren } from '../process/children.js';
import { keepAlive } from '../process/hold.js';
import { signalStrays } from './strays.js';

/** What the init is made of; the entry wires the real ones. */
export interface InitParts {
  readonly options: InitOptions;
  readonly log: Logger;
  readonly reaper: Reaper;
  readonly engine: Engine;
  /** Where the report goes (stderr). */
  readonly report: (line: string) => void;
}

/** Runs the init until its shutdown is complete; resolves with the exit code. */
export function runInit(parts: InitParts): Promise<number> {
  const { log, reaper, engine } = parts;
  const isPid1 = process.pid === 1;
  reaper.start();
  if (!isPid1) {
    setChildSubreaper(true);
    log.debug(`running as pid ${process.pid}, not PID 1: orphans of the services are adopted as a child subreaper`);
  }
  const release = keepAlive();
  try {
    engine.start();
  } catch (err) {
    log.fatal((err as Error).message);
    release();
    return Promise.resolve(EXIT_SETUP);
  }
  return new Promise((resolve) => {
    let stopping: Promise<void> | null = null;
    let internal = false;
    const flags = { hurried: false };
    const stop = (trigger: string): void => {
      if (stopping !== null) return;
      stopping = shutdown(parts, trigger, isPid1, internal, flags).then((code) => {
        release();
        resolve(code);
      });
    };
    handleSignals((sig: CaughtSignal) => {
      if (sig === 'SIGTERM' || sig === 'SIGINT') {
        if (stopping === null) stop(sig);
        else {
          flags.hurried = true;
          hurry(engine, isPid1, log, sig);
        }
      } else if (sig === 'SIGHUP') {
        log.info('SIGHUP: rescanning the service directory');
        engine.rescan();
      } else {
        log.info(`${sig}: ignored (only TERM and INT stop svinit, HUP rescans)`);
      }
    });
    process.on('uncaughtException', (err) => {
      log.error(`internal error, shutting down: ${err.stack ?? err.message}`);
      internal = true;
      stop('internal error');
    });
  });
}

function hurry(engine: Engine, isPid1: boolean, log: Logger, sig: string): void {
  log.warning(`${sig} again during the shutdown: SIGKILL to everything still running`);
  engine.hurry();
  signalStrays(isPid1, SIG.KILL, engine.ownedPids());
}

async function shutdown(
  parts: InitParts, trigger: string, isPid1: boolean, internal: boolean, flags: { readonly hurried: boolean },
): Promise<number> {
  const { options, log, reaper, engine } = parts;
  const t0 = performance.now();
  const deadline = t0 + options.graceMs;
  log.info(`${trigger}: stopping every service (grace ${options.graceMs} ms)`);
  const services = await engine.shutdown(deadline);
  const strays = options.reap ? await sweepStrays(parts, isPid1, deadline, flags) : { termed: 0, killed: 0 };
  reaper.stop();
  const killed = services.some((s) => s.killed) || strays.killed > 0;
  const exitCode = internal ? EXIT_INTERNAL : killed ? EXIT_KILLED : EXIT_CLEAN;
  const report: ShutdownReport = {
    trigger,
    graceMs: options.graceMs,
    totalMs: Math.round(performance.now() - t0),
    services,
    strays,
    exitCode,
  };
  if (options.report === 'json') parts.report(formatReportJson(report));
  else if (options.verbosity !== 'quiet' || killed) for (const line of formatReportText(report)) parts.report(line);
  if (listChildren().length > 0) log.debug('children remain at exit (--no-reap)');
  return exitCode;
}

/**
 * The last step: TERM to every process outside the services, then KILL at the deadline. As a
 * subreaper only svinit's children can be signalled, and a process that dies may hand svinit
 * new orphans (a runsv's service, a daemon's child), so newly adopted children get their TERM too.
 */
async function sweepStrays(
  parts: InitParts, isPid1: boolean, deadline: number, flags: { readonly hurried: boolean },
): Promise<{ termed: number; killed: number }> {
  const { log, reaper } = parts;
  const strays = { termed: 0, killed: 0 };
  const termed = new Set<number>();
  const except = (): ReadonlySet<number> => new Set([...termed, ...parts.engine.ownedPids()]);
  // As PID 1, kill(-1) reaches every process in the namespace at once, later orphans included.
  if (isPid1 && !flags.hurried) strays.termed = signalStrays(true, SIG.TERM);
  while (!flags.hurried && performance.now() < deadline) {
    if (!isPid1) strays.termed += signalStrays(false, SIG.TERM, except(), termed);
    if (strays.termed === 0) return strays;
    signalStrays(isPid1, SIG.CONT, parts.engine.ownedPids());
    // Short steps only while processes are exiting; bounded by the deadline.
    if (await reaper.whenNoChildren(Math.min(deadline, performance.now() + 50))) {
      log.info(`sent SIGTERM to ${strays.termed} process(es) outside the services`);
      return strays;
    }
  }
  // A process killed here may leave children of its own, adopted by svinit a moment later (as a
  // subreaper they are new children; as PID 1 they were already hit by kill(-1)): keep killing
  // what appears until nothing is left.
  const killed = new Set<number>();
  strays.killed = signalStrays(isPid1, SIG.KILL, new Set(), killed);
  if (strays.killed > 0) log.warning(`SIGKILL to ${strays.killed} process(es) still running at the deadline`);
  if (isPid1) await reaper.whenNoChildren(Infinity);
  else while (!(await reaper.whenNoChildren(performance.now() + 50))) strays.killed += signalStrays(false, SIG.KILL, killed, killed);
  return strays;
}
