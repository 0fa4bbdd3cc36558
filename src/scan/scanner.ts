// The service-directory scanner, with runsvdir's semantics: every subdirectory (dot-names skipped,
// symlinks to directories followed: listServices) is one service, identified by the (device,
// inode) of its target, so a rename keeps the running supervisor. Unlike runsvdir's 5-second poll, a change is
// seen through inotify (fs.watch) at once, and SIGHUP forces a rescan.
import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from '../log/logger.js';
import { listServices, type ServiceEntry, type SkippedEntry } from '../service/list-services.js';

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
    let found: ServiceEntry[];
    try {
      found = listServices(this.dir, (skipped) => this.skip(skipped));
    } catch (err) {
      // As runsvdir: a failed read removes nothing.
      this.report(this.dir, `unable to read ${this.dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return;
    }
    const seen = new Set<string>();
    for (const { name, path, id } of found) {
      this.reported.delete(path);
      seen.add(id);
      if (this.entries.has(id)) continue;
      const service = this.create(name, path);
      if (service !== null) this.entries.set(id, { name, service });
    }
    for (const [key, entry] of this.entries) {
      if (seen.has(key)) continue;
      this.entries.delete(key);
      this.log.info(`${entry.name}: service directory removed, stopping it`);
      entry.service.remove();
    }
  }

  // Unlike runsvdir, which skips them silently, say once why an entry is not a service.
  private skip(skipped: SkippedEntry): void {
    const { path } = skipped;
    if (skipped.kind === 'ancestor') {
      // runsvdir would supervise it: a runsv in DIR itself, running DIR/run (docs/reliability.md).
      this.report(path, `ignoring ${path}: it leads to ${this.dir} itself or a directory above it (remove the link)`);
      return;
    }
    if (skipped.kind === 'not-dir') {
      this.report(path, `ignoring ${path}: not a directory (a service is a directory with a run script)`);
      return;
    }
    const why = skipped.code === 'ENOENT' ? 'a symbolic link to nothing' : skipped.code;
    this.report(path, `ignoring ${path}: unable to stat it: ${why}`);
  }

  /** Logs a problem once until it changes, so that a rescan does not repeat it. */
  private report(path: string, message: string): void {
    if (this.reported.get(path) === message) return;
    this.reported.set(path, message);
    this.log.warning(message);
  }
}
