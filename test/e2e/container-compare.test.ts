// svinit beside tini, dumb-init and runsvdir under the same engine, in the same run: `podman stop`
// (its default 10 s) of two services that need 300 ms to clean up, and of one service that ignores
// TERM beside one that cleans up. The table is printed; svinit's rows are asserted (the others are
// what they are: they exit at once and the kernel SIGKILLs the services, docs/benchmarks.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { PACK_SKIP } from '../helpers/packed.js';
import { PODMAN_SKIP, SVINIT_IN, containerSuite, nodeAndApp } from '../helpers/podman.js';
import { HAVE_RUNIT, Tree, ignoreRun, trapRun, waitFor } from './init-harness.js';

const TOOLS = ['/usr/bin/tini-static', '/usr/bin/dumb-init', '/usr/bin/runsvdir', '/usr/bin/runsv'];
const missing = TOOLS.filter((p) => !existsSync(p));
const SKIP = PACK_SKIP || PODMAN_SKIP || (missing.length > 0 || !HAVE_RUNIT
  ? `missing ${missing.join(', ')} (apt-get install tini dumb-init runit)` : false);
const suite = containerSuite(SKIP);

const RUNSVDIR = ['/usr/bin/runsvdir', '-P', '/etc/service'];
const INITS: Record<string, readonly string[]> = {
  svinit: [SVINIT_IN],
  'tini -- runsvdir': ['/usr/local/bin/tini', '--', ...RUNSVDIR],
  'dumb-init runsvdir': ['/usr/bin/dumb-init', ...RUNSVDIR],
  runsvdir: RUNSVDIR,
};

interface Row { readonly ms: number; readonly code: number; readonly clean: number }

/** Runs `init` on services a and `second` (b: graceful, ign: ignores TERM) and stops it with podman. */
async function run(init: readonly string[], second: 'b' | 'ign'): Promise<Row> {
  const tree = new Tree({ a: { run: trapRun('a') }, [second]: { run: second === 'b' ? trapRun('b') : ignoreRun('ign') } });
  try {
    const mounts = [
      ...nodeAndApp(suite.app().dir), '-v', `${tree.sv}:/etc/service`, '-v', `${tree.m}:${tree.m}`,
      '-v', '/usr/bin/tini-static:/usr/local/bin/tini:ro', '-v', '/usr/bin/dumb-init:/usr/bin/dumb-init:ro',
      ...['runsvdir', 'runsv', 'sv'].flatMap((b) => ['-v', `/usr/bin/${b}:/usr/bin/${b}:ro`]),
    ];
    const c = suite.start('compare', mounts, init);
    await waitFor(() => tree.has('a.ready') && tree.has(`${second}.ready`), 30_000, 'both services up');
    const ms = c.stop();
    return { ms, code: c.exitCode(), clean: ['a', 'b'].filter((n) => tree.has(`${n}.clean`)).length };
  } finally {
    tree.cleanup();
  }
}

test('podman stop, svinit beside tini, dumb-init and runsvdir: stop time, exit code, graceful services, the stubborn case', { skip: SKIP }, async (t) => {
  const rows: string[] = ['| init | stop, 2 services that need 0.3 s (s) | exit code | cleaned up | one ignores TERM: stop (s) | exit code | the other cleaned up |', '|---|---|---|---|---|---|---|'];
  const results: Record<string, [Row, Row]> = {};
  for (const [name, init] of Object.entries(INITS)) {
    const graceful = await run(init, 'b');
    const stubborn = await run(init, 'ign');
    results[name] = [graceful, stubborn];
    const s = (ms: number): string => (ms / 1000).toFixed(2);
    rows.push(`| ${name} | ${s(graceful.ms)} | ${graceful.code} | ${graceful.clean} of 2 | ${s(stubborn.ms)} | ${stubborn.code} | ${stubborn.clean} of 1 |`);
  }
  for (const row of rows) t.diagnostic(row);
  const [graceful, stubborn] = results.svinit ?? assert.fail('no svinit row');
  assert.deepEqual([graceful.code, graceful.clean], [0, 2]);
  assert.ok(graceful.ms < 5000, `svinit's graceful stop took ${graceful.ms} ms`);
  assert.deepEqual([stubborn.code, stubborn.clean], [102, 1]);
  assert.ok(stubborn.ms > 6500 && stubborn.ms < 9500, `svinit's stubborn stop took ${stubborn.ms} ms`);
});
