// supervise/svinit.json, svinit's one addition to runit's supervise/ files: what `svinit status`
// and `svinit check` show beyond the 20-byte status (written by src/supervise/extra-file.ts, read
// by src/cli/inspect.ts). runit's tools ignore it.

/** The file's name inside supervise/. */
export const EXTRA_FILE = 'svinit.json';

/** How many start times of ./run the file keeps (the latest): enough to tell a crash loop. */
export const RECENT_STARTS = 10;

/** The file's contents (one JSON object). */
export interface SvinitJson {
  readonly restarts: number;
  readonly lastExit: string | null;
  readonly startedAt: number | null;
  /** Why the service is failed (down, want up, not restarted until sv up); null otherwise. */
  readonly failed: string | null;
  /** The last ./run exit as numbers: its exit code, or the signal that killed it. */
  readonly lastExitCode: number | null;
  readonly lastExitSignal: number | null;
  /** Why the last start of ./run failed ("EACCES"), while it keeps failing; null once ./run started. */
  readonly spawnError: string | null;
  /** When ./run last started, the latest few (epoch ms). */
  readonly recentStarts: readonly number[];
  /** When ./finish was last killed at its timeout-finish (epoch ms). */
  readonly finishTimedOutAt: number | null;
  /** Setting files rejected at the last read. */
  readonly problems: readonly string[];
  /** Ready in the service's own dialect (notification-fd, sd_notify, check; else once up). */
  readonly ready: boolean;
  /** When it last became ready (epoch ms); null while not ready. */
  readonly readySince: number | null;
  /** Why it is not ready ("waiting for db", "dependency cycle: a -> b -> a", "svinit is stopping"); null when ready. */
  readonly notReadyReason: string | null;
  /** The service's last sd_notify STATUS= text; null when it sent none. */
  readonly notifyStatus: string | null;
  /** svinit is shutting down (from the first moment of the shutdown, --drain included): nothing is ready. */
  readonly stopping: boolean;
}
