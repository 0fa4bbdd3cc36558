// `svinit status [--json] [--dir DIR] [SERVICE...]`: every service at a glance (state, pid,
// time in that state, want, restarts, last exit), as a table for people or JSON for machines.
import { CRASH_STARTS, startsText, statusJson, statusRow, type StatusRow } from '../protocol/status-model.js';
import type { CliOutput } from './output.js';
import { collectServices } from './service-list.js';
import { serviceRoot } from './service-dir.js';
import { version } from '../process/version.js';
import { parseCli } from './args.js';

const HELP = `usage: svinit status [--json] [--dir DIR] [SERVICE...]   (or -h, --help, --version)

Shows every service in DIR (--dir, else $SVDIR, else /etc/service), or the ones named, with its
log service. Exit 0 when every service could be read, 1 otherwise, 100 on usage errors.
See docs/commands/status.md.`;

/** 59s, 3m12s, 2h05m, 3d04h: short enough for a column. */
export function formatAge(seconds: number): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${two(seconds % 60)}s`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h${two(Math.floor(seconds / 60) % 60)}m`;
  return `${Math.floor(seconds / 86400)}d${two(Math.floor(seconds / 3600) % 24)}h`;
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
  if (json) output.out(statusJson(rows, now));
  else for (const line of statusTable(rows, now)) output.out(line);
  return rows.some((r) => r.error !== null) ? 1 : 0;
}

function usage(output: CliOutput, message: string): number {
  output.err(`svinit status: ${message}`);
  output.err('usage: svinit status [--json] [--dir DIR] [SERVICE...]');
  return 100;
}
