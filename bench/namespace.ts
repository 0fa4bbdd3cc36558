// Runs one init as PID 1 of a fresh PID + mount namespace, with the run's service directory
// bind-mounted at /etc/service, and gives the bench the init's host pid to signal and measure.
//
// util-linux 2.38's `unshare --fork` blocks SIGINT and SIGTERM in the parent and forwards
// nothing (checked in setup, see docs/benchmarks.md), so the bench signals the namespace's PID 1
// directly by its host pid: the first child of the unshare process. A signal from an ancestor
// namespace reaches a namespace init only if it handles it (or it is SIGKILL/SIGSTOP).
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { childrenOf, innerPid } from './proc.js';
import { delay } from './measure.js';

/** How the namespace's PID 1 ended, as the unshare process (which mirrors it) reported it. */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: string | null;
  /** performance.now() when the exit was seen. */
  readonly at: number;
}

/** A running namespace init. */
export interface Pid1 {
  /** PID 1 of the namespace, as a host pid. */
  readonly hostPid: number;
  /** The unshare process; it exits once PID 1 and everything else in the namespace is gone. */
  readonly launcherPid: number;
  /** performance.now() just before the spawn. */
  readonly spawnedAt: number;
  readonly exited: Promise<ExitInfo>;
  isRunning(): boolean;
  /** Sends SIGTERM to PID 1; returns performance.now() taken just before the kill. */
  terminate(): number;
  /** SIGKILLs PID 1 if it still runs (the kernel then kills the rest) and waits for the exit. */
  kill(): Promise<ExitInfo>;
}

/** What to run as PID 1. */
export interface LaunchOptions {
  readonly serviceDir: string;
  readonly argv: readonly string[];
  readonly logFile: string;
}

const live = new Set<Pid1>();

/** PATH for everything in the namespace: this node first, so svinit's launcher finds it. */
export function benchEnv(): NodeJS.ProcessEnv {
  return { PATH: `${dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, LANG: 'C' };
}

/** The command line that starts `argv` as PID 1 (exported for the setup's self-checks). */
export function namespaceCommand(serviceDir: string, argv: readonly string[]): string[] {
  // setpriv --pdeathsig: if the bench dies, unshare dies, and --kill-child SIGKILLs PID 1.
  return [
    'setpriv', '--pdeathsig', 'KILL', '--',
    'unshare', '--pid', '--fork', '--mount-proc', '--mount', '--kill-child', '--',
    '/bin/sh', '-c', 'mount --bind "$1" /etc/service && shift && exec "$@"', 'pid1', serviceDir, ...argv,
  ];
}

/** Starts the init and resolves once its host pid is known. */
export async function launchPid1(opts: LaunchOptions): Promise<Pid1> {
  const [file, ...args] = namespaceCommand(opts.serviceDir, opts.argv);
  const log = openSync(opts.logFile, 'a');
  const spawnedAt = performance.now();
  const child = spawn(file as string, args, { stdio: ['ignore', log, log], env: benchEnv() });
  closeSync(log);
  let done = false;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.on('exit', (code, signal) => {
      done = true;
      resolve({ code, signal, at: performance.now() });
    });
    child.on('error', () => {
      done = true;
      resolve({ code: null, signal: null, at: performance.now() });
    });
  });
  const launcherPid = child.pid ?? -1;
  const hostPid = await findPid1(launcherPid, () => done, opts.logFile);
  const handle: Pid1 = {
    hostPid,
    launcherPid,
    spawnedAt,
    exited,
    isRunning: () => !done,
    terminate(): number {
      const at = performance.now();
      process.kill(hostPid, 'SIGTERM');
      return at;
    },
    async kill(): Promise<ExitInfo> {
      if (!done) signal(hostPid, 'SIGKILL');
      const timer = setTimeout(() => signal(launcherPid, 'SIGKILL'), 10_000);
      const info = await exited;
      clearTimeout(timer);
      live.delete(handle);
      return info;
    },
  };
  live.add(handle);
  void exited.then(() => live.delete(handle));
  return handle;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

async function findPid1(launcherPid: number, ended: () => boolean, logFile: string): Promise<number> {
  const deadline = performance.now() + 10_000;
  // The launcher forks PID 1 within a few ms of its own start; the poll only discovers a pid.
  while (performance.now() < deadline && !ended()) {
    const [first] = childrenOf(launcherPid);
    if (first !== undefined && innerPid(first) === 1) return first;
    await delay(1);
  }
  let log = '';
  try {
    log = readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    // no log
  }
  signal(launcherPid, 'SIGKILL');
  throw new Error(`unable to start the namespace init: ${ended() ? 'unshare exited' : 'no PID 1 after 10 s'}${log ? `: ${log}` : ''}`);
}

/** SIGKILLs every namespace init still running (emergency exit path; synchronous). */
export function killAllPid1(): void {
  for (const p of live) {
    signal(p.hostPid, 'SIGKILL');
    signal(p.launcherPid, 'SIGKILL');
  }
  live.clear();
}

/** Number of namespace inits still running (for the end-of-bench leak check). */
export function runningPid1Count(): number {
  return live.size;
}
