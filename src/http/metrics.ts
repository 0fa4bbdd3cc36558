// GET /metrics: Prometheus's text exposition format (version 0.0.4), built from the rows of GET
// /status, svinit's readiness, its shutdown and its own process. Every metric has its HELP and
// TYPE lines, always in the order of METRICS (docs/commands/svinit.md lists the same names).
import { readiness, rowNotReady, type InitPhase } from '../protocol/readiness.js';
import { ROW_STATES, type StatusRow } from '../protocol/status-model.js';
import { processSamples } from './process-metrics.js';
import type { ShutdownProgress } from './source.js';

/** The content type of the exposition. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Kind = 'gauge' | 'counter';

/** Every metric svinit exposes: its name, type and help text. */
export const METRICS: ReadonlyArray<readonly [name: string, kind: Kind, help: string]> = [
  ['svinit_ready', 'gauge', '1 while every wanted service is up and ready (GET /readyz answers 200), else 0.'],
  ['svinit_stopping', 'gauge', '1 from the moment a shutdown starts.'],
  ['svinit_services', 'gauge', 'Services and log services supervised.'],
  ['svinit_service_state', 'gauge', 'The state of each service (as svinit status shows it): 1 for the current state, 0 for the others.'],
  ['svinit_service_up', 'gauge', '1 while the service\'s ./run runs.'],
  ['svinit_service_ready', 'gauge', '1 while the service runs and is ready (not paused, not crash-looping, ready when it reports readiness), and svinit is not stopping.'],
  ['svinit_service_want_up', 'gauge', '1 when svinit keeps the service up.'],
  ['svinit_service_restarts_total', 'counter', 'Starts of ./run after the first, since svinit started supervising the service.'],
  ['svinit_service_last_exit_code', 'gauge', 'Exit code of the last ./run that exited (absent when none did, or it was killed by a signal).'],
  ['svinit_service_last_exit_signal', 'gauge', 'Number of the signal that killed the last ./run (absent when none did).'],
  ['svinit_service_state_seconds', 'gauge', 'Seconds the service has been in its current state.'],
  ['svinit_orphans_reaped_total', 'counter', 'Orphans (processes no service owns) reaped by svinit.'],
  ['svinit_shutdown_duration_seconds', 'gauge', 'How long the shutdown has been running (absent until one starts).'],
  ['svinit_shutdown_kills', 'gauge', 'Services, commands and strays the shutdown has had to SIGKILL so far (absent until one starts).'],
  ['process_cpu_seconds_total', 'counter', 'User and system CPU time spent by svinit, in seconds.'],
  ['process_resident_memory_bytes', 'gauge', 'Resident memory size of svinit in bytes.'],
  ['process_open_fds', 'gauge', 'Open file descriptors of svinit.'],
  ['process_max_fds', 'gauge', 'svinit\'s limit of open file descriptors (RLIMIT_NOFILE, soft).'],
  ['process_start_time_seconds', 'gauge', 'When svinit started, in seconds since the epoch.'],
];

/** A label value escaped as the format asks: backslash, double quote and line feed. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A sample's value in the format's words (integers as they are, +Inf, NaN). */
function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** What one exposition is made of. */
export interface MetricsInput {
  readonly rows: readonly StatusRow[] | null;
  readonly phase: InitPhase;
  readonly shutdown: ShutdownProgress | null;
  readonly orphansReaped: number;
}

/** The samples of each metric, by name: `{labels} value` without the name. */
function samples(input: MetricsInput): Map<string, string[]> {
  const out = new Map<string, string[]>(METRICS.map(([name]) => [name, []]));
  const add = (name: string, value: number, labels = ''): void => { out.get(name)?.push(`${labels} ${num(value)}`); };
  const rows = input.rows ?? [];
  add('svinit_ready', readiness(input.rows, input.phase).ready ? 1 : 0);
  add('svinit_stopping', input.phase === 'stopping' ? 1 : 0);
  add('svinit_services', rows.length);
  for (const r of rows) {
    const service = `service="${escapeLabel(r.name)}"`;
    const l = `{${service}}`;
    for (const state of ROW_STATES) add('svinit_service_state', r.state === state ? 1 : 0, `{${service},state="${state}"}`);
    add('svinit_service_up', r.state === 'run' ? 1 : 0, l);
    add('svinit_service_ready', input.phase === 'running' && r.state === 'run' && rowNotReady(r) === null ? 1 : 0, l);
    add('svinit_service_want_up', r.want === 'up' ? 1 : 0, l);
    add('svinit_service_restarts_total', r.restarts ?? 0, l);
    if (r.lastExitCode !== null) add('svinit_service_last_exit_code', r.lastExitCode, l);
    if (r.lastExitSignal !== null) add('svinit_service_last_exit_signal', r.lastExitSignal, l);
    if (r.seconds !== null) add('svinit_service_state_seconds', r.seconds, l);
  }
  add('svinit_orphans_reaped_total', input.orphansReaped);
  if (input.shutdown !== null) {
    add('svinit_shutdown_duration_seconds', input.shutdown.ms / 1000);
    add('svinit_shutdown_kills', input.shutdown.kills);
  }
  for (const [name, value] of processSamples()) add(name, value);
  return out;
}

/** The whole exposition, at the moment of the call. */
export function metricsText(input: MetricsInput): string {
  const byName = samples(input);
  const lines: string[] = [];
  for (const [name, kind, help] of METRICS) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${kind}`);
    for (const s of byName.get(name) ?? []) lines.push(`${name}${s}`);
  }
  return `${lines.join('\n')}\n`;
}
