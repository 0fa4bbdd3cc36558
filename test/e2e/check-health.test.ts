// A HEALTHCHECK-style loop (`svinit check` every 100 ms) while a service crash-loops under a real
// runsv (and under svinit's own supervisor once its entry is built): unhealthy within one
// interval of the crash, healthy again within one interval of the recovery.
import type { TestContext } from 'node:test';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sendControl } from '../../src/protocol/client.js';
import { compareStamps, startStamp } from '../../src/protocol/tai64.js';
import type { RunResult } from '../compat/runsv-harness.js';
import { RUNSV, SVINIT_INIT, Tree, svinit, waitUntil } from '../compat/runsv-harness.js';

const INTERVAL_MS = 100;

interface Probe extends RunResult {
  readonly start: number;
  readonly end: number;
}

/** Runs `svinit check` INTERVAL_MS after the previous one ended (Docker's rule) until stopped. */
function healthLoop(root: string): { results: Probe[]; stop: () => Promise<void> } {
  const results: Probe[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const start = Date.now();
      const r = await svinit(['check', '--dir', root]);
      results.push({ ...r, start, end: Date.now() });
      await new Promise((res) => setTimeout(res, INTERVAL_MS));
    }
  })();
  return { results, stop: async () => { running = false; await loop; } };
}

/**
 * The latest start of the next check after `t`: the check in flight at `t` ends, one interval
 * passes. The bound allows 5 intervals: on a loaded machine this loop's own timer runs late, and
 * what is tested is that the next check already sees the change, not how punctual the loop is.
 */
function nextSlot(results: readonly Probe[], t: number): number {
  const inFlight = results.find((r) => r.start <= t && r.end >= t);
  return Math.max(t, inFlight?.end ?? t) + 5 * INTERVAL_MS;
}

// The run script crash-loops (exit 1 at once) while ../broken exists.
const FLAPPY = { run: '#!/bin/sh\n[ -e ../broken ] && exit 1\nexec sleep 1000\n' };

type Engine = 'runsv' | 'svinit';

const ENGINES: Record<Engine, string | false> = {
  runsv: existsSync(RUNSV) ? false : 'runit is not installed',
  svinit: existsSync(SVINIT_INIT) ? false : `svinit's init is not built (${SVINIT_INIT})`,
};

for (const engine of ['runsv', 'svinit'] as const) {
  test(`svinit check follows a crash-looping service under ${engine}`, { skip: ENGINES[engine], timeout: 60_000 }, async (t) => crashLoop(t, engine));
}

async function crashLoop(t: TestContext, engine: Engine): Promise<void> {
  const tree = new Tree({ flappy: FLAPPY, steady: { run: '#!/bin/sh\nexec sleep 1000\n' }, off: { run: '#!/bin/sh\nexec sleep 1000\n', down: ['', 0o644] } }, 'svinit-check-');
  t.after(() => tree.cleanup());
  if (engine === 'runsv') await Promise.all(['flappy', 'steady', 'off'].map((n) => tree.start(n)));
  else await tree.startInit(['flappy', 'steady', 'off']);
  await waitUntil(() => tree.status('flappy').state === 'run', 10_000, 'flappy running');

  const healthy = await svinit(['check', '--dir', tree.root]);
  assert.equal(healthy.code, 0, `healthy at start: ${healthy.stdout}${healthy.stderr}`);
  assert.equal(healthy.stdout, '');

  const loop = healthLoop(tree.root);
  try {
    writeFileSync(join(tree.root, 'broken'), '');
    assert.equal(sendControl(tree.dir('flappy'), 'k').kind, 'sent');
    // The crash as seen from outside: status says down. runsv holds it there for 1 s (throttle).
    await waitUntil(() => tree.status('flappy').pid === 0, 5000, 'flappy down');
    const crashSeen = Date.now();
    await waitUntil(() => loop.results.some((r) => r.start > crashSeen), 5000, 'a check after the crash');
    const first = loop.results.find((r) => r.start > crashSeen);
    assert.ok(first !== undefined);
    assert.equal(first.code, 1, `first check after the crash is unhealthy: ${first.stdout}`);
    assert.match(first.stdout, /^svinit check: unhealthy: 1 of 3 not up: flappy \((down \d+s, want up|finishing, want up)\)\n$/);
    assert.ok(first.start <= nextSlot(loop.results, crashSeen), `within one interval (${first.start - crashSeen} ms)`);

    // Let it crash a few more times, then repair it: the next start after the repair stays up.
    await waitUntil(() => loop.results.filter((r) => r.code === 1).length >= 3, 10_000, 'three unhealthy checks');
    const repaired = startStamp();
    rmSync(join(tree.root, 'broken'));
    await waitUntil(() => {
      const s = tree.status('flappy');
      return s.state === 'run' && compareStamps(s, repaired) > 0;
    }, 10_000, 'flappy restarted after the repair');
    const upSeen = Date.now();
    await waitUntil(() => loop.results.some((r) => r.start > upSeen), 5000, 'a check after recovery');
    const back = loop.results.find((r) => r.start > upSeen);
    assert.ok(back !== undefined);
    assert.equal(back.code, 0, `healthy again: ${back.stdout}`);
    assert.ok(back.start <= nextSlot(loop.results, upSeen), `within one interval (${back.start - upSeen} ms)`);
  } finally {
    await loop.stop();
  }
  const times = loop.results.map((r) => r.end - r.start).sort((x, y) => x - y);
  t.diagnostic(`${engine}: ${loop.results.length} checks, median wall ${times[Math.floor(times.length / 2)]} ms, max ${times[times.length - 1]} ms`);
}

test('svinit check runs check scripts and names every failing service', { skip: existsSync(RUNSV) ? false : 'runit is not installed', timeout: 60_000 }, async (t) => {
  const tree = new Tree({
    ready: { run: '#!/bin/sh\nexec sleep 1000\n', check: '#!/bin/sh\nexit 0\n' },
    notready: { run: '#!/bin/sh\nexec sleep 1000\n', check: '#!/bin/sh\necho noise\nexit 1\n' },
    unsup: { run: '#!/bin/sh\nexec sleep 1000\n' },
    unsupdown: { run: '#!/bin/sh\nexec sleep 1000\n', down: ['', 0o644] },
  }, 'svinit-check2-');
  t.after(() => tree.cleanup());
  await Promise.all(['ready', 'notready'].map((n) => tree.start(n)));
  const r = await svinit(['check', '--dir', tree.root]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, 'svinit check: unhealthy: 2 of 4 not up: notready (check script failed), unsup (not supervised)\n');
  const only = await svinit(['check', '-v', '--dir', tree.root, 'ready', 'unsupdown']);
  assert.equal(only.code, 0, only.stdout);
  assert.equal(only.stdout, 'svinit check: healthy: 2 services, every wanted one up\n');
  const missing = await svinit(['check', '--dir', tree.root, 'nosuch']);
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /nosuch \(unable to change to service directory: file does not exist\)/);
});
