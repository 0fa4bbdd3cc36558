// The last step of a shutdown: processes that belong to no service (orphans, double-forked
// daemons) get SIGTERM, then SIGKILL at the deadline. As PID 1 that is kill(-1), which reaches
// every process in the container but svinit. As a subreaper svinit never signals anything but its
// own children (kill(-1) there would hit the whole host): adopted orphans show up as children.
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log/logger.js';
import { kill } from '../native/native.js';
import { countOthers, listChildren } from '../process/children.js';
import type { Reaper } from '../process/reaper.js';
import { SIG } from '../process/signals.js';

/** How many stray processes were sent SIGTERM, and how many had to be SIGKILLed. */
export interface StrayCount {
  termed: number;
  killed: number;
}

/** What the sweep needs from the shutdown that runs it. */
export interface SweepParts {
  readonly isPid1: boolean;
  readonly reaper: Reaper;
  readonly log: Logger;
  /** pids an engine still owns: left to the engine. */
  readonly owned: () => ReadonlySet<number>;
  /** performance.now() of the grace deadline. */
  readonly deadline: number;
  /** True once the shutdown went to SIGKILL (deadline, second signal, failure). */
  readonly killing: () => boolean;
  /**
   * Children the sweep leaves alone and does not wait for (subreaper only): in command mode, what
   * survives of CMD's group, as dumb-init leaves it. The strays of the services are still swept.
   */
  readonly spared?: (pid: number) => boolean;
}

/** How long the KILL step waits for the kernel to take what it killed, past the deadline. */
export const KILL_WAIT_MS = 500;

/** Sends `sig` to every stray: all processes (PID 1) or svinit's children (subreaper); returns how many. */
export function signalStrays(
  isPid1: boolean, sig: number, except: ReadonlySet<number> = new Set(), record?: Set<number>,
  spared?: (pid: number) => boolean,
): number {
  if (isPid1) {
    // kill(-1) fails with ESRCH when it reaches no process: the usual end of a shutdown costs one
    // syscall, not a listing of /proc (which is only read to count what was there).
    return kill(-1, sig) ? Math.max(1, countOthers()) : 0;
  }
  let n = 0;
  for (const pid of listChildren()) {
    if (except.has(pid) || spared?.(pid) === true) continue;
    if (kill(pid, sig)) {
      n++;
      record?.add(pid);
    }
  }
  return n;
}

/**
 * TERM to every stray, CONT, and a wait until they are gone; SIGKILL to what is left once the
 * shutdown goes to SIGKILL. A process that dies may hand svinit new orphans (a runsv's service, a
 * daemon's child): as a subreaper those are new children and get their TERM too.
 */
export async function sweepStrays(p: SweepParts): Promise<StrayCount> {
  const count: StrayCount = { termed: 0, killed: 0 };
  const termed = new Set<number>();
  const except = (): ReadonlySet<number> => new Set([...termed, ...p.owned()]);
  // As PID 1, kill(-1) reaches every process in the namespace at once, later orphans included.
  if (p.isPid1 && !p.killing()) count.termed = signalStrays(true, SIG.TERM);
  while (!p.killing() && performance.now() < p.deadline) {
    if (!p.isPid1) count.termed += signalStrays(false, SIG.TERM, except(), termed, p.spared);
    if (count.termed === 0) return count;
    signalStrays(p.isPid1, SIG.CONT, p.owned(), undefined, p.spared);
    // Short steps only while processes are exiting; bounded by the deadline.
    if (await whenSwept(p, Math.min(p.deadline, performance.now() + 50))) {
      p.log.info(`sent SIGTERM to ${count.termed} process(es) outside the services`);
      return count;
    }
  }
  count.killed = await killStrays(p);
  if (count.killed > 0) p.log.warning(`SIGKILL to ${count.killed} process(es) still running at the deadline`);
  return count;
}

/**
 * SIGKILL to every stray, again to what the killed ones leave behind (adopted a moment later as
 * a subreaper; already hit by kill(-1) as PID 1), until nothing is left or KILL_WAIT_MS after
 * the deadline. Returns how many were killed.
 */
export async function killStrays(p: Pick<SweepParts, 'isPid1' | 'reaper' | 'deadline' | 'spared'>): Promise<number> {
  const killed = new Set<number>();
  let n = signalStrays(p.isPid1, SIG.KILL, new Set(), killed, p.spared);
  const until = Math.max(p.deadline, performance.now()) + KILL_WAIT_MS;
  while (!(await whenSwept(p, Math.min(until, performance.now() + 50))) && performance.now() < until) {
    if (!p.isPid1) n += signalStrays(false, SIG.KILL, killed, killed, p.spared);
  }
  return n;
}

/** How often the sweep looks again while spared children stay (shutdown only, bounded by the deadline). */
const SPARED_POLL_MS = 10;

/**
 * Resolves true once no child is left but the spared ones, false at `until`. Without spared
 * children this is the reaper's own wait (woken by SIGCHLD); with them, a short poll.
 */
async function whenSwept(p: Pick<SweepParts, 'reaper' | 'spared'>, until: number): Promise<boolean> {
  const { spared } = p;
  if (spared === undefined) return p.reaper.whenNoChildren(until);
  for (;;) {
    if (listChildren().every((pid) => spared(pid))) return true;
    const left = until - performance.now();
    if (left <= 0) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(SPARED_POLL_MS, left)));
  }
}
