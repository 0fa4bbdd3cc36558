// --http end to end: a real svinit serving its probes on loopback, read by real clients (Node's
// http client, curl where installed): every path's status code and body, /status byte for byte
// against `svinit status --json`, /readyz flipping on a crash loop and at the shutdown, the
// exposition checked by Prometheus's own promtool, and the option's errors (exit 100 and 111).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { SVINIT_BIN, runToEnd, trapRun } from './init-harness.js';
import { flapRun, get, missingTool, startProbed, until } from './http-harness.js';

const SLEEPER = '#!/bin/sh\nexec sleep 1000\n';
const NO_CURL = missingTool('curl', 'the curl client check');
const NO_PROMTOOL = missingTool('promtool', "Debian's prometheus package; .ci/run installs it");

test('every path: status code, content type and body', { timeout: 60_000 }, async (t) => {
  const p = await startProbed(t, { web: { run: SLEEPER }, off: { run: SLEEPER, down: ['', 0o644] } });
  const ready = await until(p.url, '/readyz', (r) => r.status === 200, 15_000, 'ready');
  assert.equal(ready.body, 'ready\n');
  const health = await get(p.url, '/healthz');
  assert.deepEqual([health.status, health.body, health.headers['content-type']], [200, 'ok\n', 'text/plain; charset=utf-8']);
  assert.equal(health.headers['cache-control'], 'no-store');
  const status = await get(p.url, '/status');
  assert.equal(status.headers['content-type'], 'application/json');
  const doc = JSON.parse(status.body) as { services: Array<{ name: string; state: string; want: string }> };
  assert.deepEqual(doc.services.map((r) => [r.name, r.state, r.want]), [['off', 'down', 'down'], ['web', 'run', 'up']]);
  const metrics = await get(p.url, '/metrics');
  assert.equal(metrics.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  assert.match(metrics.body, /^svinit_service_up\{service="web"\} 1$/m);
  assert.match(metrics.body, /^svinit_service_up\{service="off"\} 0$/m);
  assert.match(metrics.body, /^svinit_ready 1$/m);
  assert.match(metrics.body, /^process_resident_memory_bytes \d+$/m);
  const head = await get(p.url, '/readyz', 'HEAD');
  assert.deepEqual([head.status, head.body, head.headers['content-length']], [200, '', '6']);
  const missing = await get(p.url, '/nope');
  assert.equal(missing.status, 404);
  for (const method of ['POST', 'PUT', 'DELETE']) {
    const r = await get(p.url, '/status', method);
    assert.deepEqual([r.status, r.headers['allow']], [405, 'GET, HEAD'], method);
  }
  if (NO_CURL === false) {
    const c = spawnSync('curl', ['-s', '-f', '-o', '-', '-w', ' %{http_code}', `${p.url}/healthz`], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(c.stdout, 'ok\n 200');
    const bad = spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `${p.url}/readyz`, '-X', 'POST'], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(bad.stdout, '405');
  } else {
    t.diagnostic(`curl part skipped: ${NO_CURL}`);
  }
});

test('GET /status is byte for byte `svinit status --json --dir DIR` (from memory, not the files)', { timeout: 60_000 }, async (t) => {
  const p = await startProbed(t, {
    web: { run: SLEEPER, 'log/run': '#!/bin/sh\nexec cat >/dev/null\n' },
    crash: { run: '#!/bin/sh\nsleep 0.3\nexit 3\n' },
    off: { run: SLEEPER, down: ['', 0o644] },
  });
  await until(p.url, '/status', (r) => r.body.includes('"lastExitCode":3'), 15_000, 'a first exit of crash');
  // The two are read a few ms apart: the time field always differs, and a state may change or a
  // second tick over in between. Equal bytes (but the time) within a few tries, or a real difference.
  const strip = (s: string): string => s.replace(/^\{"time":"[^"]*",/, '{');
  let last = '';
  for (let i = 0; i < 20; i++) {
    const http = await get(p.url, '/status');
    const cli = spawnSync(SVINIT_BIN, ['status', '--json', '--dir', p.tree.sv], { encoding: 'utf8', env: { ...process.env, SVINIT_NODE: process.execPath } });
    assert.match(http.body, /^\{"time":"\d{4}-\d\d-\d\dT[\d:.]+Z","services":\[/);
    if (strip(http.body) === strip(cli.stdout)) return;
    last = `http: ${http.body}\ncli:  ${cli.stdout}`;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`never the same bytes:\n${last}`);
});

test('/readyz: 503 with the reason while a service crash-loops; 503 from the moment a shutdown starts, /healthz still 200', { timeout: 90_000 }, async (t) => {
  const p = await startProbed(t, { web: { run: trapRun('web', '2') }, flap: { run: flapRun('flap') } }, ['--grace', '10']);
  await until(p.url, '/readyz', (r) => r.status === 200, 15_000, 'ready');
  writeFileSync(p.tree.marker('flap.crash'), '');
  // flap's ./run (exec'd into sleep) dies; every start from now on exits 3 at once.
  process.kill(Number(p.tree.read('flap.ready')), 'SIGKILL');
  const down = await until(p.url, '/readyz', (r) => r.status === 503, 15_000, 'not ready');
  assert.match(down.body, /^not ready: flap: (restarting|crash-loop|crash loop: \d+ starts in the last minute)\n$/);
  const loop = await until(p.url, '/readyz', (r) => r.body.includes('crash'), 20_000, 'the crash loop named');
  assert.match(loop.body, /flap: (crash-loop|crash loop: \d+ starts in the last minute)/);
  const metrics = await get(p.url, '/metrics');
  assert.match(metrics.body, /^svinit_service_restarts_total\{service="flap"\} [1-9]\d*$/m);
  assert.match(metrics.body, /^svinit_service_last_exit_code\{service="flap"\} 3$/m);
  assert.match(metrics.body, /^svinit_ready 0$/m);

  // The shutdown: web takes 2 s over its TERM; all that time /readyz says so, /healthz stays 200.
  rmSync(p.tree.marker('flap.crash'));
  await p.init.signal('SIGTERM');
  const stopping = await until(p.url, '/readyz', (r) => r.body.includes('stopping'), 2000, 'stopping');
  assert.deepEqual([stopping.status, stopping.body], [503, 'not ready: svinit is stopping\n']);
  assert.equal((await get(p.url, '/healthz')).status, 200);
  const during = await get(p.url, '/metrics');
  assert.match(during.body, /^svinit_stopping 1$/m);
  assert.match(during.body, /^svinit_shutdown_duration_seconds [\d.]+$/m);
  assert.match(during.body, /^svinit_shutdown_kills 0$/m);
  assert.equal((await get(p.url, '/readyz')).status, 503, 'still answering, still not ready');
  const { code } = await p.init.exit(15_000);
  assert.equal(code, 0);
});

test('/readyz follows a service\'s own readiness (notification-fd): 503 with its reason while it runs unready, 200 once it says so', { timeout: 60_000 }, async (t) => {
  // ./run is up at once but writes its readiness newline on fd 3 only once $M/go exists.
  const run = '#!/bin/sh\necho $$ > $M/slow.ready\nwhile [ ! -e $M/go ]; do sleep 0.05; done\necho >&3\nexec sleep 1000\n';
  const p = await startProbed(t, { slow: { run, 'notification-fd': ['3\n', 0o644] }, web: { run: SLEEPER } });
  await until(p.url, '/status', (r) => /"name":"slow","dir":"[^"]*","state":"run"/.test(r.body), 15_000, 'slow running');
  const waiting = await get(p.url, '/readyz');
  assert.equal(waiting.status, 503);
  assert.match(waiting.body, /^not ready: slow: .+\n$/);
  assert.doesNotMatch(waiting.body, /web/);
  assert.match((await get(p.url, '/metrics')).body, /^svinit_service_ready\{service="slow"\} 0$/m);
  writeFileSync(p.tree.marker('go'), '');
  const ready = await until(p.url, '/readyz', (r) => r.status === 200, 15_000, 'ready once notified');
  assert.equal(ready.body, 'ready\n');
  assert.match((await get(p.url, '/metrics')).body, /^svinit_service_ready\{service="slow"\} 1$/m);
});

test('promtool check metrics accepts the exposition (odd service names escaped)', { skip: NO_PROMTOOL, timeout: 60_000 }, async (t) => {
  const p = await startProbed(t, { web: { run: SLEEPER, 'log/run': '#!/bin/sh\nexec cat >/dev/null\n' }, 'we"ird\\name': { run: SLEEPER }, crash: { run: '#!/bin/sh\nexit 2\n' } });
  await until(p.url, '/metrics', (r) => /svinit_service_last_exit_code\{service="crash"\} 2/.test(r.body), 15_000, 'an exit of crash');
  const body = (await get(p.url, '/metrics')).body;
  assert.match(body, /^svinit_service_up\{service="we\\"ird\\\\name"\} 1$/m);
  const r = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}\n${body}`);
  // promtool's linter says nothing either (it prints each problem it finds).
  assert.equal(`${r.stdout}${r.stderr}`.trim(), '', 'promtool found nothing to say');
});

test('--http errors: a bad value is one line and exit 100; a port in use is one line and exit 111 before anything starts', { timeout: 30_000 }, async () => {
  const bad = await runToEnd(['--dir', '/nonexistent', '--http', 'localhost:80']);
  assert.equal(bad.code, 100);
  assert.equal(bad.stderr, 'svinit: fatal: unable to use --http "localhost:80": "localhost" is not an IPv4 address; give PORT, ADDR:PORT or [ADDR]:PORT with an IP address, e.g. --http 8080 or --http 0.0.0.0:8080\n');
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const port = (holder.address() as { port: number }).port;
  try {
    const used = await runToEnd(['--no-services', '--http', String(port), '--', 'sh', '-c', 'echo started >&2']);
    assert.equal(used.code, 111);
    assert.equal(used.stderr, `svinit: fatal: unable to listen on --http 127.0.0.1:${port}: EADDRINUSE; another process listens there: choose another port\n`);
  } finally {
    holder.close();
  }
});
