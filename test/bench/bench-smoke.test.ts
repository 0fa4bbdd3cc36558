// Smoke test of the benchmark harness: `node dist/bench/run.js --quick --json FILE` as root must
// produce every scenario, with a number for every anchor in every compared column, the known
// behaviour of the anchors (the shell wrapper finishes its services' cleanup, plain runsvdir
// does not), every orphan reaped, and no process left behind. Needs root and `unshare`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Table } from '../../bench/types.js';
import { track } from '../helpers/teardown.js';

const RUN_JS = fileURLToPath(new URL('../../bench/run.js', import.meta.url));
const SCENARIO_IDS = [
  'graceful-stop', 'graceful-stop-many', 'term-ignored', 'orphan-storm',
  'startup', 'memory', 'wakeups', 'status-latency', 'stop-latency', 'term-window', 'main-command', 'log-throughput', 'readiness', 'probe-latency',
];

interface Results {
  readonly meta: { readonly leftovers: number; readonly namespaces: string };
  readonly scenarios: Record<string, Table>;
}

function whyNot(): string | null {
  if (process.getuid?.() !== 0) return 'not root: the bench runs every init as PID 1 of a new PID namespace';
  const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', '--mount', 'true'], { encoding: 'utf8' });
  if (r.status !== 0) return `unshare refused: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`;
  return null;
}

function runBench(json: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = track(spawn(process.execPath, [RUN_JS, '--quick', '--json', json], { stdio: ['ignore', 'pipe', 'pipe'] }));
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

const reason = whyNot();
if (reason !== null) console.log(`bench-smoke: skipped: ${reason}`);

test('bench --quick measures every scenario for every anchor', { skip: reason ?? false, timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  try {
    const json = join(dir, 'out.json');
    const { code, output } = await runBench(json);
    assert.equal(code, 0, `the bench failed:\n${output.slice(-3000)}`);
    const results = JSON.parse(readFileSync(json, 'utf8')) as Results;
    assert.equal(results.meta.namespaces, 'ok');
    assert.equal(results.meta.leftovers, 0, 'the bench left processes behind');
    assert.deepEqual(Object.keys(results.scenarios).sort(), [...SCENARIO_IDS].sort());
    for (const id of SCENARIO_IDS) {
      const table = results.scenarios[id] as Table;
      const anchors = table.rows.filter((r) => r.role === 'anchor');
      assert.ok(anchors.length > 0, `${id}: no anchor rows`);
      for (const row of anchors) {
        assert.equal(row.status, 'ok', `${id}: ${row.label}: ${row.status} ${row.notes.join('; ')}`);
        for (const key of table.ratioKeys) {
          const v = row.median[key];
          assert.ok(typeof v === 'number' && Number.isFinite(v), `${id}: ${row.label}: ${key} is ${String(v)}`);
        }
      }
      for (const row of table.rows.filter((r) => r.role === 'svinit')) {
        assert.ok(row.status === 'ok' || row.status.startsWith('n/a'), `${id}: ${row.label}: ${row.status} ${row.notes.join('; ')}`);
      }
    }
    const byLabel = (id: string, label: string) => results.scenarios[id]?.rows.find((r) => r.label === label);
    // Real effects: the shell wrapper waits for every cleanup; runsvdir exits on TERM at once.
    assert.equal(byLabel('graceful-stop', 'sh trap + sv stop')?.median['cleaned'], 2);
    assert.equal(byLabel('graceful-stop', 'runsvdir (plain)')?.median['cleaned'], 0);
    assert.equal(byLabel('term-ignored', 'runsvdir (plain)')?.median['fate'], 'left to kernel');
    // Services that fork nothing all finish their cleanup under the limit anchor, and the figures are there.
    assert.equal(byLabel('stop-latency', 'tini -g + bash wait')?.median['cleaned'], 12);
    for (const row of results.scenarios['orphan-storm']?.rows.filter((r) => r.role === 'anchor') ?? []) {
      assert.equal(row.median['left'], 0, `${row.label} left zombies`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
