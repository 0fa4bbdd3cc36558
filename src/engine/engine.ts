// What the init asks of a supervision engine (the built-in supervisor, or Debian's runit).
import type { StopRecord } from '../supervise/stop-record.js';

/** A supervision engine, as the init drives it. */
export interface Engine {
  /** Starts supervising; throws only for a setup error (exit 111), before any service started. */
  start(): void;
  /** Rescans the service directory now (SIGHUP). */
  rescan(): void;
  /**
   * Brings every service down in parallel and resolves once all of them, their ./finish and
   * their log services are gone. Anything still running at `deadline` (a performance.now() time)
   * is SIGKILLed with its process group.
   */
  shutdown(deadline: number): Promise<StopRecord[]>;
  /** A second stop signal: SIGKILL now whatever is still running. */
  hurry(): void;
  /** pids the engine still owns (so the stray sweep leaves them to the engine). */
  ownedPids(): ReadonlySet<number>;
}
