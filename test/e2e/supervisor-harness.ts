// Harness for the supervisor end-to-end tests: a real `bin/svinit --dir ROOT -v` process over a
// temp service tree, its log lines, Debian's real `sv` pointed at the tree, waits on ready files
// and status contents (never fixed sleeps), and a teardown that leaves no process behind.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import type { TestContext } from 'node:test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, readStatus } from '../../src/protocol/client.js';
import type { SuperviseStatus } from '../../src/protocol/status-file.js';
import type { RunResult, ServiceFiles } from '../compat/runsv-harness.js';
import { RUNIT_SV, RUNSV, Tree, run, waitUntil } from '../compat/runsv-harness.js';
import { repoRoot } from '../helpers/fixtures.js';
import { stopTree, track } from '../helpers/teardown.js';

export { RUNIT_SV, RUNSV, Tree, waitUntil };
export type { ServiceFiles };

/** Why the runit-dependent tests cannot run here, or false. */
export const NO_RUNIT = existsSync(RUNIT_SV) && existsSync(RUNSV) ? false : 'runit (sv, runsv) is not installed';

/** Writes the ready file atomically: `$$` of the run script. */
export const READY = 'echo $$ > ready.new && mv ready.new ready';

/** A run script that records every signal it gets as "SIG PID" lines in ./sig; TERM ends it (exit 0). */
export const TRAPS = `#!/bin/sh
on() { echo "$1 $$" >> sig; }
for s in HUP ALRM INT QUIT USR1 USR2; do trap "on $s" $s; done
trap 'on TERM; kill $k 2>/dev/null; exit 0' TERM
${READY}
while :; do sleep 1000 & k=$!; wait $k; kill $k 2>/dev/null; done
`;

/** A run script that ignores SIGTERM (so does the sleep it becomes). */
export const IGNORE_TERM = `#!/bin/sh\ntrap '' TERM\n${READY}\nexec sleep 1000\n`;

/** A run script that just runs (becomes `sleep`, which dies on TERM). */
export const SLEEPER = `#!/bin/sh\n${READY}\nexec sleep 1000\n`;

/** One running svinit over a tree. */
export class Svinit {
  readonly lines: string[] = [];
  private partial = '';

  private constructor(readonly tree: Tree, readonly child: ChildProcess) {
    const take = (chunk: Buffer): void => {
      const parts = (this.partial + chunk.toString('utf8')).split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts);
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
  }

  /**
   * Starts svinit on `tree` (made from `services` when a record is given) and waits until
   * `supervised` (default: every top-level service) answer sv. The teardown (stop(), which also
   * removes the tree) is registered on `t` before the first wait, so a start-up that times out or
   * fails leaves nothing behind.
   */
  static async start(t: TestContext, services: Tree | Record<string, ServiceFiles>, supervised?: readonly string[],
    args: readonly string[] = []): Promise<Svinit> {
    const tree = services instanceof Tree ? services : new Tree(services, 'svinit-e2e-');
    const child = track(spawn(join(repoRoot, 'bin/svinit'), ['--dir', tree.root, '-v', ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
    const s = new Svinit(tree, child);
    t.after(() => s.stop());
    try {
      await waitUntil(() => s.lines.some((l) => l.includes('running as pid')) || !s.alive, 20_000, 'svinit started');
      if (!s.alive) throw new Error(`svinit exited ${child.exitCode ?? child.signalCode}`);
      const names = supervised ?? readdirSync(tree.root).filter((n) => !n.startsWith('.'));
      await waitUntil(() => names.every((n) => isAlive(tree.dir(n)).kind === 'alive' && readStatus(tree.dir(n)).kind === 'ok'),
        20_000, `services supervised: ${names.join(' ')}`);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- svinit log:\n${s.lines.join('\n')}`);
    }
    return s;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  dir(name: string): string {
    return this.tree.dir(name);
  }

  file(name: string, rel: string): string {
    return join(this.tree.dir(name), rel);
  }

  /** The decoded status of `name` (e.g. "web" or "web/log"), or null if unreadable. */
  status(name: string): SuperviseStatus | null {
    const r = readStatus(this.dir(name));
    return r.kind === 'ok' ? r.status : null;
  }

  /** Waits until `pred` holds for the status of `name`. */
  async until(name: string, pred: (s: SuperviseStatus) => boolean, what: string, timeoutMs = 15_000): Promise<SuperviseStatus> {
    let last: SuperviseStatus | null = null;
    await waitUntil(() => {
      last = this.status(name);
      return last !== null && pred(last);
    }, timeoutMs, `${name}: ${what} (last ${JSON.stringify(last)})`);
    return last as unknown as SuperviseStatus;
  }

  /** Text of a file in a service dir, or null. */
  read(name: string, rel: string): string | null {
    try {
      return readFileSync(this.file(name, rel), 'utf8');
    } catch {
      return null;
    }
  }

  /** Waits for the ready file of `name` to name a live pid other than `not`; returns it. */
  async ready(name: string, not = 0, file = 'ready', timeoutMs = 15_000): Promise<number> {
    let pid = 0;
    await waitUntil(() => {
      pid = Number((this.read(name, file) ?? '').trim());
      if (!(pid > 0 && pid !== not && existsSync(`/proc/${pid}`))) return false;
      // The child may write its ready file before svinit has written its status (runsv too):
      // wait until the status shows it, so that what the test does next sees the new state.
      const st = file === 'ready' ? this.status(name) : null;
      return st === null || st.pid === pid;
    }, timeoutMs, `${name}/${file} names a new live pid`);
    return pid;
  }

  /** Lines of ./sig (signals the TRAPS script recorded). */
  signals(name: string): string[] {
    return (this.read(name, 'sig') ?? '').split('\n').filter((l) => l !== '');
  }

  /** Debian's sv with SVDIR = the tree. */
  sv(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
    return run(RUNIT_SV, args, { env: { ...process.env, SVDIR: this.tree.root, ...env } });
  }

  /** Log lines matching `re`. */
  matching(re: RegExp): string[] {
    return this.lines.filter((l) => re.test(l));
  }

  /** Waits for a log line matching `re`. */
  async waitLog(re: RegExp, timeoutMs = 15_000): Promise<string> {
    await waitUntil(() => this.matching(re).length > 0, timeoutMs, `log line ${re}\n--- log:\n${this.lines.join('\n')}`);
    return this.matching(re)[0] as string;
  }

  /** Sends SIGTERM and waits (up to `ms`) for svinit's exit; its exit code (null: killed by a signal). */
  async terminate(ms = 30_000): Promise<number | null> {
    const exited = new Promise<number | null>((res) => {
      if (!this.alive) res(this.child.exitCode);
      else this.child.once('exit', (code) => res(code));
    });
    this.child.kill('SIGTERM');
    await Promise.race([exited, new Promise((res) => setTimeout(res, ms))]);
    if (this.alive) throw new Error(`svinit still running ${ms} ms after SIGTERM\n--- log:\n${this.lines.join('\n')}`);
    return exited;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM (graceful, up to 15 s), then SIGKILL to anything left of its tree; removes the directory. */
  async stop(): Promise<void> {
    await stopTree(this.child, 15_000);
    await this.tree.cleanup();
  }
}

/** Process state letter from /proc/PID/status ("S", "T", ...), or null once it is gone. */
export function procState(pid: number): string | null {
  try {
    const m = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] ?? null;
  } catch {
    return null;
  }
}

/** Whether `pid` is gone (or a zombie). */
export function gone(pid: number): boolean {
  const s = procState(pid);
  return s === null || s === 'Z';
}
