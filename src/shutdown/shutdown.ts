// The one owner of a shutdown: the grace deadline, the escalation, the stop records, the report
// and the exit code. The engine brings the services down and reports each unit once; this module
// alone decides when to SIGKILL (the deadline, a second stop signal, a failure), sweeps the strays
// and says how it ended. Named phases: stopping (services going down) -> sweeping (strays) -> done;
// `killing` is set from the deadline on; the failure path can end any phase.
import { performance } from 'node:perf_hooks';
import type { MainCommand } from '../command/main-command.js';
import type { CriticalFailure, Engine } from '../engine/engine.js';
import { decodeStatus, shellCode } from '../process/exit-status.js';
import type { Logger } from '../log/logger.js';
import { EXIT_CLEAN, EXIT_INTERNAL, EXIT_KILLED } from '../process/exit-codes.js';
import type { Reaper } from '../process/reaper.js';
import type { StopContext, StopRecord } from '../process/stop-record.js';
import type { ShutdownHooks } from '../lifecycle/lifecycle.js';
import { formatReportJson, formatReportText, type ShutdownReport } from './report.js';
import { killStrays, sweepStrays, type StrayCount } from './strays.js';

/** What a shutdown is made of. */
export interface ShutdownParts {
  readonly engine: Engine;
  readonly reaper: Reaper;
  readonly log: Logger;
  /** The whole budget, from the stop signal to SIGKILL of whatever is left. */
  readonly graceMs: number;
  /** false (--no-reap): no stray sweep. */
  readonly reap: boolean;
  readonly isPid1: boolean;
  readonly report: { readonly format: 'text' | 'json'; readonly quiet: boolean; readonly write: (line: string) => void };
  /** Test-only (SVINIT_TEST_FAULT=shutdown): throw from inside the shutdown, to prove the failure path. */
  readonly injectFault?: boolean;
  /**
   * Command mode: CMD stops first (the init forwarded the stop signal to it), then the services,
   * all inside the one grace; svinit exits with CMD's status. As a subreaper, what survives of
   * CMD's group is not waited for (dumb-init's rule); as PID 1 the stray sweep takes it.
   */
  readonly command?: MainCommand;
  /**
   * The life cycle: start-up hooks still running are stopped first (SIGTERM, SIGKILL at the
   * deadline); the finish hooks run once the services and CMD are down, inside the grace.
   */
  readonly lifecycle?: ShutdownHooks;
  /** A critical service failed for good and started this shutdown: svinit exits with its status. */
  readonly critical?: CriticalFailure;
  /**
   * --drain: ms to wait, inside the grace, between reporting not ready and the first stop signal
   * to a service (load balancers stop routing first). Cut short by the deadline or a second signal.
   */
  readonly drainMs?: number;
}

export type Phase = 'stopping' | 'sweeping' | 'done';

/** One shutdown, from the stop signal to the exit code. */
export class Shutdown {
  readonly t0 = performance.now();
  readonly deadline: number;
  #phase: Phase = 'stopping';
  #killing = false;
  #failed = false;
  #timer: NodeJS.Timeout | null = null;
  #signalledMs: number | null = null;
  /** Ends the --drain wait early (the deadline, a second signal, the failure path). */
  #endDrain: (() => void) | null = null;
  readonly #records = new Map<object | string, StopRecord>();
  #finish: ((code: number) => void) | null = null;
  /** When it ended (performance.now()), and the strays it SIGKILLed; null while it runs. */
  #ended: { at: number; strayKills: number } | null = null;

  constructor(private readonly parts: ShutdownParts, readonly trigger: string) {
    this.deadline = this.t0 + parts.graceMs;
  }

  get phase(): Phase {
    return this.#phase;
  }

  /** The shutdown so far (the probes' metrics): how long it has run, or took, and how many it SIGKILLed. */
  progress(): { readonly ms: number; readonly kills: number } {
    let kills = this.#ended?.strayKills ?? 0;
    for (const r of this.#records.values()) if (r.killed) kills++;
    return { ms: Math.round((this.#ended?.at ?? performance.now()) - this.t0), kills };
  }

  /**
   * Runs the shutdown; resolves with the exit code once everything is gone and the report is out.
   * `internal()` is read at the end: an internal error seen at any time before then makes it 101.
   */
  run(internal: () => boolean): Promise<number> {
    const { log, graceMs } = this.parts;
    return new Promise((resolve) => {
      this.#finish = resolve;
      // The engine sends every down signal in #stopAll's first, synchronous step: before this
      // line, the timer and anything else. Right after its wake-up svinit has the CPU to itself
      // for a moment (the scheduler lets it run to parity before a woken service preempts it);
      // whatever it does first makes the fan-out race the services it wakes.
      this.#stopAll().then(
        (strays) => this.#end(strays, internal()),
        (err: unknown) => this.fail(err),
      );
      log.info(`${this.trigger}: stopping every service (grace ${graceMs} ms)`);
      this.#timer = setTimeout(() => this.#escalate('the grace deadline'), Math.max(0, this.deadline - performance.now()));
    });
  }

  /** A second stop signal: SIGKILL to everything now. */
  hurry(signal: string): void {
    if (this.#phase === 'done' || this.#killing) return;
    this.parts.log.warning(`${signal} again during the shutdown: SIGKILL to everything still running`);
    this.#escalate(signal);
  }

  /**
   * The failure path: an error during the shutdown. Logged once at fatal level; everything still
   * running gets SIGKILL; the shutdown ends with exit 101 inside the grace, whatever the engine does.
   */
  fail(err: unknown): void {
    if (this.#phase === 'done') return;
    if (!this.#failed) {
      this.#failed = true;
      this.parts.log.fatal(`internal error during the shutdown: ${(err as Error).stack ?? String(err)}; SIGKILL to everything`);
    }
    this.#killing = true;
    this.#guard(() => this.#killAll());
    const { command } = this.parts;
    killStrays({
      isPid1: this.parts.isPid1, reaper: this.parts.reaper, deadline: this.deadline,
      ...(command !== undefined && !this.parts.isPid1 ? { spared: (pid: number) => command.owns(pid) } : {}),
    }).then(
      (killed) => this.#end({ termed: 0, killed }, true),
      () => this.#end({ termed: 0, killed: 0 }, true),
    );
  }

  async #stopAll(): Promise<StrayCount> {
    const { engine, reap } = this.parts;
    const ctx: StopContext = {
      t0: this.t0,
      timeLeft: () => Math.max(0, this.deadline - performance.now()),
      record: (unit, record) => this.#record(unit, record),
      signalled: () => {
        this.#signalledMs ??= Math.round((performance.now() - this.t0) * 100) / 100;
        this.parts.log.debug(`every service had its down signal ${this.#signalledMs} ms after the stop signal`);
      },
    };
    const { command, lifecycle } = this.parts;
    const drainMs = Math.min(this.parts.drainMs ?? 0, ctx.timeLeft());
    // Not ready from the first moment. Without a drain, in service mode, the engine says so itself
    // right after its first signals: here it would delay them by a file write per service.
    if (drainMs > 0 || command !== undefined) engine.announceStop();
    if (drainMs > 0) {
      this.parts.log.info(`--drain: every service reports not ready; the first stop signal follows in ${Math.round(drainMs)} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, drainMs);
        this.#endDrain = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#endDrain = null;
      if (this.#over()) return { termed: 0, killed: 0 };
    }
    if (lifecycle !== undefined) {
      await lifecycle.stopStartup();
      if (this.#phase === 'done') return { termed: 0, killed: 0 };
    }
    if (command !== undefined) {
      await command.gone;
      if (this.#phase === 'done') return { termed: 0, killed: 0 };
    }
    const stopped = engine.stop(ctx);
    if (this.parts.injectFault === true) setImmediate(() => { throw new Error('SVINIT_TEST_FAULT: a fault injected during the shutdown'); });
    await stopped;
    if (this.#phase === 'done') return { termed: 0, killed: 0 };
    if (lifecycle !== undefined && !this.#killing) {
      await lifecycle.runFinish(ctx.timeLeft);
      if (this.#over()) return { termed: 0, killed: 0 };
    }
    this.#phase = 'sweeping';
    if (!reap) return { termed: 0, killed: 0 };
    return sweepStrays({
      isPid1: this.parts.isPid1,
      reaper: this.parts.reaper,
      log: this.parts.log,
      owned: () => engine.ownedPids(),
      deadline: this.deadline,
      killing: () => this.#killing,
      ...(command !== undefined && !this.parts.isPid1 ? { spared: (pid: number) => command.owns(pid) } : {}),
    });
  }

  /** Whether the shutdown has ended (the failure path can end it while a step is awaited). */
  #over(): boolean {
    return this.#phase === 'done';
  }

  #record(unit: object | string, record: StopRecord): void {
    if (this.#records.has(unit)) {
      this.parts.log.error(`${record.name}: reported twice to the shutdown; keeping the first record (a bug)`);
      return;
    }
    this.#records.set(unit, record);
  }

  /** The deadline or a second signal: the engine SIGKILLs its services; the sweep kills strays. */
  #escalate(why: string): void {
    if (this.#phase === 'done' || this.#killing) return;
    this.#killing = true;
    if (why === 'the grace deadline') this.parts.log.warning(`${why} (${this.parts.graceMs} ms) has passed: SIGKILL to everything still running`);
    this.#guard(() => this.#killAll());
  }

  /** SIGKILL to the main command's group and to everything the engine runs. */
  #killAll(): void {
    this.#endDrain?.();
    try {
      this.parts.lifecycle?.kill();
      this.parts.command?.kill();
    } finally {
      this.parts.engine.kill();
    }
  }

  /** Runs one step of the escalation; an error there takes the failure path. */
  #guard(step: () => void): void {
    try {
      step();
    } catch (err) {
      this.fail(err);
    }
  }

  #end(strays: StrayCount, internal: boolean): void {
    if (this.#phase === 'done') return;
    this.#phase = 'done';
    this.#ended = { at: performance.now(), strayKills: strays.killed };
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.parts.reaper.stop();
    // By code point, as runsvdir orders names: localeCompare's first call initializes ICU's
    // collator, 14 ms on this kind of machine, right when the container waits for svinit's exit.
    const services = [...this.#records.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const command = this.parts.command?.record() ?? null;
    const killed = this.#failed || services.some((s) => s.killed) || strays.killed > 0 || command?.killed === true ||
      this.parts.lifecycle?.killed === true;
    // Command mode: CMD's status, whatever else happened; then a critical service's status
    // (docs/exit-codes.md, first row that matches).
    const { critical } = this.parts;
    const criticalCode = critical === undefined ? null : shellCode(decodeStatus(critical.status));
    const exitCode = this.parts.command !== undefined ? this.parts.command.exitCode()
      : criticalCode !== null ? criticalCode
        : internal || this.#failed ? EXIT_INTERNAL : killed ? EXIT_KILLED : EXIT_CLEAN;
    const report: ShutdownReport = {
      trigger: this.trigger,
      graceMs: this.parts.graceMs,
      totalMs: Math.round(performance.now() - this.t0),
      signalledMs: this.#signalledMs,
      command,
      services,
      strays,
      failed: this.#failed,
      critical: critical === undefined || criticalCode === null ? null : { name: critical.name, reason: critical.reason, code: criticalCode },
      exitCode,
    };
    this.#print(report, killed);
    this.#finish?.(exitCode);
  }

  #print(report: ShutdownReport, killed: boolean): void {
    const { format, quiet, write } = this.parts.report;
    try {
      if (format === 'json') write(formatReportJson(report));
      else if (!quiet || killed || report.failed) for (const l of formatReportText(report)) write(l);
    } catch {
      // The report is best effort; the exit code still says how it ended.
    }
  }
}
