// sv's wait phase (§5.5-5.6), event-driven: each pending service's supervise/ directory is
// watched (runsv and svinit replace `status` by rename, which inotify reports), its conditions
// are re-checked on every change, and one timer fires at the -w deadline for the final check.
import type { FSWatcher } from 'node:fs';
import { watch } from 'node:fs';
import { join } from 'node:path';
import { probeService, sendControl } from '../protocol/client.js';
import { checkConditions } from '../protocol/sv-command.js';
import { failureMessage, resultLine, statusLine } from '../protocol/sv-format.js';
import type { SuperviseStatus } from '../protocol/status-file.js';
import type { Stamp } from '../protocol/tai64.js';
import { startStamp } from '../protocol/tai64.js';
import { downFileExists } from './inspect.js';
import type { CliOutput } from './output.js';

/** A service that was sent its bytes and is now waited for. */
export interface WaitTarget {
  readonly name: string;
  readonly dir: string;
}

/** What to wait for, and how to report it. */
export interface WaitSpec {
  /** Condition bytes (§5.6): the bytes sent, or 'C' for `check`. */
  readonly waitBytes: string;
  /** force-*: print `kill:` and send `k` on timeout. */
  readonly kill: boolean;
  /** The command was an exit (x): a runsv that is gone is the success. */
  readonly exitCommand: boolean;
  /** When sv started (ms), before anything was sent. */
  readonly startMs: number;
  readonly timeoutSec: number;
  readonly env: NodeJS.ProcessEnv;
  readonly output: CliOutput;
}

/** A check script that fails is run again after this long: it changes without any event to watch. */
export const CHECK_RETRY_MS = 250;
/** The last step of an exit: runsv closes `ok` without touching the directory, so liveness is re-probed. */
export const EXIT_PROBE_MS = 20;
/** If inotify is unavailable (e.g. the watch limit is reached), fall back to runit's own 420 ms rounds. */
export const FALLBACK_POLL_MS = 420;

interface Pending {
  readonly target: WaitTarget;
  watcher: FSWatcher | undefined;
  timers: Set<NodeJS.Timeout>;
  script: { key: string; result: 'pass' | 'fail' } | undefined;
  busy: boolean;
  again: boolean;
  scheduled: boolean;
  done: boolean;
}

function statusKey(s: SuperviseStatus): string {
  return `${s.seconds}.${s.nanos}.${s.pid}.${s.state}.${s.want}.${s.gotTerm}.${s.paused}`;
}

/** Waits for every target; resolves with the number of failures, timeouts and warnings (sv's rc). */
export function waitForServices(targets: readonly WaitTarget[], spec: WaitSpec): Promise<number> {
  return new Waiter(spec).run(targets);
}

class Waiter {
  private rc = 0;
  private left = 0;
  private readonly deadline: number;
  private readonly svStart: Stamp;
  private resolveAll: (rc: number) => void = () => undefined;
  private rejectAll: (err: unknown) => void = () => undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private all: Pending[] = [];

  constructor(private readonly spec: WaitSpec) {
    this.deadline = spec.startMs + spec.timeoutSec * 1000;
    this.svStart = startStamp(spec.startMs);
  }

  run(targets: readonly WaitTarget[]): Promise<number> {
    return new Promise((resolve, reject) => {
      this.resolveAll = resolve;
      this.rejectAll = reject;
      this.left = targets.length;
      if (this.left === 0) return resolve(0);
      // runit times out once elapsed > wait: fire just after the deadline.
      this.deadlineTimer = setTimeout(() => this.all.forEach((p) => this.schedule(p)), Math.max(0, this.deadline - Date.now() + 1));
      this.all = targets.map((target) => this.watchTarget(target));
      // The first round runs at once, like sv's; later ones only on events.
      this.all.forEach((p) => this.schedule(p));
    });
  }

  private watchTarget(target: WaitTarget): Pending {
    const p: Pending = { target, watcher: undefined, timers: new Set(), script: undefined, busy: false, again: false, scheduled: false, done: false };
    try {
      p.watcher = watch(join(target.dir, 'supervise'), { persistent: true }, (_event, file) => {
        if (file === null || file === 'status') this.schedule(p);
      });
      p.watcher.on('error', () => this.schedule(p));
    } catch {
      // No inotify (limit reached, or no supervise/ yet, which the first check reports).
      const t = setInterval(() => this.schedule(p), FALLBACK_POLL_MS);
      p.timers.add(t);
    }
    return p;
  }

  private after(p: Pending, ms: number, before?: () => void): void {
    const t = setTimeout(() => {
      p.timers.delete(t);
      before?.();
      this.schedule(p);
    }, ms);
    p.timers.add(t);
  }

  private schedule(p: Pending): void {
    if (p.done || p.scheduled) return;
    p.scheduled = true;
    setImmediate(() => {
      p.scheduled = false;
      this.evaluate(p).catch((err: unknown) => this.rejectAll(err));
    });
  }

  // One evaluation at a time per service; events during a check script ask for another round.
  private async evaluate(p: Pending): Promise<void> {
    if (p.done) return;
    if (p.busy) {
      p.again = true;
      return;
    }
    p.busy = true;
    try {
      do {
        p.again = false;
        await this.step(p);
      } while (p.again && !p.done);
    } finally {
      p.busy = false;
    }
  }

  private async step(p: Pending): Promise<void> {
    const { name, dir } = p.target;
    const probe = probeService(dir);
    const timedOut = Date.now() > this.deadline;
    if (probe.kind !== 'ok') {
      const m = failureMessage(name, probe, this.spec.exitCommand);
      this.spec.output.out(m.line);
      return this.finish(p, m.countsAsError ? 1 : 0);
    }
    const s = probe.status;
    const key = statusKey(s);
    let needScript = false;
    const script = (): boolean => {
      if (p.script !== undefined && p.script.key === key) return p.script.result === 'pass';
      needScript = true;
      return false;
    };
    // A precise start stamp avoids runit's same-second false positive (docs/sv-differences.md #3).
    if (checkConditions(this.spec.waitBytes, s, this.svStart, script) === 'ok') {
      this.spec.output.out(resultLine('ok', statusLine(name, s, downFileExists(dir), Date.now())));
      return this.finish(p, 0);
    }
    if (needScript && !timedOut) {
      const { runCheckScript } = await import('./check-script.js');
      const result = await runCheckScript(dir, name, this.spec.env, { deadlineMs: this.deadline, strict: false }, (l) => this.spec.output.err(l));
      p.script = { key, result };
      p.again = true;
      // Forget the failure later so the next round runs the script again.
      if (result === 'fail') this.after(p, CHECK_RETRY_MS, () => { p.script = undefined; });
      return;
    }
    if (timedOut) return this.timeout(p);
    if (this.spec.waitBytes.includes('x') && s.pid === 0) this.after(p, EXIT_PROBE_MS);
  }

  private timeout(p: Pending): void {
    const { name, dir } = p.target;
    const prefix = this.spec.kill ? 'kill: ' : 'timeout: ';
    const probe = probeService(dir);
    let errors = 0;
    if (probe.kind === 'ok') {
      this.spec.output.out(prefix + statusLine(name, probe.status, downFileExists(dir), Date.now()));
      errors++;
    } else {
      const m = failureMessage(name, probe, this.spec.exitCommand);
      this.spec.output.out(prefix + m.line);
      if (m.countsAsError) errors++;
    }
    if (this.spec.kill) errors += this.sendKill(p);
    this.finish(p, errors);
  }

  // sv's control("k") after a force-* timeout.
  private sendKill(p: Pending): number {
    const { name, dir } = p.target;
    const probe = probeService(dir);
    const r = probe.kind === 'ok' ? sendControl(dir, 'k') : probe;
    if (r.kind === 'sent') return 0;
    const m = failureMessage(name, r, this.spec.exitCommand);
    this.spec.output.out(m.line);
    return m.countsAsError ? 1 : 0;
  }

  private finish(p: Pending, errors: number): void {
    if (p.done) return;
    p.done = true;
    this.rc += errors;
    p.watcher?.close();
    for (const t of p.timers) clearTimeout(t);
    p.timers.clear();
    if (--this.left === 0) {
      if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
      this.resolveAll(this.rc);
    }
  }
}
