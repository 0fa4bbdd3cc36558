// The one svinit under soak: `bin/svinit --dir DIR` as a subreaper, its stderr and stdout in a
// log file (a file, not a pipe, so the driver can never push back on it), and a stop that leaves
// no process behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, readStatus } from '../../src/protocol/client.js';
import { repoRoot } from '../helpers/fixtures.js';
import { killMembers, snapshotTree } from '../helpers/proc.js';

export interface Ended {
  readonly code: number | null;
  readonly signal: string | null;
  readonly ms: number;
}

export class SvinitProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;

  constructor(dir: string, readonly logFile: string) {
    const fd = openSync(logFile, 'a');
    this.child = spawn(join(repoRoot, 'bin/svinit'), ['--dir', dir], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.exited = new Promise((res) => this.child.once('exit', (code, signal) => res({ code, signal })));
  }

  get pid(): number {
    return this.child.pid ?? 0;
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
  }

  /** SIGTERM, then the exit (up to `ms`); whatever is left of its tree is SIGKILLed after. */
  async stop(ms: number): Promise<Ended> {
    const snap = snapshotTree(this.pid);
    const t0 = performance.now();
    if (this.alive) this.child.kill('SIGTERM');
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
    const snap = snapshotTree(this.pid);
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
