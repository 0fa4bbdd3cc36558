// The service-directory scanner, with runsvdir's semantics: every subdirectory (dot-names skipped,
// symlinks to directories followed) is one service, identified by the (device, inode) of its
// target, so a rename keeps the running supervisor. Unlike runsvdir's 5-second poll, a change is
// seen through inotify (fs.watch) at once, and SIGHUP forces a rescan.
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';

/** What the scanner needs of a supervised service. */
export interface ScannedService {
  /** Brings the service down for good and releases its supervise/ directory. */
  remove(): void;
}

export type ServiceFactory = (name: string, path: string) => ScannedService | null;

interface Entry {
  readonly name: string;
  readonly service: ScannedService;
}

/** Keeps one supervisor per service directory under `dir`, in step with the directory's contents. */
export class Scanner {
  private readonly entries = new Map<string, Entry>();
  private readonly reported = new Map<string, string>();
  private watcher: FSWatcher | null = null;
  private pending = false;
  private stopped = false;

  constructor(
    private readonly dir: string,
    private readonly create: ServiceFactory,
    private readonly log: Logger,
  ) {}

  /** Scans once, then rescans on every change inotify reports. */
  start(): void {
    // Watch first: an entry added between the first scan and the watch would otherwise be missed.
    try {
      this.watcher = watch(this.dir, { persistent: true }, () => this.schedule());
      this.watcher.on('error', (err) => {
        this.log.warning(`unable to watch ${this.dir}: ${err.message}; send SIGHUP to rescan`);
        this.watcher?.close();
        this.watcher = null;
      });
    } catch (err) {
      this.log.warning(`unable to watch ${this.dir}: ${(err as Error).message}; send SIGHUP to rescan`);
    }
    this.scan();
  }

  /** Stops watching; the services stay as they are (the shutdown takes them down). */
  stop(): void {
    this.stopped = true;
    this.watcher?.close();
    this.watcher = null;
  }

  /** Coalesces a burst of inotify events into one scan on the next turn of the loop. */
  schedule(): void {
    if (this.pending || this.stopped) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      if (!this.stopped) this.scan();
    });
  }

  /** The number of services supervised now. */
  get size(): number {
    return this.entries.size;
  }

  /** Reads the directory and starts or removes supervisors to match it. */
  scan(): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      // As runsvdir: a failed read removes nothing.
      this.report(this.dir, `unable to read ${this.dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return;
    }
    const seen = new Set<string>();
    for (const name of names.sort()) {
      if (name.startsWith('.')) continue;
      const key = this.identify(name);
      if (key === null) continue;
      seen.add(key);
      if (this.entries.has(key)) continue;
      const service = this.create(name, join(this.dir, name));
      if (service !== null) this.entries.set(key, { name, service });
    }
    for (const [key, entry] of this.entries) {
      if (seen.has(key)) continue;
      this.entries.delete(key);
      this.log.info(`${entry.name}: service directory removed, stopping it`);
      entry.service.remove();
    }
  }

  private identify(name: string): string | null {
    const path = join(this.dir, name);
    try {
      const st = statSync(path);
      if (!st.isDirectory()) {
        this.report(path, `ignoring ${path}: not a directory (a service is a directory with a run script)`);
        return null;
      }
      this.reported.delete(path);
      return `${st.dev}:${st.ino}`;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      const why = code === 'ENOENT' ? 'a symbolic link to nothing' : code;
      this.report(path, `ignoring ${path}: unable to stat it: ${why}`);
      return null;
    }
  }

  /** Logs a problem once until it changes, so that a rescan does not repeat it. */
  private report(path: string, message: string): void {
    if (this.reported.get(path) === message) return;
    this.reported.set(path, message);
    this.log.warning(message);
  }
}
