// Ready or not, for svinit as a whole: the one definition behind GET /readyz and the ready metrics
// (--http). A service that should be up counts; it is ready when it runs, is not paused, is not
// crash-looping and is ready in its own dialect (the row's `ready`, from notReadyReason in
// status-model.ts). svinit is ready when every such service is, and never while it starts or stops.
import { CRASH_STARTS, startsText, type StatusRow } from './status-model.js';

/** Where svinit itself is: its start-up hooks run (nothing supervised yet), it runs, or it stops. */
export type InitPhase = 'starting' | 'running' | 'stopping';

/** Whether `row` is a service svinit should keep up: want up, or unknown want and no down file. */
export function wantedUp(row: StatusRow): boolean {
  return row.want === 'up' || (row.want === null && row.normally === 'up');
}

/** Why a wanted service is not ready ("restarting", "waiting: waiting for db", "crash loop: 5 starts in the last minute"), or null when it is ready or not wanted. */
export function rowNotReady(row: StatusRow): string | null {
  if (!wantedUp(row)) return null;
  if (row.state !== 'run') {
    if (row.failed !== null) return `failed: ${row.failed}`;
    if (row.state === 'waiting' && row.notReadyReason !== null) return `waiting: ${row.notReadyReason}`;
    return row.error ?? row.spawnError ?? row.state;
  }
  if (row.paused === true) return 'paused';
  if ((row.startsLastMinute ?? 0) >= CRASH_STARTS) return `crash loop: ${startsText(row.startsLastMinute ?? 0)} in the last minute`;
  // Up, and ready in its own dialect (notification-fd, sd_notify, check; the readiness issue).
  if (row.ready === false) return row.notReadyReason ?? 'not ready';
  return null;
}

/** svinit's readiness: ready, or the reasons it is not (one per service, `name: reason`). */
export function readiness(rows: readonly StatusRow[] | null, phase: InitPhase): { ready: boolean; reasons: string[] } {
  if (phase === 'stopping') return { ready: false, reasons: ['svinit is stopping'] };
  if (phase === 'starting') return { ready: false, reasons: ['svinit is starting (start-up hooks run)'] };
  if (rows === null) return { ready: false, reasons: ['the runit engine keeps no status in svinit'] };
  const reasons: string[] = [];
  for (const row of rows) {
    const why = rowNotReady(row);
    if (why !== null) reasons.push(`${row.name}: ${why}`);
  }
  return { ready: reasons.length === 0, reasons };
}
