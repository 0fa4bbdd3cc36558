// runit's ./check as a readiness dialect: run after ./run starts, again and again until it exits 0.
// The first run is CHECK_FIRST_MS after the start, then the gap doubles up to CHECK_INTERVAL_MAX_MS;
// each run may take CHECK_RUN_LIMIT_MS (then it is killed, a failure). The whole is bounded by
// timeout-ready (default 60 s for a check), and once ready nothing runs again: no wake-ups.
import type { Logger } from '../log/logger.js';
import { killpg } from '../native/native.js';
import { SIG } from '../process/signals.js';
import type { ChildRunner } from '../supervise/override.js';
import type { ReadySink } from '../supervise/readiness.js';
import type { DialectWatch } from './dialect.js';

/** ms from ./run's start to the first ./check. */
export const CHECK_FIRST_MS = 10;
/** The gap after a failed ./check starts here and doubles to CHECK_INTERVAL_MAX_MS. */
export const CHECK_INTERVAL_MS = 50;
export const CHECK_INTERVAL_MAX_MS = 1000;
/** How long one ./check may run. */
export const CHECK_RUN_LIMIT_MS = 5000;

export interface CheckParts {
  readonly name: string;
  readonly dir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly runner: ChildRunner;
  readonly log: Logger;
}

/** The watch of one ./run whose readiness ./check tells. */
export function checkWatch(parts: CheckParts, sink: ReadySink): DialectWatch {
  let timer: NodeJS.Timeout | null = null;
  let pid = 0;
  let over = false;
  let gap = CHECK_INTERVAL_MS;
  let runs = 0;
  let limit: NodeJS.Timeout | null = null;
  const schedule = (ms: number): void => {
    if (over) return;
    timer = setTimeout(runOnce, ms);
  };
  const runOnce = (): void => {
    timer = null;
    if (over) return;
    runs++;
    try {
      pid = parts.runner.spawn(
        { file: './check', argv: ['./check'], env: parts.env, cwd: parts.dir, stdio: ['null', 'null', 'inherit'], session: true },
        (status) => {
          pid = 0;
          if (limit !== null) clearTimeout(limit);
          limit = null;
          if (over) return;
          if (status === 0) {
            sink.ready(`check, run ${runs}`);
            return;
          }
          sink.waiting(`./check has not exited 0 yet (${runs} run${runs === 1 ? '' : 's'})`);
          schedule(gap);
          gap = Math.min(gap * 2, CHECK_INTERVAL_MAX_MS);
        },
      );
    } catch (err) {
      parts.log.warning(`${parts.name}: unable to run ./check: ${(err as Error).message}; trying again in ${gap} ms (make it executable)`);
      schedule(gap);
      gap = Math.min(gap * 2, CHECK_INTERVAL_MAX_MS);
      return;
    }
    const running = pid;
    limit = setTimeout(() => {
      limit = null;
      parts.log.warning(`${parts.name}: ./check ran longer than ${CHECK_RUN_LIMIT_MS} ms; killing it (counts as not ready)`);
      killpg(running, SIG.KILL);
    }, CHECK_RUN_LIMIT_MS);
  };
  const stop = (): void => {
    over = true;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (limit !== null) clearTimeout(limit);
    limit = null;
    // A ./check still running when ./run ended is of no use any more.
    if (pid !== 0) killpg(pid, SIG.KILL);
  };
  return {
    extraFds: [],
    env: {},
    waitingFor: './check to exit 0',
    started() {
      schedule(CHECK_FIRST_MS);
    },
    settled: stop,
    end: stop,
  };
}
