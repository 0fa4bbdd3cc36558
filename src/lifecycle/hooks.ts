// Start-up and finish hooks: every executable file of the hook directories, one at a time, in
// lexical order, each waited for and bounded by a timeout (and, while stopping, by the time left
// in the grace). A hook's stdout and stderr go to svinit's stderr, each line prefixed with the
// hook's name ("init.d/10-setup | line"). A hook runs in a session of its own, so a timeout or
// the deadline reaches everything it started.
import { accessSync, closeSync, constants, readdirSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { basename, join } from 'node:path';
import type { Logger, Sink } from '../log/logger.js';
import { escapeControl } from '../log/logger.js';
import { killpg, pipeCloexec } from '../native/native.js';
import { decodeStatus, describeStatus } from '../process/exit-status.js';
import { SIG } from '../process/signals.js';
import type { SpawnOptions } from '../process/spawn.js';

/** The start-up hook directories when none is given: my_init's, s6-overlay's, then svinit's own. */
export const DEFAULT_INIT_DIRS: readonly string[] = ['/etc/my_init.d', '/etc/cont-init.d', '/etc/svinit/init.d'];
/** The finish hook directories when none is given: s6-overlay's, then svinit's own. */
export const DEFAULT_FINISH_DIRS: readonly string[] = ['/etc/cont-finish.d', '/etc/svinit/finish.d'];
/** How long one hook may run by default, in ms (--hook-timeout). */
export const DEFAULT_HOOK_TIMEOUT_MS = 60_000;
/** After its timeout a hook gets SIGTERM, then SIGKILL this much later. */
export const HOOK_KILL_AFTER_MS = 2000;
/** The longest line of a hook's output written as one line; longer ones are cut into pieces. */
export const HOOK_LINE_MAX = 4096;
/** After a hook exits, how long svinit still reads output that something it left running holds open. */
const DRAIN_MS = 100;

/** What spawns and reaps a hook (the reaper). */
export interface HookRunner {
  spawn(opts: SpawnOptions, onExit: (status: number) => void): number;
}

export type HookKind = 'start-up' | 'finish';

/** One hook: its path and the name it is shown with (its directory's last part and its own). */
export interface Hook {
  readonly path: string;
  readonly label: string;
}

/** How one hook ended. */
export interface HookOutcome {
  readonly label: string;
  readonly ok: boolean;
  /** "exited 0", "exited 3", "killed by SIGKILL", "not started: EACCES", ... */
  readonly text: string;
  readonly timedOut: boolean;
}

/** The hooks of `dirs`, in order: each directory in turn, its files in lexical (code point) order. */
export function listHooks(dirs: readonly string[], log: Logger, kind: HookKind): Hook[] {
  const hooks: Hook[] = [];
  for (const dir of dirs) {
    const st = statSync(dir, { throwIfNoEntry: false });
    if (st === undefined) continue;
    if (!st.isDirectory()) {
      log.warning(`unable to use ${kind} hook directory ${escapeControl(dir)}: it is not a directory; make it one, holding executable files`);
      continue;
    }
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => !n.startsWith('.')).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    } catch (err) {
      log.warning(`unable to list ${kind} hook directory ${escapeControl(dir)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}; its hooks do not run`);
      continue;
    }
    for (const name of names) {
      const path = join(dir, name);
      const label = `${basename(dir)}/${name}`;
      const fst = statSync(path, { throwIfNoEntry: false });
      if (fst === undefined || !fst.isFile()) {
        log.warning(`${kind} hook ${escapeControl(label)} skipped: ${fst === undefined ? 'a dangling symlink' : 'not a regular file'}`);
        continue;
      }
      try {
        accessSync(path, constants.X_OK);
      } catch {
        log.warning(`${kind} hook ${escapeControl(label)} skipped: not executable (chmod +x ${escapeControl(path)} to run it)`);
        continue;
      }
      hooks.push({ path, label });
    }
  }
  return hooks;
}

/** What a run of hooks needs. */
export interface HookRunSpec {
  readonly kind: HookKind;
  readonly hooks: readonly Hook[];
  readonly runner: HookRunner;
  readonly log: Logger;
  /** svinit's stderr: each line of a hook's output, prefixed. */
  readonly write: Sink;
  /** The environment for the next hook (read again before each one). */
  readonly env: () => Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** ms left before a hard deadline (the grace while stopping), else Infinity. */
  readonly timeLeft: () => number;
  /** Told how each hook ended (and says so: a run logs only timeouts itself); false stops the run there. */
  readonly onOutcome?: (outcome: HookOutcome) => boolean;
}

/** Runs hooks one at a time; `stop` ends the run early (TERM to the hook that runs), `kill` at once. */
export class HookRun {
  #stopped = false;
  #killed = false;
  #pid = 0;
  #killTimer: NodeJS.Timeout | null = null;
  #sentKill = false;
  readonly outcomes: HookOutcome[] = [];

  constructor(private readonly spec: HookRunSpec) {}

  /** Runs every hook, or until stopped; resolves with the outcomes so far. */
  async run(): Promise<readonly HookOutcome[]> {
    for (const hook of this.spec.hooks) {
      if (this.#stopped) break;
      if (this.spec.timeLeft() <= 0) {
        this.spec.log.warning(`${this.spec.kind} hook ${escapeControl(hook.label)} not run: no time left in the grace`);
        this.outcomes.push({ label: hook.label, ok: false, text: 'not run (no time left)', timedOut: true });
        continue;
      }
      const outcome = await this.#runOne(hook);
      this.outcomes.push(outcome);
      if (this.spec.onOutcome?.(outcome) === false) break;
    }
    return this.outcomes;
  }

  /** Whether a SIGKILL was sent to a hook of this run (its timeout, the deadline, kill()). */
  get sentKill(): boolean {
    return this.#sentKill;
  }

  #sigkill(pid: number): void {
    this.#sentKill = true;
    killpg(pid, SIG.KILL);
  }

  /** Whether a hook runs right now. */
  get running(): boolean {
    return this.#pid !== 0;
  }

  /** No further hook starts; the one that runs gets SIGTERM (its whole session). */
  stop(): void {
    this.#stopped = true;
    if (this.#pid !== 0) killpg(this.#pid, SIG.TERM);
  }

  /** No further hook starts; the one that runs gets SIGKILL. */
  kill(): void {
    this.#stopped = true;
    this.#killed = true;
    if (this.#pid !== 0) this.#sigkill(this.#pid);
  }

  #runOne(hook: Hook): Promise<HookOutcome> {
    const { kind, log, write, runner } = this.spec;
    const label = escapeControl(hook.label);
    return new Promise((resolve) => {
      let readFd: number;
      let writeFd: number;
      try {
        [readFd, writeFd] = pipeCloexec();
      } catch (err) {
        const text = `not started: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
        resolve({ label: hook.label, ok: false, text, timedOut: false });
        return;
      }
      const output = new HookOutput(readFd, (line) => write(`${label} | ${line}`));
      let timedOut = false;
      let timer: NodeJS.Timeout | null = null;
      const done = (outcome: HookOutcome): void => {
        if (timer !== null) clearTimeout(timer);
        if (this.#killTimer !== null) clearTimeout(this.#killTimer);
        this.#killTimer = null;
        this.#pid = 0;
        void output.finish().then(() => resolve(outcome));
      };
      let pid: number;
      try {
        pid = runner.spawn(
          { file: hook.path, argv: [hook.path], env: this.spec.env(), cwd: '/', stdio: ['null', writeFd, writeFd], session: true },
          (status) => {
            const ok = status === 0 && !timedOut;
            const text = timedOut ? `timed out after ${this.spec.timeoutMs} ms (${describeStatus(decodeStatus(status))})` : describeStatus(decodeStatus(status));
            log.debug(`${kind} hook ${label}: ${text}`);
            done({ label: hook.label, ok, text, timedOut });
          },
        );
      } catch (err) {
        closeSync(writeFd);
        const e = err as NodeJS.ErrnoException;
        const text = `not started: ${e.code ?? e.message}`;
        done({ label: hook.label, ok: false, text, timedOut: false });
        return;
      }
      closeSync(writeFd);
      this.#pid = pid;
      log.debug(`${kind} hook ${label}: started (pid ${pid})`);
      if (this.#killed) this.#sigkill(pid);
      else if (this.#stopped) killpg(pid, SIG.TERM);
      const limit = Math.min(this.spec.timeoutMs, this.spec.timeLeft());
      if (Number.isFinite(limit)) {
        timer = setTimeout(() => {
          timer = null;
          timedOut = true;
          if (limit < this.spec.timeoutMs) {
            log.warning(`${kind} hook ${label}: still running at the grace deadline; SIGKILL`);
            this.#sigkill(pid);
            return;
          }
          log.warning(`${kind} hook ${label}: still running after ${this.spec.timeoutMs} ms (--hook-timeout); SIGTERM, then SIGKILL in ${HOOK_KILL_AFTER_MS} ms`);
          killpg(pid, SIG.TERM);
          this.#killTimer = setTimeout(() => { this.#killTimer = null; this.#sigkill(pid); }, Math.min(HOOK_KILL_AFTER_MS, Math.max(0, this.spec.timeLeft())));
        }, Math.max(0, limit));
      }
    });
  }
}

/** A hook's output: read from its pipe, cut into lines, each written once and whole. */
class HookOutput {
  #partial = '';
  readonly #stream: Socket;
  readonly #ended: Promise<void>;

  constructor(fd: number, private readonly line: (text: string) => void) {
    this.#stream = new Socket({ fd, readable: true, writable: false });
    this.#stream.setEncoding('utf8');
    this.#stream.on('data', (chunk: string) => this.#take(chunk));
    this.#ended = new Promise((resolve) => {
      this.#stream.once('close', () => resolve());
      this.#stream.once('error', () => resolve());
    });
  }

  #take(chunk: string): void {
    let text = this.#partial + chunk;
    let nl: number;
    while ((nl = text.indexOf('\n')) >= 0) {
      this.#emit(text.slice(0, nl));
      text = text.slice(nl + 1);
    }
    while (text.length > HOOK_LINE_MAX) {
      this.#emit(text.slice(0, HOOK_LINE_MAX));
      text = text.slice(HOOK_LINE_MAX);
    }
    this.#partial = text;
  }

  #emit(text: string): void {
    this.line(escapeControl(text.endsWith('\r') ? text.slice(0, -1) : text));
  }

  /** Once the hook has exited: the rest of its output (what a process it left behind still holds open is cut after a moment). */
  async finish(): Promise<void> {
    const cut = setTimeout(() => this.#stream.destroy(), DRAIN_MS);
    await this.#ended;
    clearTimeout(cut);
    if (this.#partial !== '') this.#emit(this.#partial);
    this.#partial = '';
  }
}
