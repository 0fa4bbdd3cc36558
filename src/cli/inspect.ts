// Reading one service's state from outside, for `sv status`, `svinit status` and `svinit check`:
// the supervise/ probe, the `down` file, the `log/` service and svinit's own supervise/svinit.json.
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ProbeResult } from '../protocol/client.js';
import { probeService } from '../protocol/client.js';
import type { LogView } from '../protocol/sv-format.js';
import type { SuperviseStatus } from '../protocol/status-file.js';
import { readSmallFile } from '../service/small-file.js';
import { EXTRA_FILE, type SvinitJson } from '../protocol/svinit-json.js';

/** Whether `dir/down` exists (any file type); an unreadable answer counts as absent. */
export function downFileExists(dir: string): boolean {
  try {
    statSync(join(dir, 'down'));
    return true;
  } catch {
    return false;
  }
}

/** sv's chdir("log") step: the log directory, absent, or the errno of entering it. */
export function logDirectory(dir: string): { kind: 'absent' } | { kind: 'chdir-error'; code: string } | { kind: 'dir'; dir: string } {
  const logDir = join(dir, 'log');
  try {
    if (!statSync(logDir).isDirectory()) return { kind: 'chdir-error', code: 'ENOTDIR' };
    accessSync(logDir, constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    return code === 'ENOENT' ? { kind: 'absent' } : { kind: 'chdir-error', code };
  }
  return { kind: 'dir', dir: logDir };
}

/** What `sv status` prints after the main line for `log/` (see statusOutput). */
export function logView(dir: string): LogView {
  const log = logDirectory(dir);
  if (log.kind !== 'dir') return log;
  const probe = probeService(log.dir);
  if (probe.kind !== 'ok') return { kind: 'probe-failed', probe };
  return { kind: 'ok', status: probe.status, downExists: downFileExists(log.dir) };
}

/** Whether `dir/check` exists (sv stats it; no file means "available"). */
export function checkScriptExists(dir: string): boolean | string {
  try {
    statSync(join(dir, 'check'));
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    return code === 'ENOENT' ? false : code;
  }
}

/** svinit's extra per-service facts (supervise/svinit.json); runsv writes no such file (then all null or empty). */
export type ServiceExtras = Omit<SvinitJson, 'restarts' | 'ready' | 'stopping'> & {
  readonly restarts: number | null;
  /** null: no svinit record (runsv supervises it; ready means up there). */
  readonly ready: boolean | null;
  readonly stopping: boolean | null;
};

const NO_EXTRAS: ServiceExtras = {
  restarts: null, lastExit: null, startedAt: null, failed: null, lastExitCode: null, lastExitSignal: null, spawnError: null,
  recentStarts: [], finishTimedOutAt: null, problems: [], ready: null, readySince: null, notReadyReason: null, notifyStatus: null,
  stopping: null,
};

/** Reads supervise/svinit.json; missing, unreadable or malformed gives all-null fields. */
export function readExtras(dir: string): ServiceExtras {
  let data: unknown;
  try {
    data = JSON.parse(readSmallFile(join(dir, 'supervise', EXTRA_FILE)) ?? 'null');
  } catch {
    return NO_EXTRAS;
  }
  if (typeof data !== 'object' || data === null) return NO_EXTRAS;
  const d = data as Record<string, unknown>;
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  const list = <T>(v: unknown, ok: (x: unknown) => x is T): T[] => (Array.isArray(v) ? v.filter(ok).slice(0, 64) : []);
  return {
    restarts: num(d['restarts']),
    lastExit: str(d['lastExit']),
    startedAt: num(d['startedAt']),
    failed: str(d['failed']),
    lastExitCode: num(d['lastExitCode']),
    lastExitSignal: num(d['lastExitSignal']),
    spawnError: str(d['spawnError']),
    recentStarts: list(d['recentStarts'], (x): x is number => typeof x === 'number' && Number.isFinite(x)),
    finishTimedOutAt: num(d['finishTimedOutAt']),
    problems: list(d['problems'], (x): x is string => typeof x === 'string'),
    ready: typeof d['ready'] === 'boolean' ? d['ready'] : null,
    readySince: num(d['readySince']),
    notReadyReason: str(d['notReadyReason']),
    notifyStatus: str(d['notifyStatus']),
    stopping: typeof d['stopping'] === 'boolean' ? d['stopping'] : null,
  };
}

/** One service (or log service) as `svinit status` and `svinit check` see it. */
export interface ServiceInfo {
  readonly name: string;
  readonly dir: string;
  /** The probe: the decoded status, or why there is none. */
  readonly probe: ProbeResult | { kind: 'missing'; code: string };
  readonly status: SuperviseStatus | null;
  /** No `down` file: the service is started when its supervisor starts. */
  readonly normallyUp: boolean;
  readonly extras: ServiceExtras;
}

/** Probes `dir` under `name`; `missing` is the errno when the directory cannot be entered. */
export function inspectService(name: string, dir: string, missing?: string): ServiceInfo {
  if (missing !== undefined) {
    return { name, dir, probe: { kind: 'missing', code: missing }, status: null, normallyUp: true, extras: NO_EXTRAS };
  }
  const probe = probeService(dir);
  return {
    name,
    dir,
    probe,
    status: probe.kind === 'ok' ? probe.status : null,
    normallyUp: !downFileExists(dir),
    extras: readExtras(dir),
  };
}

/** The service in `dir` followed by its log service when `log/` is a directory. */
export function inspectWithLog(name: string, dir: string, missing?: string): ServiceInfo[] {
  const main = inspectService(name, dir, missing);
  if (missing !== undefined) return [main];
  const log = logDirectory(dir);
  return log.kind === 'dir' ? [main, inspectService(`${name}/log`, log.dir)] : [main];
}

/** What `svinit status` and `svinit check` say when supervise/ has no reader (sv's own words stay runit's "runsv not running"). */
export const NO_SUPERVISOR = 'no supervisor running (neither svinit nor runsv)';

/** A crash loop: this many starts of ./run within CRASH_WINDOW_MS. */
export const CRASH_STARTS = 3;
export const CRASH_WINDOW_MS = 60_000;

/** How many times ./run started in the last CRASH_WINDOW_MS (from svinit's record). */
export function startsLastMinute(info: ServiceInfo, nowMs: number): number {
  return info.extras.recentStarts.filter((t) => t > nowMs - CRASH_WINDOW_MS && t <= nowMs + 1000).length;
}

/** Why ./run cannot start, in words, from the errno name svinit recorded (null when it starts). */
export function spawnErrorText(code: string | null): string | null {
  switch (code) {
    case null: return null;
    case 'EACCES': return './run is not executable (chmod +x run), or a directory on its path is not searchable';
    case 'ENOENT': return './run does not exist, or its #! interpreter does not';
    case 'ENOEXEC': return './run is not an executable format (add a #! line)';
    case 'ETXTBSY': return './run is open for writing (still being written?)';
    case 'EMFILE': case 'ENFILE': return 'no file descriptor left to start ./run';
    default: return `./run cannot be started (${code})`;
  }
}

/**
 * Why the service is failed, when svinit's record says so and the status file agrees (down, no
 * pid, want byte d: a failed service is written so that runit's `sv up` reaches svinit); null
 * otherwise (a record older than the status is not believed).
 */
export function failedReason(info: ServiceInfo): string | null {
  const s = info.status;
  if (info.extras.failed === null || info.probe.kind !== 'ok' || s === null) return null;
  return s.state === 'down' && s.pid === 0 && s.want === 'd' ? info.extras.failed : null;
}

/**
 * Why a service that should be up is not ready (null: ready). svinit's record decides while svinit
 * supervises it (a record older than the status file is not believed: the pid must match); under
 * runsv, which has no readiness, ready means up.
 */
export function notReadyReason(info: ServiceInfo): string | null {
  const s = info.status;
  const x = info.extras;
  if (x.stopping === true) return 'svinit is stopping';
  if (x.ready === null) return s !== null && s.state === 'run' && s.pid !== 0 ? null : 'not up';
  if (x.ready) return s !== null && s.state === 'run' && s.pid !== 0 ? null : 'not up';
  return x.notReadyReason ?? 'not ready';
}
