// Test harness for driving real runit: service trees in temp dirs, runsv processes started on
// them, waits on supervise/status, and a teardown that leaves no process behind.
import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive, readStatus, sendControl } from '../../src/protocol/client.js';
import type { SuperviseStatus } from '../../src/protocol/status-file.js';
import { killMembers, snapshotTree } from '../helpers/proc.js';
import { stopTree, track } from '../helpers/teardown.js';

/** The compiled test entry that runs `svinit sv|status|check`. */
export const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/cli-entry.js');
export const RUNIT_SV = '/usr/bin/sv';
export const RUNSV = '/usr/bin/runsv';
/** svinit's own init entry (the lead's), compiled. */
export const SVINIT_INIT = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/bin/svinit.js');

/** Files of one service directory: relative path -> [content, mode]. */
export type ServiceFiles = Record<string, string | [string, number]>;

/** A temp service directory tree with runsv processes on some of its services. */
export class Tree {
  readonly root: string;
  private readonly runsvs = new Map<string, ChildProcess>();
  private init: ChildProcess | undefined;

  constructor(services: Record<string, ServiceFiles>, prefix = 'svinit-cli-') {
    this.root = mkdtempSync(join(tmpdir(), prefix));
    chmodSync(this.root, 0o755);
    for (const [name, files] of Object.entries(services)) {
      for (const [rel, spec] of Object.entries(files)) {
        const [content, mode] = typeof spec === 'string' ? [spec, 0o755] : spec;
        const path = join(this.root, name, rel);
        mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
        writeFileSync(path, content, { mode });
        chmodSync(path, mode);
      }
      chmodSync(join(this.root, name), 0o755);
    }
  }

  dir(name: string): string {
    return join(this.root, name);
  }

  /**
   * Starts runsv on a service and waits until it answers on supervise/ok with a status. The runsv
   * is this tree's from the spawn on: register cleanup() before calling this.
   */
  async start(name: string): Promise<void> {
    const child = track(spawn(RUNSV, [name], { cwd: this.root, stdio: 'ignore' }));
    this.runsvs.set(name, child);
    await waitUntil(() => isAlive(this.dir(name)).kind === 'alive' && readStatus(this.dir(name)).kind === 'ok', 10_000, `runsv ${name} up`);
  }

  /** Starts svinit's own init on the whole tree and waits until `names` are supervised (register cleanup() first). */
  async startInit(names: readonly string[]): Promise<void> {
    this.init = track(spawn(process.execPath, [SVINIT_INIT, '--dir', this.root], { stdio: 'ignore' }));
    await waitUntil(() => names.every((n) => isAlive(this.dir(n)).kind === 'alive' && readStatus(this.dir(n)).kind === 'ok'), 10_000, 'svinit supervising');
  }

  /** Waits until runsv of `name` has exited. */
  async exited(name: string, timeoutMs = 10_000): Promise<void> {
    const child = this.runsvs.get(name);
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`runsv ${name} did not exit within ${timeoutMs} ms`)), timeoutMs);
      child.once('exit', () => {
        clearTimeout(t);
        res();
      });
    });
  }

  status(name: string): SuperviseStatus {
    const r = readStatus(this.dir(name));
    if (r.kind !== 'ok') throw new Error(`unable to read status of ${name}: ${r.kind}`);
    return r.status;
  }

  /** Stops the svinit that startInit started (SIGTERM, up to 15 s); the tree stays. */
  async stopInit(): Promise<void> {
    if (this.init !== undefined) await stopTree(this.init, 15_000);
    this.init = undefined;
  }

  /**
   * Stops svinit (SIGTERM, up to 15 s); kills the services (k) and tells every runsv to exit (x);
   * SIGKILLs whatever is left of each tree; removes the directory. Safe to call more than once.
   */
  async cleanup(): Promise<void> {
    if (this.init !== undefined) await stopTree(this.init, 15_000);
    for (const [name, child] of this.runsvs) {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
      const snap = snapshotTree(child.pid);
      sendControl(this.dir(name), 'cxk');
      if (existsSync(join(this.dir(name), 'log'))) sendControl(join(this.dir(name), 'log'), 'ck');
      try {
        await this.exited(name, 5000);
      } catch {
        child.kill('SIGKILL');
      }
      killMembers(snap); // the services and loggers, should runsv have left any
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Polls `cond` every 10 ms until it holds (a readiness wait, never a fixed sleep). */
export async function waitUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** One command's result. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs a program to its end (never throws on a non-zero exit). */
export function run(file: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<RunResult> {
  const t0 = performance.now();
  return new Promise((res) => {
    execFile(file, args, { env: opts.env ?? process.env, cwd: opts.cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 255;
      res({ code, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

/** `svinit ARGS...` through the test entry. */
export function svinit(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<RunResult> {
  return run(process.execPath, [CLI, ...args], opts);
}

/** sv output with pids and ages replaced, so runit's and svinit's lines compare. */
export function normalise(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.replace(/\(pid \d+\)/g, '(pid N)').replace(/ \d+s\b/g, ' Ns'));
}
