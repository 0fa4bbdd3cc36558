// Descriptors per service: a service is taken over only when every descriptor it holds for its
// whole supervision fits under svinit's RLIMIT_NOFILE, so that one either runs fully supervised
// or waits whole; never half (a lock but no FIFOs, a supervise/ but no ./run). Those that do not
// fit are named in one line and the scan is retried with back-off, 1 s doubling to a minute, while
// any wait: descriptors come free when a service goes, or after `prlimit --nofile` on svinit.
import type { Logger } from '../log/logger.js';
import { getNofile } from '../native/native.js';
import { openFdCount } from '../process/nofile.js';
import { serviceFds } from '../supervise/service.js';

/** Kept free for svinit's short-lived descriptors: a status file being written, /dev/null for a spawn, a readdir. */
export const FDS_RESERVE = 4;

const FIRST_RETRY_MS = 1000;
const LAST_RETRY_MS = 60_000;

/** The descriptors left for services, counted once per scan, and the retry of those that wait. */
export class FdBudget {
  private free: number | null = null;
  private readonly waiting: string[] = [];
  private told = '';
  private retryMs = FIRST_RETRY_MS;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly log: Logger, private readonly rescan: () => void) {}

  /** Whether `name` may take `n` descriptors now; if not, it is named at the end of this scan. */
  take(name: string, n: number): boolean {
    if (this.free === null) {
      const open = openFdCount();
      // Without /proc, nothing is counted: svinit runs as before this check existed.
      this.free = open === null ? Infinity : getNofile().soft - open - FDS_RESERVE;
      setImmediate(() => this.settle());
    }
    if (n <= this.free) {
      this.free -= n;
      return true;
    }
    this.waiting.push(name);
    return false;
  }

  /** Stops retrying (the shutdown). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The end of a scan: one line for a new set of waiting services, and the next retry. */
  private settle(): void {
    this.free = null;
    const names = this.waiting.splice(0);
    if (names.length === 0 || this.stopped) {
      this.told = '';
      this.retryMs = FIRST_RETRY_MS;
      return;
    }
    const key = names.join('/');
    if (key !== this.told) {
      this.told = key;
      const shown = names.length > 5 ? `${names.slice(0, 5).join(', ')}, ...` : names.join(', ');
      this.log.warning(`unable to supervise ${names.length} service(s) (${shown}): not enough file descriptors ` +
        `(limit ${getNofile().soft}, each service holds ${serviceFds(false)}, ${serviceFds(true)} with a log); ` +
        'retrying with back-off (raise the limit: docker run --ulimit nofile=N, or ulimit -n N before svinit)');
    }
    this.log.debug(`${names.length} service(s) wait for file descriptors: retrying in ${this.retryMs / 1000} s`);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.rescan();
    }, this.retryMs);
    this.retryMs = Math.min(LAST_RETRY_MS, this.retryMs * 2);
  }
}
