// The main command (`svinit [options] -- CMD`): where it runs (its own session, or its own
// process group made the terminal's foreground group), how signals reach it (its group by
// default, as dumb-init does; CMD alone with --single-child, as tini does), and the status svinit
// exits with (its code, 128+n for a signal, then --exit-remap). svinit's own reaper owns its pid,
// so its status is never lost to the orphan reaping.
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log/logger.js';
import { kill, killpg, ttySession } from '../native/native.js';
import { groupOf } from '../process/children.js';
import { EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND } from '../process/exit-codes.js';
import { decodeStatus, describeStatus, shellCode } from '../process/exit-status.js';
import { findOnPath } from '../process/path-search.js';
import { SIG, signalName } from '../process/signals.js';
import type { SpawnOptions } from '../process/spawn.js';
import type { StopRecord } from '../process/stop-record.js';

/** How the main command runs and is signalled (docs/main-command.md). */
export interface CommandSpec {
  /** The argv of CMD; argv[0] is looked up on $PATH unless it holds a slash. */
  readonly argv: readonly string[];
  /** tini's mode (-c): CMD in a new process group, signals to CMD alone (or its group with killGroup). */
  readonly singleChild: boolean;
  /** -g: in single-child mode, signals go to CMD's whole group. */
  readonly killGroup: boolean;
  /** -r S:R: S is forwarded as R; R = 0 drops S. */
  readonly rewrite: ReadonlyMap<number, number>;
  /** -e N / --exit-remap N:M: CMD's code N makes svinit exit M. */
  readonly exitRemap: ReadonlyMap<number, number>;
}

/** Starts a child and routes its exit status to `onExit` (the Reaper). */
export interface CommandRunner {
  spawn(opts: SpawnOptions, onExit: (status: number) => void): number;
}

export interface CommandParts {
  readonly spec: CommandSpec;
  readonly runner: CommandRunner;
  readonly log: Logger;
  /** CMD's environment: svinit's own, less what only svinit needed. */
  readonly env: Readonly<Record<string, string>>;
  /** The caller's working directory (svinit itself moves to /). */
  readonly cwd: string;
  /** The blocked and ignored signals svinit was started with (the launcher recorded them). */
  readonly inherited: { readonly block: readonly number[]; readonly ignore: readonly number[] };
  /** svinit is the container's init (PID 1, or PID 2 behind the C front): it never stops itself. */
  readonly containerInit: boolean;
}

/** Job-control stops: CMD's group is stopped, then svinit stops itself (unless it is the container's init). */
const JOB_STOPS: ReadonlySet<number> = new Set([SIG.TSTP, SIG.TTIN, SIG.TTOU]);

/** One main command, from its start to its exit status. */
export class MainCommand {
  pid = 0;
  /** The raw wait status once CMD is gone (or the 126/127 of a failed start, as a code). */
  #raw: number | null = null;
  #startCode: number | null = null;
  /** The signal the shutdown's first stop signal was forwarded as, and when. */
  #stopSignal: string | null = null;
  #stopAt: number | null = null;
  #goneAt: number | null = null;
  #killed = false;
  readonly #gone: Promise<void>;
  #resolveGone: () => void = () => undefined;
  /** Called once when CMD is gone (by itself or not). */
  onExit: (() => void) | null = null;

  constructor(private readonly parts: CommandParts) {
    this.#gone = new Promise((resolve) => { this.#resolveGone = resolve; });
  }

  /** Resolves once CMD is gone (at once if it never started). */
  get gone(): Promise<void> {
    return this.#gone;
  }

  get running(): boolean {
    return this.pid !== 0 && this.#raw === null;
  }

  /** CMD's name as the report and the log show it. */
  get name(): string {
    return `main command (${this.parts.spec.argv[0] ?? ''})`;
  }

  /**
   * Starts CMD. A CMD that cannot be run is one line on stderr and the code svinit will exit
   * with (127 not found, 126 not executable); the services still stop in order.
   */
  start(): void {
    const { spec, env, log, cwd } = this.parts;
    const argv0 = spec.argv[0] ?? '';
    // svinit itself has moved to /: a relative CMD (./app, or an empty $PATH entry) is the caller's.
    const found = findOnPath(argv0, env['PATH'], cwd);
    if (found.kind !== 'found') {
      const hint = argv0 === 'sv' || argv0 === 'status' || argv0 === 'check'
        ? `; did you mean \`svinit ${argv0} ...\`? svinit's commands come first, before any option`
        : '';
      this.#failStart(found.kind === 'not-found' ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE, found.kind === 'not-found'
        ? `unable to run ${JSON.stringify(argv0)}: not found${argv0.includes('/') ? '' : ' on $PATH'}${hint}`
        : `unable to run ${JSON.stringify(found.path)}: not executable (a directory, or no execute permission)`);
      return;
    }
    try {
      this.#spawn(found.path, [...spec.argv]);
    } catch (err) {
      const e = err as { code?: string; message: string };
      if (e.code === 'ENOEXEC') {
        // execvp's rule: a file the kernel cannot execute is a shell script without a #! line.
        try {
          this.#spawn('/bin/sh', ['/bin/sh', found.path, ...spec.argv.slice(1)]);
          return;
        } catch (err2) {
          const e2 = err2 as { code?: string; message: string };
          this.#failStart(EXIT_NOT_EXECUTABLE, `unable to run ${JSON.stringify(found.path)}: ${e2.message}`);
          return;
        }
      }
      const code = e.code === 'ENOENT' ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE;
      this.#failStart(code, `unable to run ${JSON.stringify(found.path)}: ${e.message}`);
    }
    log.debug(`${this.name}: started as pid ${this.pid}`);
  }

  #spawn(file: string, argv: string[]): void {
    const { spec, env, cwd, inherited, runner } = this.parts;
    // A terminal that is svinit's own (svinit's session holds it): CMD's new group becomes its
    // foreground group, in both modes, so that ^C, ^Z and a shell's job control reach CMD as
    // they would without svinit. Otherwise the default mode gives CMD a session of its own (and
    // the terminal on its stdin, if no session holds it), and -c a process group of its own.
    const where: Pick<SpawnOptions, 'session' | 'pgroup' | 'tty'> = ttySession(0) !== null
      ? { pgroup: 0, tty: 'foreground' }
      : spec.singleChild ? { pgroup: 0 } : { session: true, tty: 'acquire' };
    this.pid = runner.spawn({
      file, argv, env, cwd, stdio: ['inherit', 'inherit', 'inherit'], ...where,
      sigBlock: inherited.block, sigIgnore: inherited.ignore,
    }, (status) => this.#exited(status));
  }

  #failStart(code: number, message: string): void {
    this.parts.log.error(message);
    this.#startCode = code;
    this.#goneAt = performance.now();
    this.#resolveGone();
    // Reported on the next turn, like an exit: the caller has finished wiring by then.
    setImmediate(() => this.onExit?.());
  }

  #exited(status: number): void {
    this.#raw = status;
    this.#goneAt = performance.now();
    this.parts.log.debug(`${this.name}: ${describeStatus(decodeStatus(status))}`);
    this.#resolveGone();
    this.onExit?.();
  }

  /** The signal `sig` is forwarded as (after --rewrite); 0 when it is dropped. */
  rewritten(sig: number): number {
    return this.parts.spec.rewrite.get(sig) ?? sig;
  }

  /** Forwards `sig` (after --rewrite) to CMD or its group; returns what was sent, 0 if nothing. */
  forward(sig: number): number {
    const to = this.rewritten(sig);
    if (to === 0 || !this.running) return 0;
    this.#send(to);
    return to;
  }

  /** The first stop signal of the shutdown: forwarded, and remembered for the report. */
  forwardStop(sig: number, at: number): void {
    const sent = this.forward(sig);
    if (sent !== 0 && this.#stopSignal === null) {
      this.#stopSignal = signalName(sent);
      this.#stopAt = at;
    }
  }

  #send(sig: number): void {
    const { singleChild, killGroup } = this.parts.spec;
    if (singleChild && !killGroup) kill(this.pid, sig);
    else killpg(this.pid, sig);
  }

  /**
   * TSTP, TTIN, TTOU, CONT. Default mode: CMD's group gets STOP (a TSTP it could ignore would
   * leave the terminal to no one); -c: the signal itself. Then svinit stops itself, so that the
   * shell that started it sees the job stopped; a CONT resumes svinit and is forwarded to CMD.
   */
  jobControl(sig: number): void {
    if (!JOB_STOPS.has(sig)) {
      this.forward(sig);
      return;
    }
    if (this.parts.spec.singleChild) {
      if (this.forward(sig) === 0) return;
    } else {
      if (this.rewritten(sig) === 0 || !this.running) return;
      killpg(this.pid, SIG.STOP);
    }
    if (!this.parts.containerInit) process.kill(process.pid, 'SIGSTOP');
  }

  /** After CMD ended by itself, in the default mode: one SIGTERM to what is left of its group. */
  termGroup(): void {
    if (this.pid !== 0 && !this.parts.spec.singleChild) killpg(this.pid, SIG.TERM);
  }

  /** Whether `pid` belongs to CMD's process group or session (what survives CMD is its own business as a subreaper). */
  owns(pid: number): boolean {
    if (this.pid === 0) return false;
    const g = groupOf(pid);
    return g !== null && (g.pgrp === this.pid || g.session === this.pid);
  }

  /** SIGKILL to CMD's group (the deadline, a second signal's hurry, the failure path). */
  kill(): void {
    if (this.pid === 0) return;
    if (this.running) this.#killed = true;
    killpg(this.pid, SIG.KILL);
  }

  /** How CMD ended, in words: "exited 3", "killed by SIGTERM", "could not be run (127)". */
  statusText(): string {
    if (this.#raw !== null) return describeStatus(decodeStatus(this.#raw));
    return this.#startCode === null ? 'still running' : `could not be run (${this.#startCode})`;
  }

  /** The code svinit exits with: CMD's code or 128+n, or 126/127, then --exit-remap. */
  exitCode(): number {
    const code = this.#startCode ?? (this.#raw === null ? EXIT_NOT_EXECUTABLE : shellCode(decodeStatus(this.#raw)));
    return this.parts.spec.exitRemap.get(code) ?? code;
  }

  /** How CMD ended, for the shutdown report (null if the shutdown did not stop it: it ended by itself). */
  record(): StopRecord | null {
    if (this.#stopAt === null) return null;
    return {
      name: this.name,
      signal: this.#stopSignal,
      ms: this.#goneAt === null ? null : Math.round(this.#goneAt - this.#stopAt),
      status: this.#raw === null ? null : this.statusText(),
      killed: this.#killed,
    };
  }
}
