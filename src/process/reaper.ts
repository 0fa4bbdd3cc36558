// The only place svinit collects exit statuses. On every SIGCHLD it drains waitpid(-1, WNOHANG)
// to empty (signals coalesce) and routes each exit by pid: to the owner that spawned it, exactly
// once, with the pid forgotten in the same synchronous step; unknown pids are orphans, counted
// and dropped. No timers: an idle init makes no wake-ups.
import { performance } from 'node:perf_hooks';
import { silentLogger, type Logger } from '../log/logger.js';
import { hasChildren, reapAll, waitpid, type Reaped } from '../native/native.js';
import { decodeStatus, describeStatus } from './exit-status.js';
import { openHold, type Hold } from './hold.js';
import { spawn, type SpawnOptions } from './spawn.js';

/** Gets a child's raw wait status (decode with exit-status.ts) and its pid, once. */
export type ExitHandler = (status: number, pid: number) => void;

export interface ReaperOptions {
  readonly log?: Logger;
  /** false (--no-reap): never waitpid(-1); only svinit's own children are waited for, by pid. */
  readonly enabled?: boolean;
  /** Told about each orphan after it was reaped and counted (metrics, tests). */
  readonly onOrphan?: (pid: number, status: number) => void;
  /** Exits taken per native call; the drain repeats until the kernel has none left. */
  readonly batch?: number;
}

export interface ReaperStats {
  readonly wakeups: number;
  readonly reaped: number;
  readonly delivered: number;
  readonly orphansReaped: number;
  readonly watching: number;
}

interface Waiter {
  readonly resolve: (none: boolean) => void;
  timer: NodeJS.Timeout | null;
}

/** Collects every exit and hands each to its owner; see the file comment. */
export class Reaper {
  readonly #log: Logger;
  readonly #enabled: boolean;
  readonly #onOrphan: ((pid: number, status: number) => void) | undefined;
  readonly #batch: number;
  readonly #owners = new Map<number, ExitHandler>();
  readonly #waiters = new Set<Waiter>();
  #listening = false;
  #hold: Hold | null = null;
  #wakeups = 0;
  #reaped = 0;
  #delivered = 0;
  #orphans = 0;

  constructor(options: ReaperOptions = {}) {
    this.#log = options.log ?? silentLogger;
    this.#enabled = options.enabled ?? true;
    this.#onOrphan = options.onOrphan;
    this.#batch = Math.max(1, options.batch ?? 4096);
  }

  /** Listens for SIGCHLD and drains once (children may have exited before we listened). */
  start(): void {
    if (!this.#listening) {
      process.on('SIGCHLD', this.#onSignal);
      this.#listening = true;
      // Like libuv's process handles, a pending exit keeps Node running: signal handles are
      // unref'd, so without the hold a process waiting only for a child would end before it.
      this.#hold = openHold();
      this.#updateHold();
    }
    this.drain();
  }

  /** Stops listening; exits already reaped were delivered, later ones stay in the kernel. */
  stop(): void {
    if (this.#listening) process.removeListener('SIGCHLD', this.#onSignal);
    this.#listening = false;
    this.#hold?.release();
    this.#hold = null;
  }

  /** Spawns and registers the owner in one synchronous step, so no exit can go unowned. */
  spawn(opts: SpawnOptions, onExit: ExitHandler): number {
    const pid = spawn(opts);
    this.#owners.set(pid, onExit);
    this.#updateHold();
    return pid;
  }

  /**
   * Reaps everything there is now and delivers it; returns how many exits it took. Every exit is
   * routed even if an owner throws; the first such error is rethrown at the end (it is a bug).
   */
  drain(): number {
    const exits = this.#enabled ? this.#reapEverything() : this.#reapKnown();
    this.#reaped += exits.length;
    let failure: unknown = null;
    for (const exit of exits) {
      try {
        this.#route(exit);
      } catch (err) {
        failure ??= err;
        this.#log.error(`exit handler of pid ${exit.pid} threw: ${(err as Error).stack ?? String(err)}`);
      }
    }
    this.#settleWaiters();
    this.#updateHold();
    if (failure !== null) throw failure;
    return exits.length;
  }

  /**
   * Resolves true once svinit has no child left at all (running or zombie), or false at
   * `deadline`, a performance.now() time in ms (Infinity: no limit).
   */
  whenNoChildren(deadline: number): Promise<boolean> {
    if (!hasChildren()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = { resolve, timer: null };
      if (deadline !== Infinity) {
        waiter.timer = setTimeout(() => {
          this.#waiters.delete(waiter);
          this.#updateHold();
          resolve(!hasChildren());
        }, Math.max(0, deadline - performance.now()));
      }
      this.#waiters.add(waiter);
      this.#updateHold();
    });
  }

  /** Counters since construction. */
  stats(): ReaperStats {
    return {
      wakeups: this.#wakeups,
      reaped: this.#reaped,
      delivered: this.#delivered,
      orphansReaped: this.#orphans,
      watching: this.#owners.size,
    };
  }

  readonly #onSignal = (): void => {
    this.#wakeups++;
    this.drain();
  };

  #reapEverything(): Reaped[] {
    const out: Reaped[] = [];
    for (;;) {
      const batch = reapAll(this.#batch);
      for (const r of batch) out.push(r);
      if (batch.length < this.#batch) return out;
    }
  }

  // --no-reap: only our own children, one waitpid(pid, WNOHANG) each.
  #reapKnown(): Reaped[] {
    const out: Reaped[] = [];
    for (const pid of [...this.#owners.keys()]) {
      try {
        const r = waitpid(pid, true);
        if (r !== null) out.push(r);
      } catch (err) {
        // Someone else reaped it (only possible if code outside svinit's rules waits): its
        // status is lost, so say so rather than wait forever.
        this.#log.warning(`unable to wait for pid ${pid}: ${(err as Error).message}; forgetting it`);
        this.#owners.delete(pid);
      }
    }
    return out;
  }

  #route(exit: Reaped): void {
    const owner = this.#owners.get(exit.pid);
    if (owner === undefined) {
      this.#orphans++;
      if (this.#log.enabled('debug')) {
        this.#log.debug(`reaped orphan pid ${exit.pid}: ${describeStatus(decodeStatus(exit.status))}`);
      }
      this.#onOrphan?.(exit.pid, exit.status);
      return;
    }
    // Forget the pid before the owner runs: it is dead, and the number may be reused at once.
    this.#owners.delete(exit.pid);
    this.#delivered++;
    owner(exit.status, exit.pid);
  }

  #updateHold(): void {
    if (this.#hold === null) return;
    if (this.#owners.size > 0 || this.#waiters.size > 0) this.#hold.ref();
    else this.#hold.unref();
  }

  #settleWaiters(): void {
    if (this.#waiters.size === 0 || hasChildren()) return;
    for (const w of this.#waiters) {
      if (w.timer !== null) clearTimeout(w.timer);
      w.resolve(true);
    }
    this.#waiters.clear();
  }
}
