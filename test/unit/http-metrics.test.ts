// The probes' answers (src/http/routes.ts, metrics.ts) and the one readiness rule
// (src/protocol/readiness.ts), from a status model built by hand: every path, the label escaping,
// and the exposition's shape (HELP and TYPE before each metric's samples, every metric documented).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeLabel, METRICS, metricsText } from '../../src/http/metrics.js';
import { route } from '../../src/http/routes.js';
import type { ProbeSource } from '../../src/http/source.js';
import { readiness } from '../../src/protocol/readiness.js';
import { NO_EXTRAS, statusRow, type ServiceInfo } from '../../src/protocol/status-model.js';
import type { SuperviseStatus } from '../../src/protocol/status-file.js';
import { repoRoot } from '../helpers/fixtures.js';

const NOW = 1_800_000_000_000;

function info(name: string, status: Partial<SuperviseStatus>, extras: Partial<ServiceInfo['extras']> = {}): ServiceInfo {
  const s: SuperviseStatus = { seconds: NOW / 1000 - 12, nanos: 0, pid: 0, paused: false, want: 'u', gotTerm: false, state: 'down', ...status };
  return { name, dir: `/sv/${name}`, probe: { kind: 'ok', status: s }, status: s, normallyUp: true, extras: { ...NO_EXTRAS, restarts: 0, ...extras } };
}

const WEB = info('web', { pid: 42, state: 'run' });
const IDLE = info('idle', { want: 'd' });

function source(services: ServiceInfo[] | null, phase: ReturnType<ProbeSource['phase']> = 'running'): ProbeSource {
  return { services: () => services, phase: () => phase, shutdown: () => (phase === 'stopping' ? { ms: 1500, kills: 1 } : null), orphansReaped: () => 7 };
}

test('readiness: every wanted service runs; a down, paused or crash-looping one, starting and stopping are not ready', () => {
  const rows = (infos: ServiceInfo[]) => infos.map((i) => statusRow(i, NOW));
  assert.deepEqual(readiness(rows([WEB, IDLE]), 'running'), { ready: true, reasons: [] });
  assert.deepEqual(readiness(rows([WEB, info('db', {})]), 'running').reasons, ['db: restarting']);
  assert.deepEqual(readiness(rows([info('p', { pid: 5, state: 'run', paused: true })]), 'running').reasons, ['p: paused']);
  const loop = info('loop', { pid: 5, state: 'run' }, { recentStarts: [NOW - 3000, NOW - 2000, NOW - 1000] });
  assert.deepEqual(readiness(rows([loop]), 'running').reasons, ['loop: crash loop: 3 starts in the last minute']);
  assert.deepEqual(readiness(rows([info('f', {}, { spawnError: 'EACCES' })]), 'running').reasons,
    ['f: ./run is not executable (chmod +x run), or a directory on its path is not searchable']);
  assert.deepEqual(readiness(rows([WEB]), 'stopping'), { ready: false, reasons: ['svinit is stopping'] });
  assert.equal(readiness(rows([WEB]), 'starting').ready, false);
  assert.equal(readiness(null, 'running').ready, false);
  // Up but not ready in its own dialect (the readiness issue's record), and held for a dependency.
  const notYet = info('web', { pid: 42, state: 'run' }, { ready: false, notReadyReason: 'waiting for its readiness notification' });
  assert.deepEqual(readiness(rows([notYet]), 'running').reasons, ['web: waiting for its readiness notification']);
  const held = info('app', {}, { ready: false, notReadyReason: 'waiting for db', startedAt: null });
  assert.deepEqual(readiness(rows([held]), 'running').reasons, ['app: waiting: waiting for db']);
  assert.deepEqual(readiness(rows([info('web', { pid: 42, state: 'run' }, { ready: true })]), 'running'), { ready: true, reasons: [] });
});

test('routes: 200/503 readyz with the reason, 404 unknown path, 405 other methods, /status is the status document', () => {
  assert.deepEqual(route('GET', '/healthz', source([])), { status: 200, type: 'text/plain; charset=utf-8', body: 'ok\n' });
  assert.equal(route('GET', '/readyz?verbose', source([WEB])).body, 'ready\n');
  const down = route('GET', '/readyz', source([WEB, info('db', {})]));
  assert.deepEqual([down.status, down.body], [503, 'not ready: db: restarting\n']);
  assert.equal(route('GET', '/readyz', source([WEB], 'stopping')).status, 503);
  assert.equal(route('GET', '/healthz', source([WEB], 'stopping')).status, 200);
  assert.equal(route('GET', '/nope', source([])).status, 404);
  assert.equal(route('GET', '/', source([])).status, 404);
  for (const m of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) assert.equal(route(m, '/status', source([])).status, 405, m);
  assert.equal(route('HEAD', '/readyz', source([WEB])).status, 200);
  const status = route('GET', '/status', source([WEB]));
  const doc = JSON.parse(status.body) as { services: Array<{ name: string; state: string }> };
  assert.deepEqual(doc.services.map((r) => [r.name, r.state]), [['web', 'run']]);
  assert.ok(status.body.endsWith('}\n'));
  assert.equal(route('GET', '/status', source(null)).status, 501);
});

test('metrics: label values escaped (backslash, quote, newline)', () => {
  assert.equal(escapeLabel('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  const text = metricsText({ rows: [statusRow(info('we"ird\\x\ny', { pid: 3, state: 'run' }), NOW)], phase: 'running', shutdown: null, orphansReaped: 0 });
  assert.ok(text.includes('svinit_service_up{service="we\\"ird\\\\x\\ny"} 1\n'), text);
});

test('metrics: HELP and TYPE before each metric, samples of the status model, shutdown figures once it started', () => {
  const crashed = info('db', {}, { restarts: 4, lastExitCode: 3, recentStarts: [NOW - 1000], lastExit: 'exited 3' });
  const killed = info('job', { want: 'd' }, { lastExitSignal: 9 });
  const text = metricsText({ rows: [WEB, crashed, killed].map((i) => statusRow(i, NOW)), phase: 'stopping', shutdown: { ms: 1500, kills: 2 }, orphansReaped: 7 });
  const lines = text.split('\n');
  assert.equal(lines.at(-1), '');
  let current = '';
  for (const line of lines.slice(0, -1)) {
    const help = /^# HELP (\S+) \S/.exec(line);
    const type = /^# TYPE (\S+) (gauge|counter)$/.exec(line);
    if (help !== null) { current = help[1] ?? ''; continue; }
    if (type !== null) { assert.equal(type[1], current, line); continue; }
    assert.match(line, /^[a-z_]+(\{[^}]*\})? -?[0-9.e+]+$/, line);
    assert.ok(line.startsWith(current), `${line} outside its metric ${current}`);
  }
  for (const sample of [
    'svinit_ready 0', 'svinit_stopping 1', 'svinit_services 3', 'svinit_service_up{service="web"} 1', 'svinit_service_up{service="db"} 0',
    'svinit_service_state{service="db",state="restarting"} 1', 'svinit_service_state{service="db",state="run"} 0',
    'svinit_service_restarts_total{service="db"} 4', 'svinit_service_last_exit_code{service="db"} 3',
    'svinit_service_last_exit_signal{service="job"} 9', 'svinit_service_state_seconds{service="web"} 12', 'svinit_service_ready{service="web"} 0',
    'svinit_service_want_up{service="job"} 0', 'svinit_orphans_reaped_total 7', 'svinit_shutdown_duration_seconds 1.5', 'svinit_shutdown_kills 2',
  ]) assert.ok(lines.includes(sample), `missing ${sample}`);
  assert.ok(!text.includes('svinit_service_last_exit_code{service="web"}'), 'no exit code before an exit');
  for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_open_fds', 'process_max_fds', 'process_start_time_seconds']) {
    assert.match(text, new RegExp(`^${name} [0-9.e+]+$`, 'm'), name);
  }
  const running = metricsText({ rows: [statusRow(WEB, NOW)], phase: 'running', shutdown: null, orphansReaped: 0 });
  assert.ok(running.includes('\nsvinit_ready 1\n') && !running.includes('\nsvinit_shutdown_duration_seconds '));
});

test('every metric svinit exposes is documented in docs/commands/svinit.md', () => {
  const doc = readFileSync(join(repoRoot, 'docs/commands/svinit.md'), 'utf8');
  for (const [name] of METRICS) assert.ok(doc.includes(`| \`${name}\` |`), `${name} is not in the metrics table`);
});
