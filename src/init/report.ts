// The shutdown report: one line per service on stderr, then a total; or the same as one JSON
// object with --report json.
import type { StopRecord } from '../supervise/stop-record.js';

/** The whole shutdown, as the report shows it. */
export interface ShutdownReport {
  readonly trigger: string;
  readonly graceMs: number;
  readonly totalMs: number;
  readonly services: readonly StopRecord[];
  /** Processes outside any service (orphans, double-forked daemons) signalled at the end. */
  readonly strays: { readonly termed: number; readonly killed: number };
  readonly exitCode: number;
}

function line(r: StopRecord): string {
  if (r.signal === null || r.ms === null) return `svinit: shutdown: ${r.name}: was not running`;
  const killed = r.killed ? ', SIGKILLed at its deadline' : '';
  return `svinit: shutdown: ${r.name}: sent ${r.signal}, gone after ${r.ms} ms, ${r.status ?? 'status unknown'}${killed}`;
}

/** "3 service(s)", or "3 service(s) and 1 log(s)": a log service is reported as NAME/log. */
function units(records: readonly StopRecord[]): string {
  const logs = records.filter((r) => r.name.endsWith('/log')).length;
  const services = `${records.length - logs} service(s)`;
  return logs === 0 ? services : `${services} and ${logs} log(s)`;
}

/** The report as text lines, one per service, then the total. */
export function formatReportText(report: ShutdownReport): string[] {
  const lines = report.services.map(line);
  const killed = report.services.filter((s) => s.killed).length;
  const strays = report.strays.termed > 0 ? `, ${report.strays.termed} stray process(es) signalled` : '';
  lines.push(
    `svinit: shutdown: ${report.trigger}: ${units(report.services)} stopped in ${report.totalMs} ms ` +
      `(grace ${report.graceMs} ms), ${killed} SIGKILLed${strays}, exit ${report.exitCode}`,
  );
  return lines;
}

/** The report as one line of JSON. */
export function formatReportJson(report: ShutdownReport): string {
  return JSON.stringify({ svinit: 'shutdown', ...report });
}
