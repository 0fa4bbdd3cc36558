// The shutdown report: one line per service on stderr, then a total; or the same as one JSON
// object with --report json.
import { escapeControl } from '../log/logger.js';
import type { StopRecord } from '../process/stop-record.js';

/** The whole shutdown, as the report shows it. */
export interface ShutdownReport {
  readonly trigger: string;
  readonly graceMs: number;
  readonly totalMs: number;
  /** ms from the stop signal until every running service had its down signal (runit engine: its 'x'); a service whose control/t runs first is not waited for. */
  readonly signalledMs: number | null;
  /** Command mode: how the main command ended, when the shutdown stopped it (null: it ended by itself, or service mode). */
  readonly command: StopRecord | null;
  readonly services: readonly StopRecord[];
  /** Processes outside any service (orphans, double-forked daemons) signalled at the end. */
  readonly strays: { readonly termed: number; readonly killed: number };
  /** The failure path ran: an internal error during the shutdown, everything SIGKILLed. */
  readonly failed: boolean;
  /** The critical service whose failure for good started this shutdown, and its status as an exit code. */
  readonly critical: { readonly name: string; readonly reason: string; readonly code: number } | null;
  readonly exitCode: number;
}

function line(r: StopRecord): string {
  const name = escapeControl(r.name);
  if (r.ms === null) return `svinit: shutdown: ${name}: was not running`;
  const sent = r.signal === null ? 'sent nothing (its ./finish was running)' : `sent ${r.signal}`;
  const killed = r.killed ? ', SIGKILLed at its deadline' : '';
  return `svinit: shutdown: ${name}: ${sent}, gone after ${r.ms} ms, ${r.status ?? 'status unknown'}${killed}`;
}

/** "3 service(s)", or "3 service(s) and 1 log(s)": a log service is reported as NAME/log. */
function units(records: readonly StopRecord[]): string {
  const logs = records.filter((r) => r.name.endsWith('/log')).length;
  const services = `${records.length - logs} service(s)`;
  return logs === 0 ? services : `${services} and ${logs} log(s)`;
}

/** The report as text lines, one per service, then the total. */
export function formatReportText(report: ShutdownReport): string[] {
  const lines = [...(report.command === null ? [] : [line(report.command)]), ...report.services.map(line)];
  const killed = report.services.filter((s) => s.killed).length + (report.command?.killed === true ? 1 : 0);
  const { termed, killed: strayKilled } = report.strays;
  const strays = (termed > 0 ? `, ${termed} stray process(es) signalled` : '') +
    (strayKilled > 0 ? `, ${strayKilled} stray process(es) SIGKILLed` : '');
  const failed = report.failed ? ' after an internal error, everything SIGKILLed' : '';
  lines.push(
    `svinit: shutdown: ${report.trigger}: ${units(report.services)} stopped in ${report.totalMs} ms ` +
      `(grace ${report.graceMs} ms)${failed}, ${killed} SIGKILLed${strays}, exit ${report.exitCode}`,
  );
  return lines;
}

/** The report as one line of JSON. */
export function formatReportJson(report: ShutdownReport): string {
  return JSON.stringify({ svinit: 'shutdown', ...report });
}
