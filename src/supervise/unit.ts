// The thin effects layer around one state machine (a service's ./run and ./finish, or its log):
// it feeds events to the pure `step`, carries out the effects in order (spawn, signal, status,
// timers, overrides) and keeps control bytes strictly in arrival order while an override runs.
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log/logger.js';
import { kill, killpg } from '../native/native.js';
import { decodeStatus, describeStatus } from '../process/exit-status.js';
import { SIG } from '../process/signals.js';
import type { StdioSlot } from '../process/spawn.js';
import { stampFromMicros } from './stamp.js';
import { hasFinish, overrideUsable } from '../service/service-dir.js';
import { readServiceConfig, type ServiceConfig } from '../service/service-config.js';
import { initialState, kick, overrideFor, step } from './fsm.js';
import type { Effect, ServiceState, StepContext, SvEvent, TimerName } from './fsm-types.js';
import { runOverride, type ChildRunner } from './override.js';
import type { SuperviseDir } from './supervise-dir.js';

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
  /** Called after every step that changed what `svinit status` shows. */
  readonly onChange: (unit: Unit) => void;
  /** Called once when supervision of this unit ends (want exit and down). */
  readonly onDone: (unit: Unit) => void;
}

export function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

type Task = () => Promise<void> | void;

/** One supervised process slot, driven by the pure machine. */
export class Unit {
  state: ServiceState;
  /** Starts of ./run so far, the last ./run exit as text, and whether svinit SIGKILLed it. */
  starts = 0;
  lastExit: string | null = null;
  lastStatus: number | null = null;
  killed = false;
  private config: ServiceConfig | null = null;
  /** False once the service directory is gone: its supervise/ files are no longer written. */
  writable = true;
  private readonly timers = new Map<TimerName, NodeJS.Timeout>();
  private readonly tasks: Task[] = [];
  private busy = false;
  private reported = new Map<string, string>();

  constructor(readonly spec: UnitSpec, downFile: boolean) {
    this.state = initialState({ isLog: spec.isLog, downFile, nowUs: nowMicros() });
  }

  /** Writes the initial status and starts ./run unless want is down. */
  start(): void {
    this.writeStatus();
    this.apply(kick(this.state, this.context(false)));
  }

  /** Queues one control byte; bytes are handled one at a time, in order. */
  control(c: string): void {
    this.enqueue(async () => {
      const script = this.spec.isLog ? null : overrideFor(this.state, c);
      const usable = script !== null && overrideUsable(this.spec.dir, script);
      // runsv writes the new want before it runs control/t for d or x, so sv shows "want down"
      // even while a slow control/t runs; the machine's step then writes the final state.
      if (usable && (c === 'd' || c === 'x')) this.writeStatus(c === 'd' ? 'down' : 'exit');
      const handled = usable ? await this.override(script) : false;
      this.feed({ type: 'control', c, handled });
    });
  }

  /** svinit is stopping: bring this unit down for good (its down signal, CONT, control/d). */
  shutdown(): void {
    this.enqueue(async () => {
      const script = this.spec.isLog ? null : overrideFor(this.state, 'x');
      const handled = script !== null && overrideUsable(this.spec.dir, script) ? await this.override(script) : false;
      this.feed({ type: 'shutdown', handled });
    });
  }

  /** SIGKILL to the process group of the live child, if any (the grace deadline). */
  killNow(): boolean {
    if (this.state.pid === 0) return false;
    this.killed = true;
    killpg(this.state.pid, SIG.KILL);
    return true;
  }

  /** Feeds one event and carries out its effects. */
  feed(ev: SvEvent): void {
    this.apply(step(this.state, ev, this.context(ev.type === 'control' || ev.type === 'spawned')));
  }

  /**
   * The service's s6-style settings. They are read again when the operator acts (a control byte;
   * the service reads them just before its shutdown) and when a child starts, not on every exit or
   * timer: a shutdown of many services then costs no file reads per exit.
   */
  settings(reread = false): ServiceConfig {
    if (reread || this.config === null) {
      const { config, problems } = readServiceConfig(this.spec.dir, this.spec.isLog);
      for (const p of problems) this.report(p.file, p.message);
      this.config = config;
    }
    return this.config;
  }

  /** The step's context; ./finish is probed only if the machine asks. */
  private context(reread: boolean): StepContext {
    const { dir, isLog } = this.spec;
    return {
      nowUs: nowMicros(),
      get hasFinish() {
        return !isLog && hasFinish(dir);
      },
      config: this.settings(reread),
    };
  }

  private apply(result: { state: ServiceState; effects: readonly Effect[] }): void {
    this.state = result.state;
    for (const effect of result.effects) this.perform(effect);
    this.spec.onChange(this);
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
        if (e.sig === SIG.KILL && e.target === 'group') this.killed = true;
        if (e.target === 'group') killpg(e.pid, e.sig);
        else kill(e.pid, e.sig);
        return;
      case 'writeStatus':
        this.writeStatus();
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
      case 'done':
        for (const name of [...this.timers.keys()]) this.clearTimer(name);
        this.spec.onDone(this);
        return;
    }
  }

  private spawn(argv: string[]): void {
    const isRun = argv[0] === './run';
    try {
      const pid = this.spec.runner.spawn(
        { file: argv[0] ?? './run', argv, env: this.spec.env, cwd: this.spec.dir, stdio: this.spec.stdio, session: true },
        (status) => this.exited(isRun, status),
      );
      if (isRun) this.starts++;
      this.feed({ type: 'spawned', pid });
    } catch (err) {
      const e = err as { code?: string; errno?: number; message: string };
      this.spec.log.debug(`${this.spec.name}: ${e.message}`);
      this.feed({ type: 'spawnFailed', code: e.code ?? 'EIO', errno: e.errno ?? 5 });
    }
  }

  private exited(isRun: boolean, status: number): void {
    if (isRun) {
      this.lastStatus = status;
      this.lastExit = describeStatus(decodeStatus(status));
      this.spec.log.debug(`${this.spec.name}: ./run ${this.lastExit}`);
    }
    this.feed({ type: 'exited', status });
  }

  private override(script: string): Promise<boolean> {
    const stdout = this.spec.stdio[1];
    return runOverride(
      { name: this.spec.name, dir: this.spec.dir, env: this.spec.env, stdout: typeof stdout === 'number' ? stdout : null, runner: this.spec.runner, log: this.spec.log },
      script,
    );
  }

  private writeStatus(want: ServiceState['want'] = this.state.want): void {
    if (!this.writable) return;
    const s = this.state;
    this.spec.supervise?.writer.write({
      ...stampFromMicros(s.stampUs),
      pid: s.pid,
      paused: s.paused,
      want,
      gotTerm: s.gotTerm,
      state: s.state,
    });
  }

  private clearTimer(name: TimerName): void {
    const t = this.timers.get(name);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(name);
  }

  private enqueue(task: Task): void {
    this.tasks.push(task);
    this.pump();
  }

  private pump(): void {
    if (this.busy) return;
    this.busy = true;
    void (async () => {
      while (this.tasks.length > 0) {
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
