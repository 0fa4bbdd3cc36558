// A real Prometheus (Debian's prometheus package) scraping svinit's GET /metrics on loopback every
// second: its own query API shows the restart counter of a crash-looping service grow, and the
// scrape target healthy. Skipped, with the reason, where prometheus is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { track } from '../helpers/teardown.js';
import { get, missingTool, startProbed, until } from './http-harness.js';

const NO_PROMETHEUS = missingTool('prometheus', "Debian's prometheus package; .ci/run installs it");

/** A port free on loopback now (Prometheus takes no port 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface QueryReply {
  status: string;
  data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

test('Prometheus scrapes svinit: the restart counter of a crash-looping service grows in its query API', { skip: NO_PROMETHEUS, timeout: 180_000 }, async (t) => {
  const p = await startProbed(t, { web: { run: '#!/bin/sh\nexec sleep 1000\n' }, crash: { run: '#!/bin/sh\nsleep 0.2\nexit 3\n' } });
  const work = mkdtempSync(join(tmpdir(), 'svinit-prom-'));
  const port = await freePort();
  writeFileSync(join(work, 'prometheus.yml'), [
    'global:', '  scrape_interval: 1s', '  scrape_timeout: 1s', '  evaluation_interval: 1s',
    'scrape_configs:', '  - job_name: svinit', '    static_configs:', `      - targets: ['127.0.0.1:${p.port}']`, '',
  ].join('\n'));
  const prom = track(spawn('prometheus', [
    `--config.file=${join(work, 'prometheus.yml')}`, `--storage.tsdb.path=${join(work, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] }));
  let promLog = '';
  prom.stderr.setEncoding('utf8').on('data', (d: string) => { promLog += d; });
  t.after(async () => {
    if (prom.exitCode === null && prom.signalCode === null) {
      prom.kill('SIGTERM');
      await new Promise((r) => { prom.once('exit', r); setTimeout(r, 10_000); });
      if (prom.exitCode === null && prom.signalCode === null) prom.kill('SIGKILL');
    }
    rmSync(work, { recursive: true, force: true });
  });
  const promUrl = `http://127.0.0.1:${port}`;
  const query = `/api/v1/query?query=${encodeURIComponent('svinit_service_restarts_total{service="crash",job="svinit"}')}`;
  const value = (body: string): number | null => {
    const r = JSON.parse(body) as QueryReply;
    const v = r.status === 'success' ? r.data.result[0]?.value[1] : undefined;
    return v === undefined ? null : Number(v);
  };
  try {
    const first = await until(promUrl, query, (r) => r.status === 200 && value(r.body) !== null, 90_000, 'a first sample in Prometheus');
    const v0 = value(first.body) ?? 0;
    const grown = await until(promUrl, query, (r) => r.status === 200 && (value(r.body) ?? 0) >= v0 + 2, 60_000, 'the counter to grow by 2');
    const v1 = value(grown.body) ?? 0;
    // The target is up (Prometheus's own `up`), and the counter agrees with svinit's /status.
    const up = await get(promUrl, `/api/v1/query?query=${encodeURIComponent('up{job="svinit"}')}`);
    assert.equal(value(up.body), 1);
    const status = JSON.parse((await get(p.url, '/status')).body) as { services: Array<{ name: string; restarts: number }> };
    const restarts = status.services.find((s) => s.name === 'crash')?.restarts ?? -1;
    assert.ok(restarts >= v1, `svinit says ${restarts} restarts, Prometheus ${v1}`);
    t.diagnostic(`Prometheus: svinit_service_restarts_total{service="crash"} ${v0} -> ${v1}; svinit /status: ${restarts}`);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- prometheus:\n${promLog}`);
  }
});
