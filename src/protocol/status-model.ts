// The status model: one service as svinit reports it (its probe, status record and svinit's
// extras), the row of `svinit status --json` built from it, and the JSON document. The CLI builds
// the model from the supervise/ files; PID 1 (--http) from its own memory, the same row either way.
import { errorText } from './error-text.js';
import type { ProbeResult } from './client.js';
import { failureMessage } from './sv-format.js';
import type { SuperviseStatus } from './status-file.js';
import { RECENT_STARTS, type SvinitJson } from './svinit-json.js';
import { ageSeconds } from './tai64.js';

/** svinit's extra per-service facts (supervise/svinit.json); runsv writes no such file (then all null or empty). */
export type ServiceExtras = Omit<SvinitJson, 'restarts' | 'ready' | 'stopping'> & {
  readonly restarts: number | null;
  /** null: no svinit record (runsv supervises it; ready means up there). */
  readonly ready: boolean | null;
  readonly stopping: boolean | null;
};

/** The extras of a service svinit has no record of. */
export const NO_EXTRAS: ServiceExtras = {
  restarts: null, lastExit: null, startedAt: null, failed: null, lastExitCode: null, lastExitSignal: null, spawnError: null,
  recentStarts: [], finishTimedOutAt: null, problems: [], ready: null, readySince: null, notReadyReason: null, notifyStatus: null,
  stopping: null,
};

/** One service (or log service) as `svinit status`, `svinit check` and the probes see it. */
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

/** What `svinit status` and `svinit check` say when supervise/ has no reader (sv's own words stay runit's "runsv not running"). */
export const NO_SUPERVISOR = 'no supervisor running (neither svinit nor runsv)';

/** A crash loop: this many starts of ./run within CRASH_WINDOW_MS. */
export const CRASH_STARTS = 3;
export const CRASH_WINDOW_MS = 60_000;

/** How many times ./run started in the last CRASH_WINDOW_MS (from svinit's record). */
export function startsLastMinute(info: ServiceInfo, nowMs: number): number {
  return info.extras.recentStarts.filter((t) => t > nowMs - CRASH_WINDOW_MS && t <= nowMs + 1000).length;
}

/** "5 starts", or "10 or more starts" when svinit's record (its last RECENT_STARTS) is all in the window. */
export function startsText(n: number): string {
  return n >= RECENT_STARTS ? `${RECENT_STARTS} or more starts` : `${n} starts`;
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

/** One row of `svinit status --json` (and of GET /status). */
export interface StatusRow {
  readonly name: string;
  readonly dir: string;
  /**
   * run, down (want down: down on purpose), finish, restarting (down, want up: it ended and is
   * started again), waiting (want up, held for its dependencies, never started yet), crash-loop (want up, and it cannot start or started 3 times in a minute),
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

/** Every state a row can be in, in the order of StatusRow's `state`. */
export const ROW_STATES = ['run', 'down', 'finish', 'restarting', 'waiting', 'crash-loop', 'failed', 'not-running', 'unsupervised', 'missing', 'error'] as const;

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

/** The document `svinit status --json` prints and GET /status serves (one line, no newline). */
export function statusJson(rows: readonly StatusRow[], nowMs: number): string {
  return JSON.stringify({ time: new Date(nowMs).toISOString(), services: rows });
}
