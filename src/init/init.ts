// PID 1: start the engine, reap, route each signal, and hand a stop signal to the shutdown, which
// owns the grace, the escalation, the report and the exit code (src/shutdown/shutdown.ts).
import { performance } from 'node:perf_hooks';
import type { MainCommand } from '../command/main-command.js';
import type { CriticalFailure, Engine } from '../engine/engine.js';
import { createNoEngine } from '../engine/none.js';
import type { Lifecycle } from '../lifecycle/lifecycle.js';
import { escapeControl, type Logger } from '../log/logger.js';
import { version } from '../process/version.js';
import { setChildSubreaper } from '../native/native.js';
import { EXIT_SETUP } from '../process/exit-codes.js';
import type { Reaper } from '../process/reaper.js';
import { Shutdown } from '../shutdown/shutdown.js';
import { keepAlive } from '../process/hold.js';
import type { InitOptions } from './options.js';
import { SIG, signalName } from '../process/signals.js';
import { behindFront, handleSignals } from './signals.js';
import type { Observe } from './probes.js';

/** What the init is made of; the entry wires the real ones. */
export interface InitParts {
  readonly options: InitOptions;
  readonly log: Logger;
  readonly reaper: Reaper;
  /** Makes the engine, once the start-up hooks are done, with the container's environment as of then. */
  readonly makeEngine: (env: Readonly<Record<string, string>>) => Engine;
  /** Where the report goes (stderr). */
  readonly report: (line: string) => void;
  /** Test-only fault injection (SVINIT_TEST_FAULT=shutdown): an error thrown inside the shutdown. */
  readonly faultInShutdown?: boolean;
  /** Command mode: makes the main command, started once the engine has started the services. */
  readonly makeCommand?: (env: Readonly<Record<string, string>>) => MainCommand;
  /** The start-up and finish hooks and the container's environment. */
  readonly lifecycle: Lifecycle;
  /** --http: the probes' server is told how to see the init (src/init/probes.ts). */
  readonly observe?: Observe;
  /** Before svinit exits: every line out (its own, and the services' when routed), within `ms`. */
  readonly drainOutput?: (ms: number) => Promise<void>;
}

/** The signals that start the shutdown in service mode (QUIT for images with STOPSIGNAL SIGQUIT), before --stop-signal. */
const STOP_SIGNALS: readonly number[] = [SIG.TERM, SIG.INT, SIG.QUIT];
/** Command mode: forwarded to CMD, and the first one starts the grace clock. */
const COMMAND_STOP_SIGNALS: readonly number[] = [SIG.TERM, SIG.INT];
/** Job control: forwarded in command mode as the main-command page says; ignored in service mode. */
const JOB_SIGNALS: ReadonlySet<number> = new Set([SIG.TSTP, SIG.TTIN, SIG.TTOU, SIG.CONT]);
/** Ignored by default by every process: in service mode not worth an info line. */
const QUIET_SIGNALS: ReadonlySet<number> = new Set([...JOB_SIGNALS, SIG.WINCH, SIG.URG]);

/** Runs the init until its shutdown is complete; resolves with the exit code. */
export function runInit(parts: InitParts): Promise<number> {
  const { log, reaper, options, lifecycle } = parts;
  // The container's init: PID 1 itself, or PID 2 behind the C front (native/front.c), which is
  // PID 1 and holds the signals that arrive while Node starts. Either way kill(-1) reaches the
  // whole container but PID 1 and svinit. Otherwise svinit only ever signals its own children.
  const front = behindFront();
  const isPid1 = process.pid === 1 || front;
  reaper.start();
  if (process.pid !== 1) {
    try {
      setChildSubreaper(true);
    } catch (err) {
      log.warning(`unable to become a child subreaper (${(err as Error).message}): orphans will not be reaped by svinit; run it as PID 1`);
    }
    log.debug(front
      ? `running as pid ${process.pid} behind svinit-front (PID 1): orphans of the services are adopted as a child subreaper`
      : `running as pid ${process.pid}, not PID 1: orphans of the services are adopted as a child subreaper`);
  }
  const release = keepAlive();
  // A critical service that fails for good ends the container (it may fail inside start()).
  let critical: CriticalFailure | null = null;
  let criticalSeen: (() => void) | null = null;
  return new Promise((resolve) => {
    // Until the start-up hooks are done there is no engine and no command: a stop then stops the
    // running hook, runs the finish hooks and exits.
    let engine: Engine = createNoEngine();
    let command: MainCommand | undefined;
    let shutdown: Shutdown | null = null;
    let internal = false;
    let started = false;
    parts.observe?.(() => ({ engine, shutdown, phase: shutdown !== null ? 'stopping' : started ? 'running' : 'starting' }));
    const finish = (code: number): void => {
      // Every line a service wrote is out before svinit exits, within the time left in the grace.
      const left = shutdown === null ? 1000 : Math.max(250, shutdown.deadline - performance.now());
      void (parts.drainOutput?.(left) ?? Promise.resolve()).then(() => {
        release();
        resolve(code);
      });
    };
    const stop = (trigger: string): void => {
      if (shutdown !== null) return;
      shutdown = new Shutdown({
        engine, reaper, log, graceMs: options.graceMs, reap: options.reap, isPid1, lifecycle,
        report: { format: options.report, quiet: options.verbosity === 'quiet' || quietCommand(options), write: parts.report },
        ...(parts.faultInShutdown === true ? { injectFault: true } : {}),
        ...(command === undefined ? {} : { command }),
        ...(critical === null ? {} : { critical }),
        ...(options.drainMs > 0 ? { drainMs: options.drainMs } : {}),
      }, trigger);
      void shutdown.run(() => internal).then(finish);
    };
    criticalSeen = () => {
      if (shutdown !== null || critical === null) return;
      log.error(`${critical.name}: unable to keep a critical service up: ${critical.reason}; stopping the container`);
      // Command mode: CMD stops first, as on a stop signal (svinit then exits with CMD's status).
      command?.forwardStop(SIG.TERM, performance.now());
      stop(`critical service ${critical.name} failed (${critical.reason})`);
    };
    const stopSignals = new Set([...(parts.makeCommand === undefined ? STOP_SIGNALS : COMMAND_STOP_SIGNALS), ...options.stopSignals]);
    handleSignals((num: number) => {
      const sig = signalName(num);
      if (command !== undefined) {
        if (JOB_SIGNALS.has(num)) {
          command.jobControl(num);
        } else if (stopSignals.has(num) && command.rewritten(num) !== 0) {
          // Forwarded at once; the first one also starts the grace clock, and CMD's group is
          // SIGKILLed at the deadline. Later ones are forwarded again (the deadline stays).
          command.forwardStop(num, performance.now());
          stop(sig);
        } else {
          command.forward(num);
        }
        return;
      }
      if (stopSignals.has(num)) {
        if (shutdown === null) stop(sig);
        else shutdown.hurry(sig);
      } else if (num === SIG.HUP && shutdown === null) {
        log.info('SIGHUP: rescanning the service directory');
        engine.rescan();
      } else {
        // A SIGPIPE that svinit's own write raised never gets here (native/catch.c drops it).
        log[QUIET_SIGNALS.has(num) ? 'debug' : 'info'](`${sig}: ignored (${stopText(stopSignals)} stop svinit, HUP rescans)`);
      }
    });
    // A bug: before the shutdown, log it and run the orderly shutdown (exit 101); during the
    // shutdown, the failure path (SIGKILL to everything, exit 101 inside the grace).
    const onError = (err: unknown): void => {
      if (shutdown === null) {
        log.error(`internal error, shutting down: ${(err as Error).stack ?? String(err)}`);
        internal = true;
        stop('internal error');
      } else {
        shutdown.fail(err);
      }
    };
    process.on('uncaughtException', onError);
    process.on('unhandledRejection', onError);
    void lifecycle.startup().then(async (result) => {
      if (shutdown !== null) return; // stopped during the hooks: the shutdown ends it
      if (result === 'failed') {
        // Nothing was started; the finish hooks still run (each bounded by --hook-timeout).
        await lifecycle.runFinish(() => Infinity);
        finish(EXIT_SETUP);
        return;
      }
      const env = lifecycle.env();
      try {
        engine = parts.makeEngine(env);
        engine.onCritical((f) => {
          if (critical !== null) return;
          critical = f;
          criticalSeen?.();
        });
        engine.start();
      } catch (err) {
        log.fatal((err as Error).message);
        finish(EXIT_SETUP);
        return;
      }
      if (engine.dir !== null) {
        // One line at start-up, whatever the verbosity but quiet; a warning for an empty directory in service mode.
        const n = engine.serviceCount();
        log.info(`svinit ${version()}: supervising ${n} service(s) in ${escapeControl(engine.dir)}${isPid1 ? ' as the container\'s init' : ''}`);
        if (n === 0 && parts.makeCommand === undefined) {
          log.warning(`no services in ${escapeControl(engine.dir)}: add a directory holding an executable run file; it is started as soon as it appears`);
        }
      }
      if (shutdown !== null) return; // a critical service failed at once
      started = true;
      if (parts.makeCommand !== undefined && options.waitReadyMs !== null) {
        const limit = options.waitReadyMs === Infinity ? null : options.waitReadyMs;
        const t0 = performance.now();
        const late = await engine.waitReady(limit);
        if (shutdown !== null) return; // stopped while waiting: CMD never starts
        if (late.length > 0) {
          log.warning(`--wait-ready: ${late.join(', ')} not ready after ${Math.round((performance.now() - t0) / 1000)} s; starting ${options.command?.argv[0] ?? 'CMD'} anyway`);
        } else log.debug(`--wait-ready: every service ready after ${Math.round(performance.now() - t0)} ms`);
      }
      if (parts.makeCommand !== undefined) {
        const cmd = parts.makeCommand(env);
        command = cmd;
        // CMD ended by itself: what is left of its group gets one SIGTERM (default mode), and the
        // services stop after it; svinit exits with CMD's status.
        cmd.onExit = () => {
          if (shutdown !== null) return;
          cmd.termGroup();
          stop(`${cmd.name} ${cmd.statusText()}`);
        };
        cmd.start();
      }
      criticalSeen?.();
    }, onError);
  });
}

/** "TERM, INT and QUIT" or "only TERM, INT, QUIT and RTMIN+3": the signals that stop svinit. */
function stopText(stopSignals: ReadonlySet<number>): string {
  const names = [...stopSignals].map((n) => signalName(n).slice(3));
  return `only ${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
}

/** --no-services with CMD, at the default verbosity: svinit says nothing unless something fails. */
export function quietCommand(options: InitOptions): boolean {
  return options.command !== null && !options.services && options.verbosity === 'normal';
}
