// The thin effects layer around one state machine (a service's ./run and ./finish, or its log):
// it feeds events to the pure `step`, carries out the effects in order (spawn, signal, status,
// timers, overrides) and keeps control bytes strictly in arrival order while an override runs.
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log/logger.js';
import { RECENT_STARTS } from '../protocol/svinit-json.js';
import type { ServiceRecord } from '../protocol/status-file.js';
import { kill, killpg } from '../native/native.js';
import { decodeStatus, describeStatus } from '../process/exit-status.js';
import { SignalBatch } from '../process/signal-batch.js';
import { SIG, signalName } from '../process/signals.js';
import type { StdioSlot } from '../process/spawn.js';
import { stampFromMicros } from './stamp.js';
import { hasFinish, overrideUsable } from '../service/service-dir.js';
import { readServiceConfig, type ServiceConfig } from '../service/service-config.js';
import { applyEnv, readEnvDir } from '../service/env-dir.js';
import { credentialsFor, serviceUser, type Credentials } from '../service/user.js';
import { join } from 'node:path';
import { snapshot } from './fsm-actions.js';
import { initialState, isControlChar, kick, overrideFor, step } from './fsm.js';
import type { Effect, ServiceState, StatusSnapshot, StepContext, StepResult, SvEvent, TimerName } from './fsm-types.js';
import { OVERRIDE_TIMEOUT_MS, runOverride, type ChildRunner } from './override.js';
import type { SuperviseDir } from './supervise-dir.js';
import type { ReadyFacts, ReadySink, ReadyWatch, ReadyWatcher } from './readiness.js';

/** Everything a unit needs from its service. */
export interface UnitSpec {
  /** "web", or "web/log" for a log service. */
  readonly name: string;
  /** The directory ./run runs in: the service directory, or its log/. */
  readonly dir: string;
  readonly isLog: boolean;
  readonly env: Readonly<Record<string, string>>;
  /** The child's fds 0-2 for ./run, ./finish and control/ scripts. */
  readonly stdio: readonly StdioSlot[];
  readonly runner: ChildRunner;
  readonly log: Logger;
  readonly supervise: SuperviseDir | null;
  /** Called after the status files were written (at most once per turn of the event loop). */
  readonly onChange: (unit: Unit) => void;
  /** Called once when supervision of this unit ends (want exit and down). */
  readonly onDone: (unit: Unit) => void;
  /** Called when the service failed for good (gave up, cannot start, or ended after sv once). */
  readonly onFailed: (unit: Unit, status: number, reason: string) => void;
  /** ms a control/ script may still run: the time left in the grace while stopping, else Infinity. */
  readonly timeLeft: () => number;
  /** Whether the container is stopping (the shutdown reached this unit's service). */
  readonly containerStopping: () => boolean;
  /** How ./run says it is ready (src/ready/); without one it is ready once started. */
  readonly readiness?: ReadyWatcher;
  /** Called when the unit's readiness changed (on the next turn; the engine's dependencies wait on it). */
  readonly onReady?: (unit: Unit) => void;
}

/** This unit's part of a stop (the shutdown, or the removal of its directory): what the report says. */
export interface UnitStop {
  /** The down signal sent to ./run ("SIGTERM"; "EOF" for a log), or null when none was sent. */
  readonly signal: string | null;
  /** Whether a child of this unit was running when the stop began (./run or ./finish). */
  readonly running: boolean;
  /** Whether a SIGKILL had to be sent to this unit since the stop began. */
  killed: boolean;
}

/** What a child of this unit starts with: its environment and whom it runs as. */
export interface ChildSetup {
  readonly env: Readonly<Record<string, string>>;
  readonly creds: Credentials | null;
}

/** The code a spawn that the service's own settings forbid fails with (its `user`). */
export const ERR_SERVICE_USER = 'ERR_SERVICE_USER';

export function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

type Task = () => Promise<void> | void;


/**
 * Control bytes a unit holds while it works through them. A byte equal to the one queued last
 * (and not yet handled) is the same command again and joins it; beyond this many, bytes are
 * dropped with one warning per flood (docs/reliability.md).
 */
export const CONTROL_QUEUE_LIMIT = 64;

/** A flood ends after this long without a dropped byte; the next one is warned about again. */
const FLOOD_QUIET_MS = 1000;

/** Tasks a unit runs back to back before it lets the event loop turn (signals, timers, other services). */
export const TASKS_PER_TURN = 16;

/** Resolves on the next turn of the event loop, after its I/O and timers. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The machine's status as supervise/status records it. */
export function superviseRecord(s: StatusSnapshot): ServiceRecord {
  return { ...stampFromMicros(s.stampUs), pid: s.pid, paused: s.paused, want: s.want, gotTerm: s.gotTerm, state: s.state };
}

/** One supervised process slot, driven by the pure machine. */
export class Unit {
  state: ServiceState;
  /** Starts of ./run so far, and the last ./run exit as text. */
  starts = 0;
  lastExit: string | null = null;
  lastStatus: number | null = null;
  /** Set when the unit is told to stop for good; null while it is supervised as usual. */
  stop: UnitStop | null = null;
  /** SIGKILL was sent at the deadline: nothing of this unit may run any more. */
  private hurried = false;
  /** Supervision ended (the machine's done effect was carried out). */
  private ended = false;
  /** The pid of a running control/ script, 0 when none runs. */
  private scriptPid = 0;
  /** The status to write at the end of this turn of the event loop (writes are coalesced). */
  private pendingStatus: StatusSnapshot | null = null;
  private flushScheduled = false;
  private config: ServiceConfig | null = null;
  /** False once the service directory is gone: its supervise/ files are no longer written. */
  writable = true;
  private readonly timers = new Map<TimerName, NodeJS.Timeout>();
  private readonly tasks: Task[] = [];
  private busy = false;
  /** Control bytes queued and not yet started; the last of them, while it waits (it coalesces repeats). */
  private controlsQueued = 0;
  private lastControl: string | null = null;
  /** When a control byte was last dropped (performance.now()): a flood is over after FLOOD_QUIET_MS without one. */
  private lastDrop = -Infinity;
  /** The settings were read in this turn of the event loop: not read again before the next. */
  private settingsFresh = false;
  private reported = new Map<string, string>();
  /** When ./run last started (epoch ms), the latest RECENT_STARTS of them: `svinit status` tells a crash loop by them. */
  readonly recentStarts: number[] = [];
  /** When ./finish was last killed at its timeout-finish (epoch ms), or null. */
  finishTimedOutAt: number | null = null;
  /** The setting files rejected at the last read, one line each (empty when all were fine). */
  settingProblems: readonly string[] = [];
  /** Readiness as `svinit status` shows it. */
  readyFacts: ReadyFacts = { ready: false, readySince: null, notReadyReason: 'not started yet', notifyStatus: null, stopping: false };
  /** The readiness watch of the current ./run, if any. */
  private watch: ReadyWatch | null = null;
  /** Not started until its dependencies are ready (engine's release()); the reason is shown meanwhile. */
  private held = false;

  constructor(readonly spec: UnitSpec, readonly downFile: boolean) {
    this.state = initialState({ isLog: spec.isLog, downFile, nowUs: nowMicros() });
  }

  /**
   * Starts ./run unless want is down; the status files follow once this turn's spawns are done.
   * With `holdReason`, ./run waits for release() (its dependencies), showing the reason meanwhile.
   */
  start(holdReason?: string): void {
    this.writeStatus(snapshot(this.state));
    if (holdReason !== undefined) {
      this.held = true;
      this.setReady({ notReadyReason: holdReason });
      return;
    }
    this.apply(kick(this.state, this.context(false)));
  }

  /** Whether ./run still waits for release(). */
  get waiting(): boolean {
    return this.held;
  }

  /** Why a held unit is still waiting (its dependencies), as `svinit status` shows it. */
  holdReason(reason: string): void {
    if (this.held && this.readyFacts.notReadyReason !== reason) this.setReady({ notReadyReason: reason });
  }

  /** Its dependencies are ready: start ./run (unless want is down, or it is stopping). */
  release(): void {
    if (!this.held) return;
    this.held = false;
    if (this.stop !== null || this.state.shutdown) return;
    this.setReady({ notReadyReason: 'starting' });
    this.apply(kick(this.state, this.context(false)));
  }

  /** svinit is shutting down: report not ready from now on (load balancers stop routing). */
  announceStop(): void {
    if (this.readyFacts.stopping) return;
    this.setReady({ ready: false, readySince: null, notReadyReason: 'svinit is stopping', stopping: true });
  }

  /** Changes the readiness facts and tells the service (svinit.json) and the engine. */
  private setReady(patch: Partial<ReadyFacts>): void {
    const next = { ...this.readyFacts, ...patch };
    // Once svinit stops, nothing makes a unit ready again.
    if (next.stopping) next.ready = false;
    const changed = next.ready !== this.readyFacts.ready;
    this.readyFacts = next;
    // The engine hears it first (its dependents start), the files are written after that. In a
    // microtask: once the step or I/O callback that got here has returned (never inside a step of
    // this unit), and before the event loop moves on (a setImmediate cost a millisecond here).
    if (changed && this.spec.onReady !== undefined) {
      const onReady = this.spec.onReady;
      queueMicrotask(() => onReady(this));
    }
    this.scheduleFlush();
  }

  /** The sink the current ./run's readiness watch reports to; reports of an older ./run are dropped. */
  private sinkFor(token: object): ReadySink {
    const live = (): boolean => this.watchToken === token && this.state.pid !== 0;
    return {
      ready: (how) => {
        if (!live() || this.readyFacts.ready) return;
        this.spec.log.debug(`${this.spec.name}: ready (${how})`);
        this.setReady({ ready: true, readySince: Date.now(), notReadyReason: null });
      },
      failed: (reason) => { if (live()) this.feed({ type: 'notReady', reason }); },
      waiting: (reason) => { if (live() && !this.readyFacts.ready) this.setReady({ notReadyReason: reason }); },
      status: (text) => { if (this.watchToken === token) this.setReady({ notifyStatus: text }); },
      stopping: () => { if (live()) this.setReady({ ready: false, readySince: null, notReadyReason: 'the service said STOPPING=1' }); },
    };
  }

  private watchToken: object | null = null;

  /** The readiness watch for a new ./run (a log service, or no dialect: ready once started). */
  private newWatch(): ReadyWatch | null {
    this.watch?.end();
    this.watch = null;
    const token = {};
    this.watchToken = token;
    if (this.spec.isLog || this.spec.readiness === undefined) return null;
    this.watch = this.spec.readiness(this.sinkFor(token));
    return this.watch;
  }

  /** ./run ended (or never started): not ready, nothing watched. */
  private endWatch(): void {
    this.watch?.end();
    this.watch = null;
    this.watchToken = null;
    if (this.readyFacts.ready || !this.readyFacts.stopping) {
      this.setReady({ ready: false, readySince: null, notReadyReason: this.readyFacts.stopping ? 'svinit is stopping' : 'down' });
    }
  }

  /** Queues one control byte; bytes are handled one at a time, in order (repeats coalesce, a flood is cut). */
  control(c: string): void {
    // A byte that is no command is ignored, as runsv ignores it: it takes no place in the queue.
    if (!isControlChar(c) || c === this.lastControl) return;
    if (this.controlsQueued >= CONTROL_QUEUE_LIMIT) {
      const now = performance.now();
      if (now - this.lastDrop > FLOOD_QUIET_MS) {
        this.spec.log.warning(`${this.spec.name}: more than ${CONTROL_QUEUE_LIMIT} commands pending on supervise/control; ` +
          'dropping the rest of this flood (sv writes one byte per command; find what writes to the FIFO)');
      }
      this.lastDrop = now;
      return;
    }
    this.controlsQueued++;
    this.enqueue(async () => {
      // FIFO order: once the count is back to 0, this was the last byte queued.
      if (--this.controlsQueued === 0) this.lastControl = null;
      const script = this.spec.isLog ? null : overrideFor(this.state, c);
      const usable = script !== null && overrideUsable(this.spec.dir, script);
      // runsv writes the new want before it runs control/t for d or x, so sv shows "want down"
      // even while a slow control/t runs; the machine's step then writes the final state.
      if (usable && (c === 'd' || c === 'x')) this.writeStatus({ ...snapshot(this.state), want: c === 'd' ? 'down' : 'exit' });
      const handled = usable ? await this.override(script) : false;
      this.feed({ type: 'control', c, handled });
      // An operator's command is on disk before the next byte, as runsv does it (sv reads the
      // status right after it writes its byte); coalescing is for bursts of spawns and signals.
      this.flush();
    }, c);
  }

  /**
   * Brings this unit down for good (its down signal, CONT, control/x), from the settings it
   * last read. When nothing is in flight and no control/t is due, the machine steps at once and
   * its signals go into `batch` (sent by the caller, with every other unit's, in one native call;
   * without a batch, sent now); the returned function carries out the rest (status files,
   * scripts), so that a caller stopping many units sends every signal before it writes any file.
   * Otherwise the stop is queued behind the operator's command or script in flight, and the
   * function does nothing.
   */
  shutdown(batch?: SignalBatch): () => void {
    if (this.stop === null) {
      const running = this.state.pid !== 0;
      // A log stops on EOF, once its service is gone; a ./finish that runs gets no signal.
      const signal = !running ? null : this.spec.isLog ? 'EOF' : this.state.state === 'run' ? signalName(this.settings().downSignal) : null;
      this.stop = { signal, running, killed: false };
    }
    if (this.busy || this.tasks.length > 0 || this.stopScript() !== null) {
      this.enqueue(async () => {
        // Asked again: the state may have changed while the queue ran.
        const script = this.stopScript();
        this.feed({ type: 'shutdown', handled: script !== null && await this.override(script) });
      });
      return () => undefined;
    }
    const result = step(this.state, { type: 'shutdown', handled: false }, this.context(false));
    this.state = result.state;
    const signals = batch ?? new SignalBatch();
    for (const e of result.effects) {
      if (e.type !== 'signal') continue;
      if (e.sig === SIG.KILL && this.stop !== null) this.stop.killed = true;
      signals.add(e.pid, e.sig, e.target === 'group');
    }
    if (batch === undefined) signals.send();
    return () => this.settle({ state: this.state, effects: result.effects.filter((e) => e.type !== 'signal') });
  }

  /** The control/ script a stop for good must run first (control/t in state run), if usable. */
  private stopScript(): string | null {
    const script = this.spec.isLog ? null : overrideFor(this.state, 'x');
    return script !== null && overrideUsable(this.spec.dir, script) ? script : null;
  }

  /**
   * SIGKILL to the process group of the live child and of a running control/ script (the
   * deadline, a second stop signal, a failure); from now on nothing of this unit starts again.
   */
  killNow(): void {
    this.hurried = true;
    let sent = false;
    for (const pid of [this.state.pid, this.scriptPid]) if (pid !== 0 && killpg(pid, SIG.KILL)) sent = true;
    if (sent && this.stop !== null) this.stop.killed = true;
  }

  /** Feeds one event and carries out its effects. */
  feed(ev: SvEvent): void {
    if (ev.type === 'timer' && ev.name === 'finish' && this.state.state === 'finish' && this.state.finishArmed && this.state.pid !== 0) {
      this.finishTimedOutAt = Date.now();
    }
    this.apply(step(this.state, ev, this.context(ev.type === 'control' || ev.type === 'spawned')));
  }

  /**
   * The service's s6-style settings. They are read again when the operator acts (a control byte;
   * the service reads them just before its shutdown) and when a child starts, not on every exit or
   * timer: a shutdown of many services then costs no file reads per exit.
   */
  settings(reread = false): ServiceConfig {
    // At most one read per turn of the event loop, however many bytes or spawns that turn has.
    if ((reread && !this.settingsFresh) || this.config === null) {
      this.settingsFresh = true;
      setImmediate(() => { this.settingsFresh = false; });
      const { config, problems } = readServiceConfig(this.spec.dir, this.spec.isLog);
      for (const p of problems) this.report(p.file, p.message);
      this.settingProblems = problems.map((p) => p.message);
      this.config = config;
    }
    return this.config;
  }

  /** The step's context; ./finish is probed only if the machine asks. */
  private context(reread: boolean): StepContext {
    const { dir, isLog } = this.spec;
    // After the deadline no ./finish is started: there is no time left for it.
    const hurried = this.hurried;
    return {
      nowUs: nowMicros(),
      get hasFinish() {
        return !isLog && !hurried && hasFinish(dir);
      },
      config: this.settings(reread),
    };
  }

  private apply(result: StepResult): void {
    this.state = result.state;
    this.settle(result);
  }

  /** Carries out a step's effects in order. */
  private settle(result: StepResult): void {
    for (const effect of result.effects) this.perform(effect);
    this.scheduleFlush();
  }

  private perform(e: Effect): void {
    switch (e.type) {
      case 'spawn':
        if (e.what === 'run' && e.controlU && !this.spec.isLog && overrideUsable(this.spec.dir, 'u')) {
          // control/u runs to completion before ./run starts (runit); nothing else is fed meanwhile.
          this.tasks.unshift(async () => {
            await this.override('u');
            this.spawn(['./run']);
          });
          this.pump();
        } else {
          this.spawn(e.what === 'run' ? ['./run'] : ['./finish', ...e.args]);
        }
        return;
      case 'signal':
        // A SIGKILL counts against the stop only if it was sent during it (timeout-kill, timeout-finish).
        if (e.sig === SIG.KILL && this.stop !== null) this.stop.killed = true;
        if (e.target === 'group') killpg(e.pid, e.sig);
        else kill(e.pid, e.sig);
        return;
      case 'writeStatus':
        this.writeStatus(e.status);
        return;
      case 'armTimer':
        this.clearTimer(e.name);
        this.timers.set(e.name, setTimeout(() => {
          this.timers.delete(e.name);
          this.feed({ type: 'timer', name: e.name });
        }, e.ms));
        return;
      case 'cancelTimer':
        this.clearTimer(e.name);
        return;
      case 'runOverride':
        if (!overrideUsable(this.spec.dir, e.script)) return;
        this.tasks.unshift(async () => {
          await this.override(e.script);
        });
        this.pump();
        return;
      case 'log':
        this.spec.log[e.level](`${this.spec.name}: ${e.message}`);
        return;
      case 'failed':
        this.spec.onFailed(this, e.status, e.reason);
        return;
      case 'done':
        for (const name of [...this.timers.keys()]) this.clearTimer(name);
        if (this.ended) return;
        this.ended = true;
        // The last status is on disk before supervision ends (the service may be closed next). Not
        // while the container stops: svinit exits the moment the last process is gone, and the
        // files still pending then are not written (once svinit is gone, sv says "runsv not
        // running" whatever they hold); until then they are written in the background.
        if (!this.spec.containerStopping()) this.flush();
        this.spec.onDone(this);
        return;
    }
  }

  /**
   * The environment and the user of a child, read now (each spawn): the unit's base environment,
   * HOME, USER and LOGNAME of its `user`, then its own env/ directory (chpst -e's rules). A bad
   * env/ entry is reported once per change and the rest applied; an unusable `user` is the reason
   * the child cannot start.
   */
  private childSetup(): ChildSetup | { unusable: string } {
    const { dir } = this.spec;
    const who = serviceUser(dir);
    if (who !== null && 'error' in who) return { unusable: who.error };
    const creds = who === null ? null : credentialsFor(who, dir);
    if (creds !== null && 'error' in creds) return { unusable: creds.error };
    const envDir = readEnvDir(join(dir, 'env'));
    const seen = new Set<string>();
    for (const p of envDir.problems) {
      seen.add(`env:${p.file}`);
      this.report(`env:${p.file}`, `${this.spec.name}: ${p.message}`);
    }
    // A problem that went away is reported again if it comes back.
    for (const key of this.reported.keys()) if (key.startsWith('env:') && !seen.has(key)) this.reported.delete(key);
    const base = who === null ? this.spec.env : { ...this.spec.env, ...who.env };
    return { env: applyEnv(base, envDir.changes), creds };
  }

  private spawn(argv: string[]): void {
    const isRun = argv[0] === './run';
    const setup = this.childSetup();
    if ('unusable' in setup) {
      // ./run: the machine says it once and the service stays down; ./finish counts as exiting 111.
      if (!isRun) this.report('user', `${this.spec.name}: ${setup.unusable}`);
      this.feed({ type: 'spawnFailed', code: ERR_SERVICE_USER, errno: 22, unusable: setup.unusable });
      return;
    }
    if (isRun) this.reported.delete('user');
    const { creds } = setup;
    // Started by the operator (sv up) while it waited for its dependencies: it waits no more.
    if (isRun) this.held = false;
    const watch = isRun ? this.newWatch() : null;
    const env = watch === null ? setup.env : { ...setup.env, ...watch.env };
    try {
      const pid = this.spec.runner.spawn(
        {
          file: argv[0] ?? './run', argv, env, cwd: this.spec.dir, stdio: this.spec.stdio, session: true, ...(creds ?? {}),
          ...(watch === null || watch.extraFds.length === 0 ? {} : { extraFds: watch.extraFds }),
        },
        (status) => this.exited(isRun, status),
      );
      if (isRun) {
        this.starts++;
        this.recentStarts.push(Date.now());
        if (this.recentStarts.length > RECENT_STARTS) this.recentStarts.shift();
      }
      // Started after the deadline (a control/u that ran on): it is killed at once.
      if (this.hurried) killpg(pid, SIG.KILL);
      this.feed({ type: 'spawned', pid });
      if (isRun) this.startWatch(watch);
    } catch (err) {
      if (isRun) this.endWatch();
      const e = err as { code?: string; errno?: number; message: string };
      this.spec.log.debug(`${this.spec.name}: ${e.message}`);
      this.feed({ type: 'spawnFailed', code: e.code ?? 'EIO', errno: e.errno ?? 5 });
    }
  }

  /** ./run runs: the dialect starts watching it, or (none) it is ready now. */
  private startWatch(watch: ReadyWatch | null): void {
    const pid = this.state.pid;
    if (pid === 0) return;
    if (watch !== null) {
      this.setReady({ notReadyReason: 'started, not ready yet' });
      watch.started(pid);
    } else {
      // A log service, or a service without a dialect: ready once up, as runit means it.
      this.setReady({ ready: true, readySince: Date.now(), notReadyReason: null });
    }
  }

  private exited(isRun: boolean, status: number): void {
    if (isRun) this.endWatch();
    if (isRun) {
      this.lastStatus = status;
      this.lastExit = describeStatus(decodeStatus(status));
      this.spec.log.debug(`${this.spec.name}: ./run ${this.lastExit}`);
    }
    this.feed({ type: 'exited', status });
  }

  /** Runs control/<script>, bounded by its own limit and by the time left in the grace. */
  private async override(script: string): Promise<boolean> {
    if (this.hurried) return false;
    // A script may read supervise/ (runsv writes the status before it runs one).
    this.flush();
    const stdout = this.spec.stdio[1];
    const setup = this.childSetup();
    if ('unusable' in setup) {
      this.report('user', `${this.spec.name}: unable to run control/${script}: ${setup.unusable}`);
      return false;
    }
    const handled = await runOverride(
      {
        name: this.spec.name, dir: this.spec.dir, env: setup.env, creds: setup.creds, stdout: typeof stdout === 'number' ? stdout : null,
        runner: this.spec.runner, log: this.spec.log,
        limitMs: Math.min(OVERRIDE_TIMEOUT_MS, this.spec.timeLeft()),
        onSpawn: (pid) => { this.scriptPid = pid; },
      },
      script,
    );
    this.scriptPid = 0;
    return handled;
  }

  /** Records the status to write; the files are written once, at the end of this turn. */
  private writeStatus(status: StatusSnapshot): void {
    if (!this.writable || this.spec.supervise === null) return;
    this.pendingStatus = status;
    this.scheduleFlush();
  }

  /**
   * Many steps in one turn (a start-up of 100 services, a shutdown) write each file once, after
   * every spawn and signal of that turn: the expensive part of supervise/ comes last.
   */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Writes the pending status now (pid, stat, status), then tells the service (svinit.json). */
  private flush(): void {
    this.flushScheduled = false;
    const s = this.pendingStatus;
    this.pendingStatus = null;
    if (s !== null && this.writable) this.spec.supervise?.writer.write(superviseRecord(s));
    this.spec.onChange(this);
  }

  private clearTimer(name: TimerName): void {
    const t = this.timers.get(name);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(name);
  }

  /** Queues a task; `control` names the control byte it handles (a later repeat of it coalesces). */
  private enqueue(task: Task, control: string | null = null): void {
    this.tasks.push(task);
    this.lastControl = control;
    this.pump();
  }

  /**
   * Runs the queued tasks in order. A task that does not wait for a child resolves in a microtask,
   * which runs before the event loop moves on: every TASKS_PER_TURN tasks, the loop gets a turn.
   */
  private pump(): void {
    if (this.busy) return;
    this.busy = true;
    void (async () => {
      let run = 0;
      while (this.tasks.length > 0) {
        if (++run > TASKS_PER_TURN) {
          run = 0;
          await nextTurn();
          continue;
        }
        const task = this.tasks.shift() as Task;
        try {
          await task();
        } catch (err) {
          this.spec.log.error(`${this.spec.name}: internal error: ${(err as Error).stack ?? String(err)}`);
        }
      }
      this.busy = false;
    })();
  }

  /** Logs a configuration problem once per change of its text. */
  private report(key: string, message: string): void {
    if (this.reported.get(key) === message) return;
    this.reported.set(key, message);
    this.spec.log.warning(message);
  }
}

