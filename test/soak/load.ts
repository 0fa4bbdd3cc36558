// The soak's other loads: a flood on one supervise/control (`yes Zah | tr -d '\n'`: junk bytes and
// two commands taking turns, so the queue fills and drops), SIGHUP storms, and service
// directories linked in and out of the service directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../../src/protocol/client.js';
import { account, emptyLedger, type Ledger } from './ledger.js';
import type { World } from './world.js';

/** The flood: `yes Zah | tr -d '\n' > supervise/control`, until stop(). */
export class Flood {
  private yes: ChildProcess | null = null;
  private tr: ChildProcess | null = null;
  private fd = -1;
  /** Why the writer failed to start (yes or tr missing), once it has. */
  failure: string | null = null;

  /** Starts it; returns why it cannot run, or null. */
  start(serviceDir: string): string | null {
    const control = join(serviceDir, 'supervise', 'control');
    try {
      // Non-blocking first, so that a FIFO with no reader is an error (ENXIO), not a hang; then the
      // blocking descriptor tr writes to, as a shell's `>` would give it.
      closeSync(openSync(control, constants.O_WRONLY | constants.O_NONBLOCK));
      this.fd = openSync(control, constants.O_WRONLY);
    } catch (err) {
      return `unable to open ${control}: ${(err as Error).message}`;
    }
    this.yes = spawn('yes', ['Zah'], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.tr = spawn('tr', ['-d', '\\n'], { stdio: [this.yes.stdout ?? 'ignore', this.fd, 'ignore'] });
    for (const p of [this.yes, this.tr]) p.once('error', (err) => { this.failure ??= `unable to run the flood: ${err.message}`; });
    return null;
  }

  /** Bytes tr has written so far (its write counter in /proc). */
  bytes(): number {
    try {
      return Number(/^wchar: (\d+)$/m.exec(readFileSync(`/proc/${this.tr?.pid}/io`, 'utf8'))?.[1] ?? 0);
    } catch {
      return 0;
    }
  }

  get running(): boolean {
    return this.tr !== null && this.tr.exitCode === null && this.tr.signalCode === null;
  }

  /** Ends it; returns the bytes written. */
  stop(): number {
    const n = this.bytes();
    this.yes?.kill('SIGKILL');
    this.tr?.kill('SIGKILL');
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    return n;
  }
}

/** Bursts of SIGHUP to svinit: `burst` signals back to back every `everyMs`. */
export class HupStorm {
  sent = 0;
  private timer: NodeJS.Timeout | null = null;

  start(pid: number, burst: number, everyMs: number): void {
    this.timer = setInterval(() => {
      for (let i = 0; i < burst; i++) {
        try {
          process.kill(pid, 'SIGHUP');
          this.sent++;
        } catch {
          return; // svinit gone: the driver notices
        }
      }
    }, everyMs);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
  }
}

/** A dynamic service unlinked and not yet seen ended. */
interface Leaving {
  readonly name: string;
  readonly since: number;
}

/** Directories that come and go: one linked in every tick, the oldest unlinked beyond `keep`. */
export class Churn {
  readonly ledger: Ledger = emptyLedger();
  added = 0;
  removed = 0;
  private live: string[] = [];
  private leaving: Leaving[] = [];

  constructor(private readonly world: World, private readonly keep: number, private readonly endMs: number,
    private readonly keepFiles: boolean) {}

  /** One step: add one, unlink the oldest beyond the limit, account those that have ended. */
  tick(): void {
    this.live.push(this.world.addDynamic());
    this.added++;
    while (this.live.length > this.keep) this.unlink(this.live.shift() as string);
    this.collect();
  }

  /** Unlinks every live one. */
  unlinkAll(): void {
    for (const name of this.live) this.unlink(name);
    this.live = [];
  }

  /** How many are unlinked but not yet seen ended. */
  get pending(): number {
    return this.leaving.length;
  }

  /** Accounts each unlinked service whose supervisor has let go (finish done, supervise/ closed). */
  collect(): void {
    const now = Date.now();
    this.leaving = this.leaving.filter(({ name, since }) => {
      const dir = this.world.storePath(name);
      if (isAlive(dir).kind === 'alive') {
        if (now - since < this.endMs) return true;
        this.ledger.problems.push(`${name}: still supervised ${this.endMs / 1000} s after its link was removed`);
        return false;
      }
      account(join(dir, 'events'), this.ledger, true);
      if (!this.keepFiles) this.world.removeStored(name);
      this.removed++;
      return false;
    });
  }

  private unlink(name: string): void {
    this.world.unlinkDynamic(name);
    this.leaving.push({ name, since: Date.now() });
  }
}
