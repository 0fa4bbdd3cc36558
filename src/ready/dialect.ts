// What each readiness dialect (notification-fd, sd_notify, check, plain up) provides to the common
// watch of src/ready/watcher.ts, which adds timeout-ready and the reporting.

/** One start of ./run as one dialect watches it. */
export interface DialectWatch {
  /** ./run's fds from 3 on. */
  readonly extraFds: readonly (number | 'closed')[];
  readonly env: Readonly<Record<string, string>>;
  /** What it waits for, in words ("a newline on fd 3"), for `svinit status` and the timeout line. */
  readonly waitingFor: string;
  /** ./run runs as `pid`. */
  started(pid: number): void;
  /** ./run is ready: release whatever only served to learn it (a pipe, a poll), so that nothing wakes svinit. */
  settled(): void;
  /** ./run ended or could not start: release everything. Idempotent. */
  end(): void;
}
