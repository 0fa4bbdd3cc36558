// Samples svinit once a second during the soak: every supervise/status (20 bytes, decodable),
// svinit's RSS and descriptors, and the zombies of its reapers (svinit; as PID 1, the front too):
// one that lives through three samples was not reaped, a lingering zombie.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeStatus, STATUS_SIZE } from '../../src/protocol/status-file.js';
import { openFds, procStat, rssKb, zombiesOf } from '../helpers/proc.js';

export interface Samples {
  /** [minutes since the load began, RSS kB] */
  rss: [number, number][];
  fds: number[];
  statusChecked: number;
  statusBad: number;
  /** The first few bad ones, with why. */
  badExamples: string[];
  maxZombies: number;
  lingering: string[];
}

export class Sampler {
  readonly samples: Samples = { rss: [], fds: [], statusChecked: 0, statusBad: 0, badExamples: [], maxZombies: 0, lingering: [] };
  /** "pid start" of each zombie -> consecutive samples it was seen in. */
  private zombies = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  /** Zombies at the last sample. */
  lastZombies = 0;

  constructor(private readonly pid: number, private readonly reapers: readonly number[], private readonly dir: string,
    private readonly t0: number) {}

  start(everyMs: number): void {
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One sample now. */
  sample(): void {
    const s = this.samples;
    s.rss.push([(Date.now() - this.t0) / 60_000, rssKb(this.pid)]);
    try {
      s.fds.push(openFds(this.pid).length);
    } catch {
      // svinit gone: the driver notices
    }
    for (const d of this.statusFiles()) this.checkStatus(d);
    const seen = new Map<string, number>();
    const zs = this.reapers.flatMap((r) => zombiesOf(r));
    this.lastZombies = zs.length;
    s.maxZombies = Math.max(s.maxZombies, zs.length);
    for (const z of zs) {
      const key = `${z} ${procStat(z)?.start ?? '?'}`;
      const n = (this.zombies.get(key) ?? 0) + 1;
      seen.set(key, n);
      if (n === 3) s.lingering.push(`zombie pid ${z} seen in 3 samples a second apart`);
    }
    this.zombies = seen;
  }

  /** Every service directory (and log/) in the service directory now, dynamic ones included. */
  private statusFiles(): string[] {
    const out: string[] = [];
    for (const name of readdirSync(this.dir)) {
      if (name.startsWith('.')) continue;
      out.push(join(this.dir, name));
      out.push(join(this.dir, name, 'log'));
    }
    return out;
  }

  private checkStatus(serviceDir: string): void {
    let buf: Buffer;
    try {
      buf = readFileSync(join(serviceDir, 'supervise', 'status'));
    } catch {
      return; // not a log service, not taken over yet, or unlinked since the listing
    }
    this.samples.statusChecked++;
    const bad = (why: string): void => {
      this.samples.statusBad++;
      if (this.samples.badExamples.length < 10) this.samples.badExamples.push(`${serviceDir}/supervise/status: ${why}`);
    };
    if (buf.length !== STATUS_SIZE) return bad(`${buf.length} bytes`);
    try {
      decodeStatus(buf);
    } catch (err) {
      bad((err as Error).message);
    }
  }
}
