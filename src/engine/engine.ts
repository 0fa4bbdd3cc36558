// What the shutdown and the init ask of a supervision engine (the built-in supervisor, or
// Debian's runit). An engine carries out and reports; it keeps no deadline of its own.
import type { StopContext } from '../process/stop-record.js';
import type { ServiceInfo } from '../protocol/status-model.js';

/** A critical service failed for good (it gave up, cannot start, or ended after sv once). */
export interface CriticalFailure {
  readonly name: string;
  /** The raw wait status of its last ./run (111 << 8 when it could not start). */
  readonly status: number;
  /** One line: why it failed for good. */
  readonly reason: string;
}

/** A supervision engine, as the init and the shutdown drive it. */
export interface Engine {
  /** Starts supervising; throws only for a setup error (exit 111), before any service started. */
  start(): void;
  /** Rescans the service directory now (SIGHUP). */
  rescan(): void;
  /**
   * Brings every service down in parallel (its down signal, CONT, control/x) and resolves once
   * all of them, their ./finish and their log services are gone, reporting each unit through
   * `ctx.record` as it goes. Never times out by itself: the shutdown calls kill() at its deadline.
   */
  stop(ctx: StopContext): Promise<void>;
  /**
   * SIGKILL to the process group of everything the engine still runs (./run, ./finish, control/
   * scripts, log services); from now on whatever it would still start is not started or killed at once.
   */
  kill(): void;
  /** pids the engine still owns (so the stray sweep leaves them to the engine). */
  ownedPids(): ReadonlySet<number>;
  /** The service directory it supervises (null: none, --no-services) and how many services it holds now. */
  readonly dir: string | null;
  serviceCount(): number;
  /**
   * Tells `listener` when a critical service (a `critical` file, or `--critical NAME`) fails for
   * good; the init then ends the container with its status. Only the built-in engine reports one.
   */
  onCritical(listener: (failure: CriticalFailure) => void): void;
  /**
   * The shutdown has begun: every service reports not ready from now on (svinit.json, --http), so
   * that load balancers stop routing before the first stop signal (--drain). Idempotent.
   */
  announceStop(): void;
  /**
   * Resolves once every service that should run is ready (those that can never start, for a
   * cycle or a missing dependency, or that failed for good, do not count), or after `ms` (null:
   * no limit), with the names still not ready ([] when all are). For --wait-ready.
   */
  waitReady(ms: number | null): Promise<readonly string[]>;
  /**
   * Every service and log service now, from the engine's memory, in `svinit status` order (the
   * probes of --http; never a file read). null: the engine keeps no such memory (runit's runsv
   * keeps it in its own files).
   */
  snapshot(): readonly ServiceInfo[] | null;
}
