// What a stopping engine tells the shutdown: one record per supervised process (a service's
// ./run, or its log), delivered as an event the moment that unit's supervision ends, so that
// the shutdown can count each unit exactly once, whoever started its stop.

/** How one supervised process (a service or its log) ended during the shutdown. */
export interface StopRecord {
  /** "web", or "web/log" for its log service. */
  readonly name: string;
  /** The signal sent to stop it ("SIGTERM", "EOF" for a log); null when none was sent. */
  readonly signal: string | null;
  /** ms from the stop signal until it (and its ./finish) was gone; null when nothing of it ran. */
  readonly ms: number | null;
  /** How ./run last ended, e.g. "exited 0" or "killed by SIGKILL"; null when it was not running. */
  readonly status: string | null;
  /** Whether this shutdown had to SIGKILL it (its timeout-kill, timeout-finish, or the deadline). */
  readonly killed: boolean;
}

/** What the shutdown gives an engine while it stops: the clock and the place to report to. */
export interface StopContext {
  /** performance.now() when the stop signal arrived. */
  readonly t0: number;
  /** ms left until the grace deadline, never below 0: the bound for every script run while stopping. */
  timeLeft(): number;
  /**
   * Reports that one unit is gone. `unit` identifies it (the object that supervised it, or its
   * path): a second record for the same unit is a bug and is dropped by the shutdown.
   */
  record(unit: object | string, record: StopRecord): void;
  /** Every running service has been sent its down signal (those whose control/t runs first aside). */
  signalled(): void;
}
