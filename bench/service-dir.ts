// One run's files: a fresh service directory (bind-mounted at /etc/service inside the
// namespace), the ready and marker folders the services write to, and the init's log.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICES_DIR } from './paths.js';

/** What a benchmarked service does (bench/services/KIND.sh). */
export type ServiceKind = 'graceful' | 'ignore-term' | 'idle' | 'quiet';

/** One service of a run. */
export interface ServiceSpec {
  readonly name: string;
  readonly kind: ServiceKind;
}

/** The paths of one run. */
export interface Layout {
  readonly root: string;
  readonly svcDir: string;
  readonly readyDir: string;
  readonly marksDir: string;
  readonly logFile: string;
  readonly services: readonly ServiceSpec[];
}

/** `count` services of one kind, named PREFIX-001, PREFIX-002, ... */
export function servicesOf(kind: ServiceKind, count: number, prefix = 'svc'): ServiceSpec[] {
  return Array.from({ length: count }, (_, i) => ({ name: `${prefix}-${String(i + 1).padStart(3, '0')}`, kind }));
}

/** Creates a run's folders under `root` and one service directory per service. */
export function makeLayout(root: string, services: readonly ServiceSpec[]): Layout {
  const layout: Layout = {
    root,
    svcDir: join(root, 'service'),
    readyDir: join(root, 'ready'),
    marksDir: join(root, 'marks'),
    logFile: join(root, 'init.log'),
    services,
  };
  for (const dir of [layout.svcDir, layout.readyDir, layout.marksDir]) mkdirSync(dir, { recursive: true });
  for (const svc of services) {
    const dir = join(layout.svcDir, svc.name);
    mkdirSync(dir);
    const script = join(SERVICES_DIR, `${svc.kind}.sh`);
    // The state folder is passed as an argument, so no init has to pass the environment on.
    writeFileSync(join(dir, 'run'), `#!/bin/sh\nexec ${interpreterOf(script)} '${script}' '${root}' '${svc.name}'\n`);
    chmodSync(join(dir, 'run'), 0o755);
  }
  // runsvdir sleeps 1 s before its first scan when the directory's mtime is in the current
  // second (to let entries settle); a directory made an hour ago keeps start-up fair.
  const past = new Date(Date.now() - 3_600_000);
  utimesSync(layout.svcDir, past, past);
  return layout;
}

/** The shell a service script names on its #! line (/bin/sh or /bin/bash); the scripts need no x bit. */
function interpreterOf(script: string): string {
  const first = readFileSync(script, 'utf8').split('\n', 1)[0] ?? '';
  return first.startsWith('#!') ? first.slice(2).trim() : '/bin/sh';
}

/** Number of services that left a marker with this suffix (".term", ".clean"). */
export function countMarks(layout: Layout, suffix: string, names?: readonly string[]): number {
  const wanted = names ?? layout.services.map((s) => s.name);
  return wanted.filter((name) => existsSync(join(layout.marksDir, name + suffix))).length;
}

/** Whether this service left a marker with this suffix. */
export function hasMark(layout: Layout, name: string, suffix: string): boolean {
  return existsSync(join(layout.marksDir, name + suffix));
}

/** The contents of each marker with this suffix, by service name (services without one are absent). */
export function readMarks(layout: Layout, suffix: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const { name } of layout.services) {
    try {
      out.set(name, readFileSync(join(layout.marksDir, name + suffix), 'utf8').trim());
    } catch {
      // no marker
    }
  }
  return out;
}

/** The pid each service reported (its pid inside the namespace). */
export function readyPids(layout: Layout): Map<string, number> {
  const pids = new Map<string, number>();
  for (const name of readdirSync(layout.readyDir)) {
    const pid = Number(readFileSync(join(layout.readyDir, name), 'utf8').trim());
    if (pid > 0) pids.set(name, pid);
  }
  return pids;
}

/** Watches the ready folder with inotify (fs.watch) until `count` services have written their pid. */
export interface ReadyWatch {
  /** Resolves with performance.now() at the event that completed the set; rejects on timeout. */
  readonly ready: Promise<number>;
  close(): void;
}

/** Starts watching before the init is spawned, so no ready file can be missed. */
export function watchReady(dir: string, count: number, timeoutMs: number): ReadyWatch {
  const done = new Set<string>();
  let settle: ((at: number) => void) | null = null;
  let fail: ((err: Error) => void) | null = null;
  const ready = new Promise<number>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  // A file counts once its pid is written (non-empty), not when it is merely created.
  const check = (name: string): void => {
    if (done.has(name)) return;
    try {
      if (readFileSync(join(dir, name), 'utf8').trim() !== '') done.add(name);
    } catch {
      return;
    }
    if (done.size >= count) settle?.(performance.now());
  };
  ready.catch(() => undefined); // the caller awaits it; this only avoids an unhandled rejection
  const watcher = watch(dir, (_event, name) => {
    if (name !== null) check(String(name));
  });
  for (const name of readdirSync(dir)) check(name);
  const timer = setTimeout(() => {
    fail?.(new Error(`unable to see ${count} services ready: only ${done.size} after ${timeoutMs} ms`));
  }, timeoutMs);
  return {
    ready,
    close(): void {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
