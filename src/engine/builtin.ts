// The built-in engine: svinit itself supervises every service directory (no runsv processes),
// speaking runit's supervise/ protocol so that runit's own sv controls it.
import { statSync } from 'node:fs';
import type { Logger } from '../log/logger.js';
import { SignalBatch } from '../process/signal-batch.js';
import { Scanner } from '../scan/scanner.js';
import type { ChildRunner } from '../supervise/override.js';
import { Service } from '../supervise/service.js';
import type { StopContext } from '../process/stop-record.js';
import type { CriticalFailure, Engine } from './engine.js';
import { hasCriticalFile } from '../service/service-dir.js';
import { FdBudget } from './fd-budget.js';
import type { OutputRouter } from '../log/output.js';
import { readDependencies } from '../service/readiness-files.js';
import { DependencyGate } from '../ready/dependencies.js';
import { NotifySocket } from '../ready/notify-socket.js';
import { readinessWatcher } from '../ready/watcher.js';
import type { Unit } from '../supervise/unit.js';

/** A setup error: the init exits 111 before any service starts. */
export class SetupError extends Error {
  readonly code = 'ERR_INIT_SETUP';
}

/** Checks that the service directory can be scanned; throws SetupError with the fix. */
export function checkServiceDir(dir: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new SetupError(`unable to use service directory ${dir}: ${code}; create it or point --dir (or $SVDIR) at one`);
  }
  if (!isDir) throw new SetupError(`unable to use service directory ${dir}: not a directory; point --dir (or $SVDIR) at one`);
}

/** The built-in engine over `dir`; `critical` names the services given with --critical. */
export function createBuiltinEngine(
  dir: string, runner: ChildRunner, log: Logger, env: Readonly<Record<string, string>>, stdin: 'inherit' | 'null' = 'inherit',
  critical: ReadonlySet<string> = new Set(), output?: OutputRouter,
): Engine {
  const services = new Set<Service>();
  let stopping = false;
  let onCritical: ((failure: CriticalFailure) => void) | null = null;
  // Critical: named on the command line, or a `critical` file there at the moment it fails. Told
  // on the next turn: the unit is in the middle of carrying out its step, and the listener stops
  // every service (this one included).
  const onFailed = (service: Service, status: number, reason: string): void => {
    if (stopping || (!critical.has(service.name) && !hasCriticalFile(service.dir))) return;
    setImmediate(() => { if (!stopping) onCritical?.({ name: service.name, status, reason }); });
  };
  const budget = new FdBudget(log, () => scanner.scan());
  const gate = new DependencyGate(log, dir);
  let notify: NotifySocket | null = null;
  const readyWaiters = new Set<() => void>();
  // Deferred by the unit to a microtask of its own: the dependents start right away.
  const onReady = (): void => {
    gate.evaluate();
    for (const w of [...readyWaiters]) w();
  };
  const scanner = new Scanner(dir, (name, path) => {
    if (stopping) return null;
    const needs = readDependencies(path);
    for (const p of needs.problems) log.warning(`${name}: ${p.message}`);
    const readiness = readinessWatcher({ name, dir: path, env, runner, log, notify: () => (notify ??= new NotifySocket(log)) });
    const service = Service.start(name, path, {
      runner, log, env, stdin, admit: (fds) => budget.take(name, fds), onFailed, ...(output === undefined ? {} : { output }),
      readiness, onReady, ...(needs.names.length === 0 ? {} : { hold: `waiting for ${needs.names.join(', ')} to be ready` }),
    });
    if (service === null) return null;
    services.add(service);
    gate.add(service, needs.names);
    log.debug(`${name}: supervising ${path}`);
    return {
      remove: () => {
        service.remove();
        gate.remove(service);
        // A removed service is forgotten once gone; one ended by `sv exit` stays, reported as not running.
        void service.gone.then(() => services.delete(service));
      },
    };
  }, log);
  /** Services that should be ready and are not: want up, not blocked by the graph, not failed for good. */
  const notReady = (): string[] => [...services].filter((s) => {
    const m: Unit = s.main;
    return m.state.want === 'up' && m.state.state !== 'failed' && !gate.blockedNames.has(s.name) && !s.ready;
  }).map((s) => s.name);
  // The context of the running stop: a later tier not yet signalled at the deadline is stopped and killed with it.
  let stopCtx: StopContext | null = null;
  const told = new Set<Service>();
  const stopTier = (tier: readonly Service[], ctx: StopContext): Promise<void> => {
    const batch = new SignalBatch();
    const rest: Array<() => void> = [];
    for (const s of tier) {
      if (told.has(s)) continue;
      told.add(s);
      rest.push(s.shutdown(ctx, batch));
    }
    batch.send();
    for (const r of rest) r();
    return Promise.all(tier.map((s) => s.gone)).then(() => undefined);
  };

  return {
    start() {
      checkServiceDir(dir);
      scanner.start();
      // A misspelt --critical would silently protect nothing.
      for (const name of critical) {
        if (![...services].some((s) => s.name === name)) log.warning(`--critical ${name}: no such service in ${dir} (yet); it counts once a directory of that name appears`);
      }
    },
    rescan() {
      scanner.scan();
    },
    async stop(ctx: StopContext): Promise<void> {
      stopping = true;
      stopCtx = ctx;
      // Tier by tier in reverse dependency order (no dependencies: one tier, every service at
      // once). Within a tier, every signal first, in one native call, then everything that writes
      // files or runs scripts. The next tier starts once the whole tier is gone; the deadline
      // (the shutdown's) cuts the wait short through kill().
      const tiers = gate.tiers([...services]);
      const [first, ...later] = tiers;
      const firstGone = stopTier(first ?? [], ctx);
      ctx.signalled();
      for (const s of services) s.announceStop();
      scanner.stop();
      budget.stop();
      await firstGone;
      for (const tier of later) {
        log.debug(`stopping ${tier.map((s) => s.name).join(', ')}: what needed them is gone`);
        await stopTier(tier, ctx);
      }
      notify?.close();
    },
    kill() {
      // Tiers not reached yet are stopped now too (their records go to the shutdown), then killed.
      if (stopCtx !== null) void stopTier([...services].filter((s) => !told.has(s)), stopCtx);
      for (const s of services) s.kill();
    },
    announceStop() {
      for (const s of services) s.announceStop();
    },
    waitReady(ms: number | null): Promise<readonly string[]> {
      return new Promise((resolve) => {
        let timer: NodeJS.Timeout | null = null;
        const check = (): void => {
          // Evaluated after the gate has had its turn (a release is itself not yet ready).
          if (notReady().length > 0) return;
          done();
        };
        const done = (): void => {
          readyWaiters.delete(check);
          if (timer !== null) clearTimeout(timer);
          resolve(notReady());
        };
        readyWaiters.add(check);
        if (ms !== null) timer = setTimeout(done, ms);
        // The first scan's releases and readiness come on later turns.
        setImmediate(check);
      });
    },
    ownedPids() {
      return new Set([...services].flatMap((s) => s.pids()));
    },
    onCritical(listener) {
      onCritical = listener;
    },
    snapshot() {
      // By code unit, as the service directory's listing is sorted (src/service/list-services.ts).
      const sorted = [...services].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return sorted.flatMap((s) => s.snapshot());
    },
    dir,
    serviceCount() {
      return services.size;
    },
  };
}
