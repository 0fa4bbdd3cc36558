// Reading one service's state from outside, for `sv status`, `svinit status` and `svinit check`:
// the supervise/ probe, the `down` file, the `log/` service and svinit's own supervise/svinit.json.
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { probeService } from '../protocol/client.js';
import type { LogView } from '../protocol/sv-format.js';
import { readSmallFile } from '../service/small-file.js';
import { EXTRA_FILE } from '../protocol/svinit-json.js';
import { NO_EXTRAS, type ServiceExtras, type ServiceInfo } from '../protocol/status-model.js';

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
