// A service ended earlier with `sv exit` (supervision of it over, its log gone on EOF) is part of
// a later shutdown only as "was not running": reported once, and the shutdown is not held up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Init, Tree, trapRun, waitFor } from './init-harness.js';

const NO_SV = spawnSync('/usr/bin/sv', ['-V']).error !== undefined ? 'runit\'s sv is not installed (apt-get install runit)' : false;

test('a service ended by sv exit is reported once as not running, and the shutdown is prompt', { skip: NO_SV, timeout: 60_000 }, async (t) => {
  const tree = new Tree({
    gone: { run: trapRun('gone', '0'), 'log/run': '#!/bin/sh\nexec cat > /dev/null\n' },
    stays: { run: trapRun('stays', '0.1') },
  });
  const init = new Init(['--dir', tree.sv, '--report', 'json']);
  t.after(() => { init.kill(); tree.cleanup(); });
  await waitFor(() => tree.has('gone.ready') && tree.has('stays.ready'), 15_000, 'both services ready');
  await waitFor(() => spawnSync('/usr/bin/sv', ['status', join(tree.sv, 'gone')]).stdout.toString().includes('; run: log:'), 15_000, 'the log running');
  const exit = spawnSync('/usr/bin/sv', ['-w', '5', 'exit', join(tree.sv, 'gone')], { encoding: 'utf8' });
  assert.equal(exit.status, 0, exit.stdout);
  assert.match(exit.stdout, /^ok: .*gone: runsv not running$/m);
  const sent = await init.signal('SIGTERM');
  const { code, at } = await init.exit();
  assert.equal(code, 0, init.stderr);
  assert.ok(at - sent < 2000, `the shutdown took ${Math.round(at - sent)} ms`);
  const line = init.stderr.split('\n').find((l) => l.startsWith('{'));
  assert.ok(line !== undefined, init.stderr);
  const report = JSON.parse(line) as { services: Array<{ name: string; signal: string | null }> };
  const names = report.services.map((s) => s.name).sort();
  assert.deepEqual(names, ['gone', 'gone/log', 'stays'], 'each unit reported once');
  assert.equal(report.services.find((s) => s.name === 'gone')?.signal, null, 'gone was not running');
  assert.equal(report.services.find((s) => s.name === 'stays')?.signal, 'SIGTERM');
  assert.ok(tree.has('stays.clean'), 'the other service cleaned up');
});
