// The runit engine: Debian's real runsvdir supervises (one runsv per service), and svinit is
// the PID 1 around it that runsvinit meant to be, without its races: svinit is the only reaper,
// routes runsvdir's exit to itself by pid, and stops the services by runit's own protocol.
import { readFileSync, utimesSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log/logger.js';
import { kill, killpg } from '../native/native.js';
import { decodeStatus, describeStatus } from '../process/exit-status.js';
import type { Reaper } from '../process/reaper.js';
import { listChildren } from '../process/children.js';
import { which } from '../process/path-search.js';
import { SIG } from '../process/signals.js';
import { isAlive, readStatus, sendControl } from '../protocol/client.js';
import type { SuperviseStatus } from '../protocol/status-file.js';
import { listServices } from '../service/list-services.js';
import { builtinOnlyFiles } from '../service/builtin-only.js';
import type { StopContext, StopRecord } from '../process/stop-record.js';
import { checkServiceDir, SetupError } from './builtin.js';
import type { Engine } from './engine.js';

/** Registers a listener for orphans the reaper collected (runsv processes, once runsvdir is gone). */
export type OrphanFeed = (listener: (pid: number) => void) => void;

/** The runsv pid supervising each service name, from the runsv processes' argv (`runsv NAME`). */
function runsvByName(pids: Iterable<number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of pids) {
    const argv = argvOf(pid);
    if (argv?.[0] === 'runsv' && argv[1] !== undefined) out.set(argv[1], pid);
  }
  return out;
}

/** A process's argv from /proc, or null once it is gone. */
function argvOf(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return null;
  }
}

/**
 * Down for good: no process, and want down (runsv stores want=exit as 'd'). runsv forks ./run
 * before it writes the pid, so a status read in between still holds runsv's first record (down,
 * pid 0, want up) although ./run runs: that record is not "down" until runsv has taken the 'x'.
 */
function isDown(s: SuperviseStatus): boolean {
  return s.pid === 0 && s.state === 'down' && s.want === 'd';
}

/**
 * Watches one runsv-supervised directory down to "runsv gone", recording when it stopped. Once
 * the service is down, runsv may still sleep out its 1-second restart throttle before exiting
 * (runit-protocol §9.5) with SIGTERM blocked. `down` is then called: with the service and its
 * log down and want=exit, all runsv has left to do is `_exit(0)`, so svinit SIGKILLs it rather
 * than wait out a sleep that could only delay the container's stop.
 */
function stopOne(name: string, path: string, t0: number, log: Logger, down: () => void): { path: string; record: StopRecord; watcher: FSWatcher | null; kill(): void } {
  const status = readStatus(path);
  const running = status.kind === 'ok' && status.status.pid !== 0;
  const rec = { name, signal: running ? 'SIGTERM' : null, ms: null as number | null, status: null as string | null, killed: false };
  const check = (): void => {
    if (rec.ms !== null) return;
    const s = readStatus(path);
    // runsv writes ./run's pid only after the fork: a stop that met a starting service sees it here.
    if (s.kind === 'ok' && s.status.pid !== 0) rec.signal = 'SIGTERM';
    if (s.kind !== 'ok' || isDown(s.status)) {
      rec.ms = Math.round(performance.now() - t0);
      const l = readStatus(join(path, 'log'));
      if (l.kind !== 'ok' || isDown(l.status)) down();
    }
  };
  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(join(path, 'supervise'), () => check());
  } catch {
    // no supervise/ to watch: the record keeps ms null
  }
  // 'x': TERM and CONT to ./run, then runsv exits once the service (and its log) are down.
  const sent = sendControl(path, 'x');
  if (sent.kind !== 'sent') log.debug(`${name}: unable to send x to runsv: ${sent.kind}`);
  return {
    path,
    record: rec,
    watcher,
    kill() {
      for (const p of [path, join(path, 'log')]) {
        const s = readStatus(p);
        if (s.kind !== 'ok' || s.status.pid === 0) continue;
        if (p === path) rec.killed = true;
        kill(s.status.pid, SIG.KILL);
        killpg(s.status.pid, SIG.KILL);
      }
    },
  };
}

/**
 * One warning per file that only the built-in engine reads (decisions.md, Engines), and one for
 * --critical: runsv runs the rest of the service as usual.
 */
function warnBuiltinOnly(dir: string, critical: ReadonlySet<string>, log: Logger): void {
  for (const s of listServices(dir)) {
    for (const f of builtinOnlyFiles(s.path)) {
      log.warning(`${s.name}: ${f} is ignored with --engine runit (runsv does not read it); use --engine builtin for it`);
    }
  }
  for (const name of critical) log.warning(`--critical ${name} is ignored with --engine runit (runsv does not report a service that fails for good); use --engine builtin for it`);
}

/** The runit engine over `dir`; `critical` (--critical) is only warned about. */
export function createRunitEngine(
  dir: string, reaper: Reaper, onOrphan: OrphanFeed, log: Logger, env: Readonly<Record<string, string>>,
  stdin: 'inherit' | 'null' = 'inherit', critical: ReadonlySet<string> = new Set(),
): Engine {
  const orphaned = new Set<number>();
  let orphanSeen: (() => void) | null = null;
  let runsvdir = 0;
  let stopping = false;
  onOrphan((pid) => {
    // Only the shutdown needs to know which runsv processes are gone: no per-orphan record
    // is kept while the container runs.
    if (!stopping) return;
    orphaned.add(pid);
    orphanSeen?.();
  });
  let runsvdirGone: (() => void) | null = null;
  let killers: Array<() => void> = [];
  let runsvs = new Set<number>();
  const launch = (file: string): void => {
    runsvdir = reaper.spawn({ file, argv: ['runsvdir', '-P', dir], env, session: true, stdio: [stdin] }, (status) => {
      runsvdir = 0;
      runsvdirGone?.();
      if (stopping) return;
      log.warning(`runsvdir ${describeStatus(decodeStatus(status))}; starting it again`);
      setTimeout(() => { if (!stopping) launch(file); }, 1000);
    });
  };
  // runsvdir is killed; its runsv processes keep running (runsvdir never signals them on TERM
  // either, runit-protocol §6.1) and are reparented to svinit, the subreaper or PID 1.
  // Resolves with those still alive.
  const stopRunsvdir = async (): Promise<Set<number>> => {
    const mine = new Set(runsvdir === 0 ? [] : listChildren(runsvdir));
    if (runsvdir !== 0) {
      const gone = new Promise<void>((resolve) => { runsvdirGone = resolve; });
      // SIGKILL, not TERM: on TERM runsvdir only exits (it signals no runsv), but it notices
      // the TERM only when its poll returns, up to 5 s later if the TERM lands while it scans.
      kill(runsvdir, SIG.KILL);
      await gone;
    }
    // A runsv that exited before runsvdir did was reaped by runsvdir; it is neither an orphan
    // of ours nor a child any more. The others are (alive or zombie) svinit's children now.
    const children = listChildren();
    // runsvdir may have started a runsv after `mine` was read (start-up, a rescan): those are
    // svinit's children now too, and get SIGTERM (runsv's 'x') below, in shutdown().
    for (const [, pid] of runsvByName(children)) mine.add(pid);
    // Likewise a fork of runsvdir that is not runsv yet (see below).
    for (const pid of children) if (argvOf(pid)?.[0] === 'runsvdir') mine.add(pid);
    const now = new Set(children);
    return new Set([...mine].filter((p) => now.has(p) || orphaned.has(p)));
  };
  return {
    start() {
      checkServiceDir(dir);
      const file = which('runsvdir', env['PATH']);
      if (file === null || which('runsv', env['PATH']) === null) {
        throw new SetupError('unable to use --engine runit: runsvdir or runsv not found on $PATH; install runit (apt-get install runit) or use --engine builtin');
      }
      warnBuiltinOnly(dir, critical, log);
      launch(file);
      log.debug(`runit engine: runsvdir -P ${dir} is pid ${runsvdir}`);
    },
    rescan() {
      // runsvdir rescans when the directory's mtime changes, at its next wake-up (at most 5 s).
      const now = new Date();
      try {
        utimesSync(dir, now, now);
      } catch (err) {
        log.warning(`unable to touch ${dir} for runsvdir to rescan: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
    },
    async stop(ctx: StopContext): Promise<void> {
      stopping = true;
      const { t0 } = ctx;
      // 'x' first, so that the services start stopping at once; runsvdir, which would start a
      // runsv again only at its next scan (≥ 1 s away), is stopped right after.
      const byName = runsvByName(runsvdir === 0 ? [] : listChildren(runsvdir));
      const stops = listServices(dir).filter((s) => isAlive(s.path).kind === 'alive').map((s) => stopOne(s.name, s.path, t0, log, () => {
        const pid = byName.get(s.name);
        if (pid !== undefined && !orphaned.has(pid)) kill(pid, SIG.KILL);
      }));
      // runsv sends the signals; what svinit knows is that every runsv has its 'x'.
      ctx.signalled();
      killers = stops.map((s) => s.kill);
      runsvs = await stopRunsvdir();
      // A runsv that was not yet listening when 'x' went out (start-up) gets SIGTERM, runsv's 'x'.
      // A fork of runsvdir that has not exec'd runsv yet (its argv is still runsvdir's) would
      // lose that TERM to runsvdir's inherited handler and then start its service: it has started
      // nothing yet, so it gets SIGKILL.
      const told = new Set(stops.map((st) => byName.get(st.record.name)).filter((p): p is number => p !== undefined));
      for (const p of runsvs) {
        if (told.has(p) || orphaned.has(p)) continue;
        kill(p, argvOf(p)?.[0] === 'runsvdir' ? SIG.KILL : SIG.TERM);
      }
      await new Promise<void>((resolve) => {
        const check = (): void => {
          if ([...runsvs].every((p) => orphaned.has(p))) finish();
        };
        const finish = (): void => {
          orphanSeen = null;
          resolve();
        };
        orphanSeen = check;
        check();
      });
      const end = Math.round(performance.now() - t0);
      for (const s of stops) {
        s.watcher?.close();
        const r = s.record;
        ctx.record(s.path, r.signal === null ? r : { ...r, ms: r.ms ?? end });
      }
    },
    kill() {
      for (const k of killers) k();
      // A runsv would now run ./finish, or wait for a log that never sees EOF: at the deadline
      // nothing more may run, so runsv goes too (its leftovers are strays for the last sweep).
      for (const p of runsvs) if (!orphaned.has(p)) kill(p, SIG.KILL);
    },
    ownedPids() {
      return new Set([...(runsvdir === 0 ? [] : [runsvdir]), ...[...runsvs].filter((p) => !orphaned.has(p))]);
    },
    // runsv has no readiness: a service is ready when up (the new files were warned about at start).
    announceStop() {},
    waitReady() {
      return Promise.resolve([]);
    },
    onCritical() {
      // runsv never tells: warned about at start.
    },
    snapshot() {
      // Each runsv keeps its service's state in its own process and files; svinit holds none.
      return null;
    },
    dir,
    serviceCount() {
      return listServices(dir).length;
    },
  };
}
