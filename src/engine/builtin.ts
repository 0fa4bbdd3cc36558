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
  const scanner = new Scanner(dir, (name, path) => {
    if (stopping) return null;
    const service = Service.start(name, path, {
      runner, log, env, stdin, admit: (fds) => budget.take(name, fds), onFailed, ...(output === undefined ? {} : { output }),
    });
    if (service === null) return null;
    services.add(service);
    log.debug(`${name}: supervising ${path}`);
    return {
      remove: () => {
        service.remove();
        // A removed service is forgotten once gone; one ended by `sv exit` stays, reported as not running.
        void service.gone.then(() => services.delete(service));
      },
    };
  }, log);

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
      const all = [...services];
      // Every service's signals first, in one native call, then everything that writes files or
      // runs scripts.
      const batch = new SignalBatch();
      const rest = all.map((s) => s.shutdown(ctx, batch));
      batch.send();
      ctx.signalled();
      scanner.stop();
      budget.stop();
      for (const r of rest) r();
      await Promise.all(all.map((s) => s.gone));
    },
    kill() {
      for (const s of services) s.kill();
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
