// One service directory under supervision: its ./run unit, its optional log/ unit, the pipe
// between them (held by svinit across restarts of either side, so no line is lost), the two
// supervise/ directories, and the service's part of a shutdown.
import { closeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log/logger.js';
import { pipeCloexec } from '../native/native.js';
import { signalName } from '../process/signals.js';
import { hasDownFile, logKind } from '../service/service-dir.js';
import type { StopRecord } from './stop-record.js';
import { writeExtra } from './extra-file.js';
import type { ChildRunner } from './override.js';
import { SuperviseDir } from './supervise-dir.js';
import { Unit } from './unit.js';

/** How long a log service may take to drain the pipe and exit on EOF before it gets its down signal. */
export const LOG_DRAIN_MS = 1000;

export interface ServiceDeps {
  readonly runner: ChildRunner;
  readonly log: Logger;
  readonly env: Readonly<Record<string, string>>;
}

interface Stopping {
  readonly t0: number;
  /** The down signal sent to ./run, or null when it was not running. */
  readonly signal: string | null;
  /** Whether the log service was running when the main service was gone. */
  logRunning: boolean;
  readonly records: StopRecord[];
  resolve: (records: StopRecord[]) => void;
}

/** A supervised service directory (runsv's job, without a process of its own). */
export class Service {
  readonly main: Unit;
  readonly logUnit: Unit | null;
  private readonly dirs: SuperviseDir[] = [];
  private pipe: [number, number] | null = null;
  private stopping: Stopping | null = null;
  private drainTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** The deadline has passed: whatever starts now (a ./finish after the kill) is killed at once. */
  private hurried = false;

  private constructor(readonly name: string, readonly dir: string, private readonly deps: ServiceDeps,
    mainDir: SuperviseDir | null, logDir: SuperviseDir | null, hasLog: boolean) {
    if (hasLog) this.pipe = pipeCloexec();
    const common = { env: deps.env, runner: deps.runner, log: deps.log,
      onChange: (u: Unit) => this.changed(u), onDone: (u: Unit) => this.unitDone(u) };
    this.main = new Unit({ ...common, name, dir, isLog: false, supervise: mainDir,
      stdio: ['inherit', this.pipe?.[1] ?? 'inherit', 'inherit'] }, hasDownFile(dir));
    this.logUnit = hasLog
      ? new Unit({ ...common, name: `${name}/log`, dir: join(dir, 'log'), isLog: true, supervise: logDir,
        stdio: [this.pipe?.[0] ?? 'null', 'inherit', 'inherit'] }, hasDownFile(join(dir, 'log')))
      : null;
    for (const d of [mainDir, logDir]) if (d !== null) this.dirs.push(d);
    mainDir?.listen((c) => this.main.control(c));
    if (this.logUnit !== null) {
      const logUnit = this.logUnit;
      // runsv ignores 'x' on the log's control FIFO.
      logDir?.listen((c) => { if (c !== 'x') logUnit.control(c); });
    }
  }

  /** Takes over `dir` and starts it; null when another supervisor holds it (it is left alone). */
  static start(name: string, dir: string, deps: ServiceDeps): Service | null {
    const kind = logKind(dir);
    if (kind === 'not-dir') deps.log.warning(`${name}: ./log is not a directory; running without a log service`);
    const hasLog = kind === 'dir';
    const mainDir = openDir(name, dir, deps.log);
    if (mainDir === 'locked') return null;
    let logDir: SuperviseDir | null = null;
    if (hasLog) {
      const d = openDir(`${name}/log`, join(dir, 'log'), deps.log);
      if (d === 'locked') {
        mainDir?.close();
        return null;
      }
      logDir = d;
    }
    const service = new Service(name, dir, deps, mainDir, logDir, hasLog);
    // As runsv: the log starts first, so that the service's first lines have a reader.
    service.logUnit?.start();
    service.main.start();
    return service;
  }

  /** The scanner saw the directory go: stop the service for good, as runsv does on SIGTERM. */
  remove(): void {
    // The directory was deleted or renamed away: its supervise/ paths are gone with it.
    for (const unit of [this.main, this.logUnit]) if (unit !== null) unit.writable = false;
    void this.shutdown(Infinity);
  }

  /** Brings the service (then its log) down for good; resolves with one record per unit. */
  shutdown(deadline: number): Promise<StopRecord[]> {
    if (this.closed) {
      // Already ended by `sv exit`: nothing of it runs any more.
      const names = [this.main.spec.name, ...(this.logUnit === null ? [] : [this.logUnit.spec.name])];
      return Promise.resolve(names.map((name) => ({ name, signal: null, ms: null, status: null, killed: false })));
    }
    return new Promise((resolve) => {
      const stopping = this.stopping ?? this.beginStop(resolve);
      if (stopping.resolve !== resolve) stopping.resolve = chain(stopping.resolve, resolve);
      this.main.shutdown();
      if (deadline !== Infinity) {
        const timer = setTimeout(() => this.hurry(), Math.max(0, deadline - performance.now()));
        stopping.resolve = chain(() => clearTimeout(timer), stopping.resolve);
      }
    });
  }

  private beginStop(resolve: (records: StopRecord[]) => void): Stopping {
    const running = this.main.state.pid !== 0 && this.main.state.state === 'run';
    // Read once here, for the report and for the down signal the main unit is about to send.
    const config = this.main.settings(true);
    this.stopping = { t0: performance.now(), signal: running ? signalName(config.downSignal) : null, logRunning: false, records: [], resolve };
    return this.stopping;
  }

  /** SIGKILL to whatever of this service is still running. */
  hurry(): void {
    this.hurried = true;
    this.main.killNow();
    this.logUnit?.killNow();
  }

  /** pids this service is responsible for. */
  pids(): number[] {
    return [this.main.state.pid, this.logUnit?.state.pid ?? 0].filter((p) => p !== 0);
  }

  private changed(unit: Unit): void {
    if (this.hurried && unit.state.pid !== 0) unit.killNow();
    if (unit.spec.supervise !== null && unit.writable) writeExtra(unit.spec.supervise.path, unit, this.deps.log);
  }

  private unitDone(unit: Unit): void {
    // Done without a shutdown: `sv exit` (want exit, now down); runsv would exit here.
    const s = this.stopping ?? this.beginStop(() => undefined);
    const wasRunning = unit === this.main ? s.signal !== null : s.logRunning;
    s.records.push({
      name: unit.spec.name,
      signal: wasRunning ? (unit === this.main ? s.signal : 'EOF') : null,
      ms: wasRunning ? Math.round(performance.now() - s.t0) : null,
      status: wasRunning ? unit.lastExit : null,
      killed: unit.killed,
    });
    if (unit === this.main && this.logUnit !== null) {
      s.logRunning = this.logUnit.state.pid !== 0;
      // As runsv: close our ends of the log pipe so that the logger reads EOF after the last line.
      this.closePipe();
      this.logUnit.shutdown();
      if (this.logUnit.state.pid !== 0) {
        this.drainTimer = setTimeout(() => this.logUnit?.control('t'), LOG_DRAIN_MS);
      }
      return;
    }
    if (this.drainTimer !== null) clearTimeout(this.drainTimer);
    this.close();
    s.resolve(s.records);
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
    for (const d of this.dirs) d.close();
  }
}

function openDir(name: string, dir: string, log: Logger): SuperviseDir | null | 'locked' {
  const d = SuperviseDir.open(dir, log);
  if (d instanceof SuperviseDir) return d;
  if (d.kind === 'locked') {
    log.warning(`${name}: another supervisor holds ${join(dir, 'supervise/lock')}; leaving this service to it`);
    return 'locked';
  }
  log.warning(`${name}: ${d.message}; supervising it anyway, but sv cannot reach it (make supervise a symlink into a writable place such as /run)`);
  return null;
}

function chain<T>(a: (v: T) => void, b: (v: T) => void): (v: T) => void {
  return (v) => { a(v); b(v); };
}

function closeQuiet(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}
