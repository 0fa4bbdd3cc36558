// The container's life cycle around the services and the main command: the start-up hooks before
// anything starts, the container's environment (read again after each hook), and the finish
// hooks once everything is down, inside the grace. The shutdown drives the stopping half through
// `ShutdownHooks`; the init drives the start-up.
import type { Logger, Sink } from '../log/logger.js';
import { ContainerEnv } from './container-env.js';
import { HookRun, listHooks, type HookOutcome, type HookRunner } from './hooks.js';

/** What the shutdown asks of the life cycle. */
export interface ShutdownHooks {
  /** Stops the start-up hooks if they still run (SIGTERM to the running one); resolves once none runs. */
  stopStartup(): Promise<void>;
  /** Runs the finish hooks, each bounded by its timeout and by `timeLeft`. */
  runFinish(timeLeft: () => number): Promise<void>;
  /** SIGKILL to the hook that runs, start-up or finish; no further hook starts. */
  kill(): void;
  /** Whether a hook had to be SIGKILLed (at its timeout or at the deadline) during the shutdown. */
  readonly killed: boolean;
}

export interface LifecycleSpec {
  readonly initDirs: readonly string[];
  readonly finishDirs: readonly string[];
  readonly envDirs: readonly string[];
  readonly timeoutMs: number;
  readonly onFailure: 'stop' | 'warn' | 'ignore';
  /** svinit's own environment without the launcher's variables. */
  readonly baseEnv: Readonly<Record<string, string>>;
  readonly runner: HookRunner;
  readonly log: Logger;
  /** svinit's stderr, for the hooks' output. */
  readonly write: Sink;
}

/** How the start-up went: every hook ran (or failed and was let go), one failed under `stop`, or a stop signal came. */
export type StartupResult = 'ok' | 'failed' | 'stopped';

export class Lifecycle implements ShutdownHooks {
  readonly #env: ContainerEnv;
  #startup: HookRun | null = null;
  #startupDone: Promise<unknown> = Promise.resolve();
  #finish: HookRun | null = null;
  #stopping = false;
  #killed = false;

  constructor(private readonly spec: LifecycleSpec) {
    this.#env = new ContainerEnv(spec.baseEnv, spec.envDirs, spec.log);
  }

  /** The container's environment now: svinit's own with the environment directories applied. */
  env(): Record<string, string> {
    return this.#env.current();
  }

  get killed(): boolean {
    return this.#killed;
  }

  /** Runs the start-up hooks one at a time; `--on-hook-failure` decides what a failure does. */
  async startup(): Promise<StartupResult> {
    const { log, onFailure } = this.spec;
    const hooks = listHooks(this.spec.initDirs, log, 'start-up');
    if (hooks.length === 0) return 'ok';
    log.info(`running ${hooks.length} start-up hook(s): ${hooks.map((h) => h.label).join(', ')}`);
    let failed: HookOutcome | null = null;
    const run = new HookRun({
      kind: 'start-up', hooks, runner: this.spec.runner, log, write: this.spec.write,
      env: () => this.#env.current(), timeoutMs: this.spec.timeoutMs, timeLeft: () => Infinity,
      onOutcome: (outcome) => {
        if (outcome.ok) return true;
        if (this.#stopping) {
          log.info(`start-up hook ${outcome.label} ${outcome.text}: svinit is stopping`);
          return false;
        }
        if (onFailure === 'stop') {
          failed = outcome;
          return false;
        }
        if (onFailure === 'warn') log.warning(`start-up hook ${outcome.label} failed (${outcome.text}); going on (--on-hook-failure warn)`);
        else log.info(`start-up hook ${outcome.label} failed (${outcome.text}); ignored (--on-hook-failure ignore)`);
        return true;
      },
    });
    this.#startup = run;
    const done = run.run();
    this.#startupDone = done;
    await done;
    this.#startup = null;
    if (this.#stopping) return 'stopped';
    if (failed !== null) {
      const f: HookOutcome = failed;
      log.error(`start-up hook ${f.label} failed (${f.text}): nothing is started (--on-hook-failure stop; warn or ignore would go on)`);
      return 'failed';
    }
    return 'ok';
  }

  async stopStartup(): Promise<void> {
    this.#stopping = true;
    this.#startup?.stop();
    await this.#startupDone;
  }

  async runFinish(timeLeft: () => number): Promise<void> {
    if (this.#killed) return;
    const hooks = listHooks(this.spec.finishDirs, this.spec.log, 'finish');
    if (hooks.length === 0) return;
    this.spec.log.info(`running ${hooks.length} finish hook(s): ${hooks.map((h) => h.label).join(', ')}`);
    const run = new HookRun({
      kind: 'finish', hooks, runner: this.spec.runner, log: this.spec.log, write: this.spec.write,
      env: () => this.#env.current(), timeoutMs: this.spec.timeoutMs, timeLeft,
      onOutcome: (outcome) => {
        if (!outcome.ok) this.spec.log.warning(`finish hook ${outcome.label} failed (${outcome.text})`);
        return true;
      },
    });
    this.#finish = run;
    await run.run();
    if (run.sentKill) this.#killed = true;
    this.#finish = null;
  }

  kill(): void {
    this.#stopping = true;
    for (const run of [this.#startup, this.#finish]) {
      if (run === null) continue;
      run.kill();
      if (run.sentKill) this.#killed = true;
    }
  }
}
