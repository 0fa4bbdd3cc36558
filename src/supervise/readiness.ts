// What a unit asks of the readiness layer (src/ready/) and what that layer tells it back. The
// unit owns the facts shown in `svinit status` (ready, since when, why not, STATUS=); the
// dialects (notification-fd, sd_notify, check) live in src/ready/ and only report here.

/** Where a dialect reports what it learnt about the ./run it watches. */
export interface ReadySink {
  /** ./run is ready (`how`: "notification-fd 3", "READY=1", "check", "up"). */
  ready(how: string): void;
  /** Not ready within timeout-ready: the unit stops ./run and the restart rules apply. */
  failed(reason: string): void;
  /** What the dialect waits for now ("waiting for a newline on fd 3"), while not ready. */
  waiting(reason: string): void;
  /** sd_notify STATUS= (null clears it). */
  status(text: string | null): void;
  /** sd_notify STOPPING=1: the service says it is going down by itself. */
  stopping(): void;
}

/** One start of ./run as a dialect watches it. */
export interface ReadyWatch {
  /** ./run's fds from 3 on: svinit's fd to map there, or 'closed'. */
  readonly extraFds: readonly (number | 'closed')[];
  /** Variables added to ./run's environment (NOTIFY_SOCKET). */
  readonly env: Readonly<Record<string, string>>;
  /** ./run started as `pid` (the leader of its own session); the dialect starts watching. */
  started(pid: number): void;
  /** ./run could not start, or ended: stop watching, release every descriptor and timer. Idempotent. */
  end(): void;
}

/** Makes the watch for the next start of ./run of one service, reporting to `sink`. */
export type ReadyWatcher = (sink: ReadySink) => ReadyWatch;

/** What `svinit status` shows of a unit's readiness (kept by the unit, written to svinit.json). */
export interface ReadyFacts {
  readonly ready: boolean;
  /** Epoch ms when it last became ready; null while not ready. */
  readonly readySince: number | null;
  /** Why it is not ready (waiting for a dependency, for its notification, svinit stopping); null when ready. */
  readonly notReadyReason: string | null;
  /** The service's last sd_notify STATUS= text. */
  readonly notifyStatus: string | null;
  /** svinit is shutting down: every service reports not ready from then on. */
  readonly stopping: boolean;
}
