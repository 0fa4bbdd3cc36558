// `svinit status [--json] [--dir DIR] [SERVICE...]`: every service at a glance (state, pid,
// time in that state, want, restarts, last exit), as a table for people or JSON for machines.
import { failureMessage } from '../protocol/sv-format.js';
import { ageSeconds } from '../protocol/tai64.js';
import { RECENT_STARTS } from '../protocol/svinit-json.js';
import { CRASH_STARTS, failedReason, NO_SUPERVISOR, notReadyReason, spawnErrorText, startsLastMinute, type ServiceInfo } from './inspect.js';
import type { CliOutput } from './output.js';
import { collectServices } from './service-list.js';
import { serviceRoot } from './service-dir.js';
import { errorText } from '../protocol/error-text.js';
import { version } from '../process/version.js';
import { parseCli } from './args.js';

const HELP = `usage: svinit status [--json] [--dir DIR] [SERVICE...]   (or -h, --help, --version)

Shows every service in DIR (--dir, else $SVDIR, else /etc/service), or the ones named, with its
log service. Exit 0 when every service could be read, 1 otherwise, 100 on usage errors.
See docs/commands/status.md.`;

/** One row of `svinit status --json`. */
export interface StatusRow {
  readonly name: string;
  readonly dir: string;
  /**
   * run, down (want down: down on purpose), finish, restarting (down, want up: it ended and is
   * started again), crash-loop (want up, and it cannot start or started 3 times in a minute),
   * failed (down, want up, not restarted until sv up: see `failed`), or why the state is unknown:
   * not-running, unsupervised, missing, error.
   */
  readonly state: string;
  readonly pid: number | null;
  /** Seconds in the current state (since ./run started while running). */
  readonly seconds: number | null;
  readonly uptime: number | null;
  readonly want: 'up' | 'down' | null;
  readonly normally: 'up' | 'down';
  readonly paused: boolean | null;
  readonly gotTerm: boolean | null;
  readonly restarts: number | null;
  /** The last ./run exit in words ("exited 2", "killed by SIGTERM"), and as numbers. */
  readonly lastExit: string | null;
  readonly lastExitCode: number | null;
  readonly lastExitSignal: number | null;
  /** When ./run last started, ISO 8601 UTC (every duration in this row is in seconds). */
  readonly startedAt: string | null;
  /** Starts of ./run in the last 60 s (3 or more: a crash loop). */
  readonly startsLastMinute: number | null;
  /** Why ./run cannot start, while it keeps failing ("./run is not executable ..."). */
  readonly spawnError: string | null;
  /** When ./finish was last killed at its timeout-finish, ISO 8601 UTC. */
  readonly finishTimedOutAt: string | null;
  /** Setting files svinit rejected at its last read, one line each. */
  readonly problems: readonly string[];
  /** Why the service is failed (it gave up, or cannot start); null in every other state. */
  readonly failed: string | null;
  /** Ready in its own dialect (notification-fd, notify, check; else up); null when unknown (no supervisor). */
  readonly ready: boolean | null;
  /** When it last became ready, ISO 8601 UTC. */
  readonly readySince: string | null;
  /** Why it is not ready (waiting for a dependency, a cycle, svinit stopping); null when ready. */
  readonly notReadyReason: string | null;
  /** Its last sd_notify STATUS= text. */
  readonly notifyStatus: string | null;
  /** svinit is shutting down (every service reports not ready). */
  readonly stopping: boolean;
  readonly error: string | null;
}

function problem(info: ServiceInfo): { state: string; error: string } | null {
  const p = info.probe;
  if (p.kind === 'ok') return null;
  if (p.kind === 'missing') return { state: 'missing', error: `unable to change to service directory: ${errorText(p.code)}` };
  if (p.kind === 'not-running') return { state: 'not-running', error: NO_SUPERVISOR };
  // sv's words without its `fail: NAME: ` head.
  const error = failureMessage(info.name, p, false).line.replace(/^\w+: /, '').slice(info.name.length + 2);
  return { state: p.kind === 'unsupervised' ? p.kind : 'error', error };
}

/** The row for one service, at `nowMs`. */
export function statusRow(info: ServiceInfo, nowMs: number): StatusRow {
  const s = info.status;
  const bad = problem(info);
  const seconds = s === null ? null : ageSeconds(s.seconds, nowMs);
  const failed = failedReason(info);
  const x = info.extras;
  // svinit's record counts only when a supervisor runs (a stale file from an earlier run is ignored).
  const live = info.probe.kind === 'ok';
  const spawnError = live ? spawnErrorText(x.spawnError) : null;
  const recent = live && x.recentStarts.length > 0 ? startsLastMinute(info, nowMs) : null;
  const failing = spawnError !== null || (recent ?? 0) >= CRASH_STARTS;
  const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
  let state = bad?.state ?? (failed !== null ? 'failed' : s?.state) ?? 'error';
  // Held for its dependencies (never started yet): waiting, not restarting.
  const held = live && x.ready === false && s?.state === 'down' && s.pid === 0 && x.startedAt === null && x.notReadyReason !== null;
  if (state === 'down' && s?.want === 'u') state = held ? 'waiting' : failing ? 'crash-loop' : 'restarting';
  const notReady = live ? notReadyReason(info) : null;
  return {
    name: info.name,
    dir: info.dir,
    state,
    pid: s !== null && s.pid !== 0 ? s.pid : null,
    seconds,
    uptime: s !== null && s.state === 'run' ? seconds : null,
    // A failed service: svinit wants it up, but does not restart it until sv up.
    want: s === null ? null : s.want === 'u' || failed !== null ? 'up' : 'down',
    normally: info.normallyUp ? 'up' : 'down',
    paused: s?.paused ?? null,
    gotTerm: s?.gotTerm ?? null,
    restarts: x.restarts,
    lastExit: x.lastExit,
    lastExitCode: x.lastExitCode,
    lastExitSignal: x.lastExitSignal,
    startedAt: iso(x.startedAt),
    startsLastMinute: recent,
    spawnError,
    finishTimedOutAt: live ? iso(x.finishTimedOutAt) : null,
    problems: live ? x.problems : [],
    failed,
    ready: live ? notReady === null : null,
    readySince: live && notReady === null ? iso(x.readySince) : null,
    notReadyReason: live ? notReady : null,
    notifyStatus: live ? x.notifyStatus : null,
    stopping: live && x.stopping === true,
    error: bad?.error ?? null,
  };
}

/** 59s, 3m12s, 2h05m, 3d04h: short enough for a column. */
export function formatAge(seconds: number): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${two(seconds % 60)}s`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h${two(Math.floor(seconds / 60) % 60)}m`;
  return `${Math.floor(seconds / 86400)}d${two(Math.floor(seconds / 3600) % 24)}h`;
}

/** "5 starts", or "10 or more starts" when svinit's record (its last RECENT_STARTS) is all in the window. */
export function startsText(n: number): string {
  return n >= RECENT_STARTS ? `${RECENT_STARTS} or more starts` : `${n} starts`;
}

function note(r: StatusRow, nowMs: number): string {
  if (r.error !== null) return r.error;
  const parts: string[] = r.failed === null ? [] : [r.failed];
  // Why it is not ready, when that says more than its state (a down service is plainly not ready).
  if (r.ready === false && r.notReadyReason !== null && r.notReadyReason !== 'down' && r.notReadyReason !== 'not up' && r.failed === null) parts.push(`not ready: ${r.notReadyReason}`);
  if (r.notifyStatus !== null) parts.push(`status: ${r.notifyStatus}`);
  if (r.spawnError !== null && r.failed === null) parts.push(r.spawnError);
  if ((r.startsLastMinute ?? 0) >= CRASH_STARTS) parts.push(`crash loop: ${startsText(r.startsLastMinute ?? 0)} in the last minute`);
  if (r.finishTimedOutAt !== null) {
    const ago = Math.max(0, Math.round((nowMs - Date.parse(r.finishTimedOutAt)) / 1000));
    parts.push(`./finish killed at its timeout-finish ${formatAge(ago)} ago`);
  }
  parts.push(...r.problems);
  if (r.paused === true) parts.push('paused');
  if (r.gotTerm === true) parts.push('got TERM');
  if ((r.normally === 'down') !== (r.want === 'down')) parts.push(`normally ${r.normally}`);
  return parts.join(', ');
}

/** The table: a header and one aligned line per row. */
export function statusTable(rows: readonly StatusRow[], nowMs = Date.now()): string[] {
  const dash = (v: unknown): string => (v === null || v === undefined ? '-' : String(v));
  const cells = rows.map((r) => [
    r.name, r.state, dash(r.pid), r.seconds === null ? '-' : formatAge(r.seconds), dash(r.want),
    r.ready === null ? '-' : r.ready ? 'yes' : 'no', dash(r.restarts), dash(r.lastExit), note(r, nowMs),
  ]);
  const head = ['SERVICE', 'STATE', 'PID', 'TIME', 'WANT', 'READY', 'RESTARTS', 'LAST EXIT', 'NOTE'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  return [head, ...cells].map((c) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

/** Runs `svinit status ARGS...`; returns the exit code. */
export function runStatus(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string, output: CliOutput): number {
  const parsed = parseCli(argv, {
    json: { type: 'boolean' }, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' },
  });
  if (!parsed.ok) return usage(output, parsed.message);
  const { values, names } = parsed;
  if (values.help === true) {
    output.out(HELP);
    return 0;
  }
  if (values.version === true) {
    output.out(`svinit ${version()}`);
    return 0;
  }
  const json = values.json === true;
  const dir = values.dir;
  const found = collectServices(names, serviceRoot(dir, env), cwd);
  if (found.kind === 'error') {
    output.err(`svinit status: ${found.message}`);
    return 1;
  }
  const now = Date.now();
  const rows = found.services.map((s) => statusRow(s, now));
  if (json) output.out(JSON.stringify({ time: new Date(now).toISOString(), services: rows }));
  else for (const line of statusTable(rows, now)) output.out(line);
  return rows.some((r) => r.error !== null) ? 1 : 0;
}

function usage(output: CliOutput, message: string): number {
  output.err(`svinit status: ${message}`);
  output.err('usage: svinit status [--json] [--dir DIR] [SERVICE...]');
  return 100;
}
