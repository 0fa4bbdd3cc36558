// Reading how a service tells that it is ready, and what it needs first: s6's `notification-fd`,
// systemd's `notify`, runit's `check`, `timeout-ready` (ms), and s6-rc's `dependencies.d/` (one
// empty file per service needed). Read each time ./run starts, so an edit counts at the next
// start; a malformed file is reported (once per change, by the caller) and the service counts as
// ready when up.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readMs, readSetting, unreadable, type ConfigProblem } from './service-config.js';

/** The highest notification-fd: the child fds one spawn can map (native/spawn.h SV_MAX_SLOTS) less one. */
export const NOTIFICATION_FD_MAX = 63;

/** A check script with no timeout-ready is polled this long at most before the start counts as failed. */
export const DEFAULT_CHECK_TIMEOUT_MS = 60_000;

/** The most entries of dependencies.d that are read (more is a mistake, not a service graph). */
export const DEPENDENCIES_MAX = 256;

/** How a service says it is ready. */
export type ReadyDialect =
  | { readonly kind: 'fd'; readonly fd: number }
  | { readonly kind: 'notify' }
  | { readonly kind: 'check' }
  | { readonly kind: 'up' };

export interface ReadinessSettings {
  readonly dialect: ReadyDialect;
  /** ms from the start of ./run to ready, else the start failed; 0 = no limit. */
  readonly timeoutReadyMs: number;
  readonly problems: readonly ConfigProblem[];
}

function present(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false }) !== undefined;
}

/** notification-fd: a number from 3 to NOTIFICATION_FD_MAX, or a problem and null. */
function readNotificationFd(dir: string, problems: ConfigProblem[]): number | null {
  const path = join(dir, 'notification-fd');
  const fix = 'write one descriptor number from 3 to 63, e.g. 3; until then the service counts as ready when up';
  let text: string | null;
  try {
    text = readSetting(dir, 'notification-fd');
  } catch (err) {
    problems.push({ file: 'notification-fd', message: unreadable(dir, 'notification-fd', err, 'ready when up', '3') });
    return null;
  }
  if (text === null) return null;
  if (!/^\d{1,9}$/.test(text)) {
    problems.push({ file: 'notification-fd', message: `unable to use ${path}: "${text.slice(0, 40)}" is not a descriptor number; ${fix}` });
    return null;
  }
  const fd = Number(text);
  if (fd <= 2) {
    const which = ['stdin', 'stdout', 'stderr'][fd] ?? '';
    problems.push({ file: 'notification-fd', message: `unable to use ${path}: ${fd} is ./run's ${which}, already in use; ${fix}` });
    return null;
  }
  if (fd > NOTIFICATION_FD_MAX) {
    problems.push({ file: 'notification-fd', message: `unable to use ${path}: ${fd} is above ${NOTIFICATION_FD_MAX}; ${fix}` });
    return null;
  }
  return fd;
}

/** The readiness settings of the service directory `dir` (a log service has none); never throws. */
export function readReadiness(dir: string): ReadinessSettings {
  const problems: ConfigProblem[] = [];
  const fd = readNotificationFd(dir, problems);
  const notify = present(join(dir, 'notify'));
  let dialect: ReadyDialect = { kind: 'up' };
  if (fd !== null) {
    if (notify) {
      problems.push({
        file: 'notify',
        message: `unable to use both ${join(dir, 'notification-fd')} and ${join(dir, 'notify')}: the readiness channel is already in use; using notification-fd (remove one of them)`,
      });
    }
    dialect = { kind: 'fd', fd };
  } else if (notify) dialect = { kind: 'notify' };
  else if (present(join(dir, 'check'))) dialect = { kind: 'check' };
  const fallback = dialect.kind === 'check' ? DEFAULT_CHECK_TIMEOUT_MS : 0;
  const timeoutReadyMs = readMs(dir, 'timeout-ready', fallback, problems, 'milliseconds', '10000');
  return { dialect, timeoutReadyMs: dialect.kind === 'check' && timeoutReadyMs === 0 ? DEFAULT_CHECK_TIMEOUT_MS : timeoutReadyMs, problems };
}

/** The services `dir` needs (s6-rc's dependencies.d/: one entry per service name); never throws. */
export function readDependencies(dir: string): { names: string[]; problems: ConfigProblem[] } {
  const path = join(dir, 'dependencies.d');
  const st = statSync(path, { throwIfNoEntry: false });
  if (st === undefined) return { names: [], problems: [] };
  if (!st.isDirectory()) {
    return { names: [], problems: [{ file: 'dependencies.d', message: `unable to use ${path}: it is not a directory; it is ignored (make it a directory holding one empty file per service needed)` }] };
  }
  let entries: string[];
  try {
    entries = readdirSync(path).filter((n) => !n.startsWith('.')).sort();
  } catch (err) {
    return { names: [], problems: [{ file: 'dependencies.d', message: `unable to read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}; it is ignored (make it readable)` }] };
  }
  if (entries.length > DEPENDENCIES_MAX) {
    return {
      names: entries.slice(0, DEPENDENCIES_MAX),
      problems: [{ file: 'dependencies.d', message: `unable to use all of ${path}: more than ${DEPENDENCIES_MAX} entries; using the first ${DEPENDENCIES_MAX}` }],
    };
  }
  return { names: entries, problems: [] };
}
