// One service directory under supervision: its ./run unit, its optional log/ unit, the pipe
// between them (held by svinit across restarts of either side, so no line is lost), the two
// supervise/ directories, and the service's part of a shutdown.
import { closeSync, existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log/logger.js';
import type { OutputRouter } from '../log/output.js';
import { pipeCloexec } from '../native/native.js';
import type { SignalBatch } from '../process/signal-batch.js';
import { hasDownFile, logKind } from '../service/service-dir.js';
import { writeExtra } from './extra-file.js';
import type { ChildRunner } from './override.js';
import type { StopContext, StopRecord } from '../process/stop-record.js';
import { SuperviseDir } from './supervise-dir.js';
import { Unit } from './unit.js';
import { unitInfo } from './unit-info.js';
import type { ServiceInfo } from '../protocol/status-model.js';
import type { ReadyWatcher } from './readiness.js';

/** How long a log service may take to drain the pipe and exit on EOF before it gets its down signal. */
export const LOG_DRAIN_MS = 1000;

/** Descriptors held per unit (./run, or log/) while supervised: supervise/lock, supervise/control, supervise/ok. */
export const FDS_PER_UNIT = 3;
/** Descriptors held per service with a log/: the log pipe's two ends. */
export const FDS_LOG_PIPE = 2;

/** Descriptors held per service whose output goes through svinit: two pipes, both ends. */
export const FDS_ROUTED = 4;

/** The descriptors a service holds for as long as it is supervised. */
export function serviceFds(hasLog: boolean, routed = false): number {
  return (hasLog ? 2 * FDS_PER_UNIT + FDS_LOG_PIPE : FDS_PER_UNIT) + (routed ? FDS_ROUTED : 0);
}

export interface ServiceDeps {
  readonly runner: ChildRunner;
  readonly log: Logger;
  readonly env: Readonly<Record<string, string>>;
  /** What a service's fd 0 is: svinit's own (runit's way), or /dev/null beside a main command on a terminal. */
  readonly stdin?: 'inherit' | 'null';
  /** Whether the service may take this many descriptors now; when not, it is not started (yet). */
  readonly admit?: (fds: number) => boolean;
  /** --log-prefix / --log-format json: the service's stdout and stderr go through svinit, line by line. */
  readonly output?: OutputRouter;
  /** The service (its ./run, not its log) failed for good: the engine decides whether that ends the container. */
  readonly onFailed?: (service: Service, status: number, reason: string) => void;
  /** How its ./run says it is ready (src/ready/); without one, ready once started. */
  readonly readiness?: ReadyWatcher;
  /** Its ./run waits for release() (its dependencies), showing this reason meanwhile. */
  readonly hold?: string;
  /** Its readiness changed. */
  readonly onReady?: (service: Service) => void;
}

/**
 * The directory a service entry leads to. runsv works in the directory it was started in (its
 * cwd), not through the entry: when the link is removed to disable the service (`rm
 * /etc/service/x`, runit's way), ./finish still runs and the last status is still written there.
 */
function realDir(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path; // gone already: the take-over fails on it with its own message
  }
}

/** A supervised service directory (runsv's job, without a process of its own). */
export class Service {
  readonly main: Unit;
  readonly logUnit: Unit | null;
  /** Resolves once every unit of this service has ended and its supervise/ is released. */
  readonly gone: Promise<void>;
  private readonly dirs: SuperviseDir[] = [];
  private pipe: [number, number] | null = null;
  /** With routed output: svinit's copies of the write ends of the service's stdout and stderr pipes. */
  private routed: [number, number] | null = null;
  /** The shutdown, once it reached this service; null while the container runs. */
  private ctx: StopContext | null = null;
  /** Units whose supervision has ended. */
  private readonly ended = new Set<Unit>();
  private drainTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private markGone: () => void = () => undefined;

  private constructor(readonly name: string, readonly dir: string, private readonly entry: string, private readonly deps: ServiceDeps,
    mainDir: SuperviseDir | null, logDir: SuperviseDir | null, hasLog: boolean) {
    this.gone = new Promise((resolve) => { this.markGone = resolve; });
    if (hasLog) this.pipe = pipeCloexec();
    if (deps.output !== undefined) {
      const out = pipeCloexec();
      const err = pipeCloexec();
      this.routed = [out[1], err[1]];
      deps.output.attach(name, out[0], err[0]);
    }
    const stdout = this.routed?.[0] ?? 'inherit';
    const stderr = this.routed?.[1] ?? 'inherit';
    const common = { env: deps.env, runner: deps.runner, log: deps.log,
      onChange: (u: Unit) => this.changed(u), onDone: (u: Unit) => this.unitDone(u),
      onFailed: (u: Unit, status: number, reason: string) => { if (!u.spec.isLog) deps.onFailed?.(this, status, reason); },
      timeLeft: () => this.ctx?.timeLeft() ?? Infinity, containerStopping: () => this.ctx !== null };
    const onReady = deps.onReady;
    this.main = new Unit({ ...common, name, dir, isLog: false, supervise: mainDir,
      stdio: [deps.stdin ?? 'inherit', this.pipe?.[1] ?? stdout, stderr],
      ...(deps.readiness === undefined ? {} : { readiness: deps.readiness }),
      ...(onReady === undefined ? {} : { onReady: () => onReady(this) }) }, hasDownFile(dir));
    this.logUnit = hasLog
      ? new Unit({ ...common, name: `${name}/log`, dir: join(dir, 'log'), isLog: true, supervise: logDir,
        // Its output is the service's, already in lines: under --log-prefix it is prefixed once, with the service's name.
        stdio: [this.pipe?.[0] ?? 'null', stdout, stderr] }, hasDownFile(join(dir, 'log')))
      : null;
    for (const d of [mainDir, logDir]) if (d !== null) this.dirs.push(d);
  }

  /**
   * Takes over `dir` and starts it; null when another supervisor holds it (it is left alone), when
   * its supervise/lock cannot be opened, or when its descriptors do not fit (`deps.admit`).
   */
  static start(name: string, path: string, deps: ServiceDeps): Service | null {
    const dir = realDir(path);
    const kind = logKind(dir);
    const hasLog = kind === 'dir';
    if (deps.admit !== undefined && !deps.admit(serviceFds(hasLog, deps.output !== undefined))) return null;
    if (kind === 'not-dir') deps.log.warning(`${name}: ./log is not a directory; running without a log service`);
    const mainDir = openDir(name, dir, deps.log);
    if (mainDir === 'skip') return null;
    let logDir: SuperviseDir | null = null;
    if (hasLog) {
      const d = openDir(`${name}/log`, join(dir, 'log'), deps.log);
      if (d === 'skip') {
        mainDir?.close();
        return null;
      }
      logDir = d;
    }
    const service = new Service(name, dir, path, deps, mainDir, logDir, hasLog);
    // As runsv: the log starts first, so that the service's first lines have a reader.
    service.logUnit?.start();
    service.main.start(deps.hold);
    // sv's way in (the FIFOs) comes once every ./run of this scan is spawned.
    setImmediate(() => service.listen(mainDir, logDir));
    return service;
  }

  private listen(mainDir: SuperviseDir | null, logDir: SuperviseDir | null): void {
    if (this.closed) return;
    const logUnit = this.logUnit;
    const problems = [
      mainDir?.listen((c) => this.main.control(c)),
      // runsv ignores 'x' on the log's control FIFO.
      logUnit === null ? null : logDir?.listen((c) => { if (c !== 'x') logUnit.control(c); }),
    ];
    problems.forEach((p, i) => {
      if (typeof p === 'string') this.deps.log.warning(unreachable(i === 0 ? this.name : `${this.name}/log`, p));
    });
  }

  /** The scanner saw the directory go: stop the service for good, as runsv does on SIGTERM. */
  remove(): void {
    // A deleted directory's supervise/ paths are gone with it; an unlinked one still has them.
    for (const unit of [this.main, this.logUnit]) if (unit !== null && !existsSync(unit.spec.dir)) unit.writable = false;
    if (!this.ended.has(this.main)) this.main.shutdown()();
  }

  /**
   * The shutdown reached this service: from now on each unit is reported to `ctx` as it ends
   * (those already ended, as not running). Sends ./run its down signal now and returns what is
   * left to do (status files, control/x); its signals go into `batch`, which the engine sends
   * for every service at once before it runs what is left.
   */
  shutdown(ctx: StopContext, batch: SignalBatch): () => void {
    this.ctx = ctx;
    for (const unit of this.ended) ctx.record(unit, { name: unit.spec.name, signal: null, ms: null, status: null, killed: false });
    // Already stopping (removed, or ended by sv exit): its log follows on EOF as before.
    return this.ended.has(this.main) || this.main.stop !== null ? () => undefined : this.main.shutdown(batch);
  }

  /** Whether its ./run is ready (in its own dialect). */
  get ready(): boolean {
    return this.main.readyFacts.ready;
  }

  /**
   * svinit is shutting down: not ready from now on, written at once (svinit.json is otherwise not
   * rewritten while the container stops), so that `svinit check --ready` fails during --drain.
   */
  announceStop(): void {
    this.main.announceStop();
    const d = this.main.spec.supervise;
    if (d !== null && this.main.writable) writeExtra(d.path, this.main, this.deps.log);
  }

  /** SIGKILL to whatever of this service still runs; nothing of it starts again. */
  kill(): void {
    this.main.killNow();
    this.logUnit?.killNow();
  }

  /** pids this service is responsible for. */
  pids(): number[] {
    return [this.main.state.pid, this.logUnit?.state.pid ?? 0].filter((p) => p !== 0);
  }

  /** The service and its log as the status model sees them now, from memory (--http). */
  snapshot(): ServiceInfo[] {
    const held = !this.closed;
    const main = unitInfo(this.name, this.entry, this.main, held);
    return this.logUnit === null ? [main] : [main, unitInfo(`${this.name}/log`, join(this.entry, 'log'), this.logUnit, held)];
  }

  private changed(unit: Unit): void {
    // svinit.json serves `svinit status` while svinit runs: not rewritten while the container stops.
    if (this.ctx !== null) return;
    if (unit.spec.supervise !== null && unit.writable) writeExtra(unit.spec.supervise.path, unit, this.deps.log);
  }

  /** What the shutdown hears of a unit that ended while it ran. */
  private recordOf(unit: Unit, ctx: StopContext): StopRecord {
    const stop = unit.stop;
    const name = unit.spec.name;
    if (stop === null || !stop.running) return { name, signal: null, ms: null, status: null, killed: stop?.killed ?? false };
    return { name, signal: stop.signal, ms: Math.round(performance.now() - ctx.t0), status: unit.lastExit, killed: stop.killed };
  }

  private unitDone(unit: Unit): void {
    this.ended.add(unit);
    if (this.ctx !== null) this.ctx.record(unit, this.recordOf(unit, this.ctx));
    const logUnit = this.logUnit;
    if (unit === this.main && logUnit !== null) {
      // As runsv: close our ends of the log pipe so that the logger reads EOF after the last line.
      this.closePipe();
      logUnit.shutdown()();
      if (!this.ended.has(logUnit)) this.drainTimer = setTimeout(() => logUnit.control('t'), LOG_DRAIN_MS);
      return;
    }
    if (this.ended.has(this.main) && (logUnit === null || this.ended.has(logUnit))) {
      if (this.drainTimer !== null) clearTimeout(this.drainTimer);
      if (this.ctx === null) {
        this.close();
        this.markGone();
        return;
      }
      // The container stops and svinit exits once the last service is gone: nothing of this one
      // delays that. Its supervise/ closes (sv then says it is not supervised, whatever the status
      // file holds), so its last status is not written; the close itself comes after this turn.
      for (const u of [this.main, logUnit]) if (u !== null) u.writable = false;
      this.markGone();
      setImmediate(() => this.close());
    }
  }

  private closePipe(): void {
    if (this.pipe === null) return;
    for (const fd of this.pipe) closeQuiet(fd);
    this.pipe = null;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closePipe();
    // The readers of its output then see the end of each pipe once no process of it holds one.
    if (this.routed !== null) for (const fd of this.routed) closeQuiet(fd);
    this.routed = null;
    for (const d of this.dirs) d.close();
  }
}

function openDir(name: string, dir: string, log: Logger): SuperviseDir | null | 'skip' {
  const d = SuperviseDir.lock(dir, log);
  if (d instanceof SuperviseDir) return d;
  if (d.kind === 'gone') {
    log.debug(`${name}: ${dir} vanished while it was being set up; not supervising it`);
    return 'skip';
  }
  if (d.kind === 'locked') {
    log.warning(`${name}: another supervisor holds ${join(dir, 'supervise/lock')}; leaving this service to it`);
    return 'skip';
  }
  if (d.kind === 'no-lock') {
    // As runsv, which exits 111 on it: the service is not supervised (runsvdir retries it every
    // rescan; svinit at the next scan: SIGHUP, or any change in the service directory).
    log.warning(`${name}: ${d.message}`);
    return 'skip';
  }
  log.warning(unreachable(name, d.message));
  return null;
}

function unreachable(name: string, why: string): string {
  return `${name}: ${why}; supervising it anyway, but sv cannot reach it (make supervise a symlink into a writable place such as /run)`;
}

function closeQuiet(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}
