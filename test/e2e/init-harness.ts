// Drives real svinit processes for the init end-to-end tests: service trees of small sh scripts
// that write marker files, svinit as a child subreaper or as PID 1 of a fresh PID namespace
// (unshare), waits on real conditions, and a teardown that leaves no process behind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { repoRoot } from '../helpers/fixtures.js';
import { childrenOf, descendants, killTree, procStatus } from '../helpers/proc.js';
import { track } from '../helpers/teardown.js';

export const SVINIT_BIN = join(repoRoot, 'bin', 'svinit');
export const RUNSVINIT_BIN = join(repoRoot, 'bin', 'runsvinit');
export const HAVE_RUNIT = existsSync('/usr/bin/runsvdir') && existsSync('/usr/bin/runsv');

/** Why PID-1 tests cannot run here, or null when `unshare` works. */
export const PID1_SKIP: string | false = (() => {
  const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', 'true'], { stdio: 'pipe' });
  if (r.status === 0) return false;
  const why = `unshare --pid --fork --mount-proc failed (${r.error?.message ?? r.stderr.toString().trim()}); PID 1 cases skipped`;
  console.log(`# ${why}`);
  return why;
})();

/** Files of one service: relative path -> content (mode 0755) or [content, mode]. */
export type ServiceFiles = Record<string, string | [string, number]>;

/** A service tree in a temp dir: `sv/` holds the services, `m/` the markers they write. */
export class Tree {
  readonly root = mkdtempSync(join(tmpdir(), 'svinit-init-'));
  readonly sv = join(this.root, 'sv');
  readonly m = join(this.root, 'm');

  constructor(services: Record<string, ServiceFiles> = {}) {
    chmodSync(this.root, 0o755);
    mkdirSync(this.sv);
    mkdirSync(this.m);
    for (const [name, files] of Object.entries(services)) this.write(join(this.sv, name), files);
  }

  /** Writes a service directory at `dir` (anywhere: a staging place, or under sv/). */
  write(dir: string, files: ServiceFiles): void {
    mkdirSync(dir, { recursive: true });
    for (const [rel, spec] of Object.entries(files)) {
      const [content, mode] = typeof spec === 'string' ? [spec, 0o755] : spec;
      const path = join(dir, rel);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content.replaceAll('$M', this.m), { mode });
      chmodSync(path, mode);
    }
  }

  marker(name: string): string {
    return join(this.m, name);
  }

  has(name: string): boolean {
    return existsSync(this.marker(name));
  }

  read(name: string): string {
    return readFileSync(this.marker(name), 'utf8').trim();
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * Shell that waits for ever with no child process: a read of a FIFO it holds open both ways (a
 * trapped signal interrupts the read and runs the trap). A `sleep 1000 & wait` loop left strays:
 * a `sleep` forked but not yet exec'd when its shell got TERM swallows a TERM of its own and then
 * lives on to the deadline's SIGKILL (exit 102) or holds a test's pipes open.
 */
export function idleLoop(name: string, dir = '$M'): string {
  return `[ -p ${dir}/${name}.fifo ] || mkfifo ${dir}/${name}.fifo; exec 3<> ${dir}/${name}.fifo; while :; do read line <&3; done`;
}

/** A run script: writes NAME.ready (its pid), on TERM sleeps CLEANUP s then writes NAME.clean. */
export function trapRun(name: string, cleanup = '0.3'): string {
  return `#!/bin/sh\ntrap 'sleep ${cleanup}; echo ok > $M/${name}.clean; exit 0' TERM\necho $$ > $M/${name}.ready\n${idleLoop(name)}\n`;
}

/** A run script that ignores TERM. */
export function ignoreRun(name: string): string {
  return `#!/bin/sh\ntrap '' TERM\necho $$ > $M/${name}.ready\nexec sleep 1000\n`;
}

/** Polls `cond` every 5 ms (a real condition, not a sleep); resolves with the ms it took. */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now() - t0;
}

export interface RunOptions {
  readonly pid1?: boolean;
  readonly bin?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** A shell snippet run inside the namespace before svinit is exec'd (pid1 only). */
  readonly prelude?: string;
  /** The working directory svinit is started in (default this process's). */
  readonly cwd?: string;
}

/** One running svinit; `pid` is its pid as seen from here (the namespace's PID 1 for pid1 runs). */
export class Init {
  readonly child: ChildProcess;
  stderr = '';
  stdout = '';
  readonly exited: Promise<{ code: number | null; signal: string | null; at: number }>;
  #pid = 0;

  constructor(args: readonly string[], readonly opts: RunOptions = {}) {
    const bin = opts.bin ?? SVINIT_BIN;
    const env = { ...process.env, SVINIT_NODE: process.execPath, ...opts.env };
    if (opts.pid1 === true) {
      const script = `${opts.prelude ?? ''}\nexec "$0" "$@"`;
      this.child = spawn('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', 'sh', '-c', script, bin, ...args], { env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    } else {
      this.child = spawn(bin, args, { env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      this.#pid = this.child.pid ?? 0;
    }
    track(this.child);
    this.child.stderr?.setEncoding('utf8').on('data', (s: string) => { this.stderr += s; });
    this.child.stdout?.setEncoding('utf8').on('data', (s: string) => { this.stdout += s; });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => resolve({ code, signal, at: performance.now() }));
    });
  }

  /** svinit's pid here (for pid1 runs: unshare's forked child, once it exists). */
  async pid(): Promise<number> {
    if (this.#pid !== 0) return this.#pid;
    const outer = this.child.pid;
    // No pid: the spawn failed (childrenOf(0) would name the kernel's own pid 1 and 2).
    if (outer === undefined) throw new Error(`unable to start ${this.opts.pid1 === true ? 'unshare' : 'svinit'}`);
    await waitFor(() => childrenOf(outer).length > 0 || !this.running, 15_000, 'the namespace init')
      .catch((e: Error) => { throw new Error(`${e.message}; stderr:\n${this.stderr}`); });
    const inner = childrenOf(outer)[0];
    if (inner === undefined || !this.running) throw new Error(`unshare exited before its child could be seen; stderr:\n${this.stderr}`);
    this.#pid = inner;
    return this.#pid;
  }

  /** Whether the spawned process (svinit, or unshare for pid1 runs) has not exited yet. */
  get running(): boolean {
    return this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends `sig` to svinit; resolves with the performance.now() time it was sent. */
  async signal(sig: NodeJS.Signals): Promise<number> {
    const pid = await this.pid();
    const t = performance.now();
    process.kill(pid, sig);
    return t;
  }

  /** Waits for the exit (failing after timeoutMs). */
  async exit(timeoutMs = 20_000): Promise<{ code: number | null; signal: string | null; at: number }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`svinit did not exit within ${timeoutMs} ms; stderr:\n${this.stderr}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The processes that reap for this run: svinit itself, and for a PID 1 run behind the C front
   * also the front (PID 1, which reaps what is not svinit's descendant).
   */
  async reapers(): Promise<number[]> {
    const pid = await this.pid();
    if (this.opts.pid1 !== true) return [pid];
    const node = childrenOf(pid).filter((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'node');
    return [pid, ...node];
  }

  /**
   * The host pid of a process that wrote `inner` (its own $$) from inside this run: the same for a
   * subreaper run; for a PID 1 run, the descendant whose NSpid ends with it. 0 when none is found.
   */
  async hostPid(inner: number): Promise<number> {
    if (this.opts.pid1 !== true) return inner;
    for (const p of descendants(await this.pid())) {
      const ns = procStatus(p).get('NSpid')?.split(/\s+/);
      if (ns !== undefined && Number(ns.at(-1)) === inner) return p;
    }
    return 0;
  }

  /** Report lines (`svinit: shutdown: ...`) on stderr. */
  reportLines(): string[] {
    return this.stderr.split('\n').filter((l) => l.startsWith('svinit: shutdown: '));
  }

  /** Teardown: SIGKILL the whole tree if anything is left (never a pid already reaped). */
  kill(): void {
    if (this.running) killTree(this.child.pid as number);
  }
}

/** Whether a process is alive and not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Sockets listening on `port` in the network namespace of `pid` (/proc/PID/net/tcp and tcp6). */
export function listenersOn(pid: number, port: number): string[] {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const out: string[] = [];
  for (const file of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 3 && f[1]?.endsWith(`:${hex}`) && f[3] === '0A') out.push(`${file}: ${line.trim()}`);
    }
  }
  return out;
}

/** Voluntary + involuntary context switches summed over every thread of `pid`. */
export function ctxtSwitches(pid: number): number {
  let sum = 0;
  for (const tid of readdirSafe(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    for (const m of text.matchAll(/^(?:non)?voluntary_ctxt_switches:\s*(\d+)/gm)) sum += Number(m[1]);
  }
  return sum;
}

function readdirSafe(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** Runs svinit to its exit (nothing of it is left behind, even after a timeout); returns it with its code. */
export async function runToEnd(args: readonly string[], opts: RunOptions = {}): Promise<Init & { code: number | null }> {
  const init = new Init(args, opts);
  try {
    const { code } = await init.exit();
    return Object.assign(init, { code });
  } finally {
    init.kill();
  }
}
