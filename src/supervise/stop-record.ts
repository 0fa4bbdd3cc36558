// How one supervised process ended during the shutdown: what a service (or an engine) reports,
// and what the shutdown report lists. It lives here, the lowest layer that fills it in.

/** How one supervised process (a service or its log) ended during the shutdown. */
export interface StopRecord {
  readonly name: string;
  /** The signal the service was sent to stop it, e.g. "SIGTERM"; null when it was not running. */
  readonly signal: string | null;
  /** ms from the stop signal until the process (and its ./finish) was gone; null when it was not running. */
  readonly ms: number | null;
  /** How it ended, e.g. "exited 0" or "killed by SIGKILL"; null when it was not running. */
  readonly status: string | null;
  /** Whether svinit had to SIGKILL it (at its timeout-kill or at the grace deadline). */
  readonly killed: boolean;
}
