// The one svinit under soak: `bin/svinit --dir DIR` as a child subreaper, or (--pid1) as PID 1 of
// a new PID and mount namespace (`unshare --pid --fork --mount-proc --kill-child`), where the
// launcher puts the C front at PID 1 and svinit's Node under it. Its stderr and stdout go to a
// log file (a file, not a pipe, so the driver can never push back on it); the stop leaves no
// process behind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, readStatus } from '../../src/protocol/client.js';
import { repoRoot } from '../helpers/fixtures.js';
import { childrenOf, killMembers, snapshotTree } from '../helpers/proc.js';

export interface Ended {
  readonly code: number | null;
  readonly signal: string | null;
  readonly ms: number;
}

/** Why svinit cannot run as PID 1 here, or null. */
export function pid1Problem(): string | null {
  if (process.getuid?.() !== 0) return 'PID 1 mode needs root (unshare --pid)';
  const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', '--', 'true'], { encoding: 'utf8' });
  if (r.error !== undefined) return `unable to run unshare: ${r.error.message}`;
  return r.status === 0 ? null : `unshare --pid --fork --mount-proc refused: ${r.stderr.trim()}`;
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

export class SvinitProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  /** svinit's own process (Node), which holds the descriptors and the memory measured. */
  pid = 0;
  /** Where the stop signal and the SIGHUPs go: svinit, or as PID 1 the front, as an engine sends them. */
  signalPid = 0;
  /** The processes orphans are reparented to (svinit; as PID 1, also the front). */
  reapers: number[] = [];

  constructor(dir: string, readonly logFile: string, readonly pid1: boolean) {
    const fd = openSync(logFile, 'a');
    const argv = [join(repoRoot, 'bin/svinit'), '--dir', dir];
    this.child = pid1
      ? spawn('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', '--', ...argv], { stdio: ['ignore', fd, fd] })
      : spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.exited = new Promise((res) => this.child.once('exit', (code, signal) => res({ code, signal })));
    if (!pid1) [this.pid, this.signalPid, this.reapers] = [this.child.pid ?? 0, this.child.pid ?? 0, [this.child.pid ?? 0]];
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until every one of `dirs` answers sv and has a status file; throws after `ms`. */
  async supervising(dirs: readonly string[], ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!dirs.every((d) => isAlive(d).kind === 'alive' && readStatus(d).kind === 'ok')) {
      if (!this.alive) throw new Error(`svinit exited during start-up:\n${this.log()}`);
      if (Date.now() > end) throw new Error(`svinit did not take over ${dirs.join(' ')} within ${ms / 1000} s:\n${this.log()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    if (this.pid1) this.findPid1();
  }

  /** unshare -> the front (PID 1 inside) -> svinit's node. */
  private findPid1(): void {
    const front = childrenOf(this.child.pid ?? 0)[0];
    const node = front === undefined ? undefined : childrenOf(front).find((p) => comm(p) === 'node');
    if (front === undefined || node === undefined) throw new Error(`unable to find the front and svinit under unshare pid ${this.child.pid}`);
    [this.pid, this.signalPid, this.reapers] = [node, front, [front, node]];
  }

  /** SIGTERM, then the exit (up to `ms`); whatever is left of its tree is SIGKILLed after. */
  async stop(ms: number): Promise<Ended> {
    const snap = snapshotTree(this.child.pid ?? 0);
    const t0 = performance.now();
    if (this.alive) process.kill(this.signalPid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([this.exited, new Promise<null>((res) => { timer = setTimeout(() => res(null), ms); })]);
    clearTimeout(timer);
    const elapsed = performance.now() - t0;
    killMembers(snap);
    if (r === null) {
      this.child.kill('SIGKILL');
      await this.exited;
      return { code: null, signal: 'timeout', ms: elapsed };
    }
    return { ...r, ms: elapsed };
  }

  /** SIGKILL to svinit and everything under it (a failed run's teardown). */
  kill(): void {
    const snap = snapshotTree(this.child.pid ?? 0);
    if (snap.length > 0) killMembers(snap, snap[0]);
  }

  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }
}
