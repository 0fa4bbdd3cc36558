// `svinit status`: the table and the JSON, for services under real runsv (no svinit.json) and
// under svinit's own supervisor (restarts and last exit from supervise/svinit.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sendControl } from '../../src/protocol/client.js';
import { RUNSV, SVINIT_INIT, Tree, svinit, waitUntil } from '../compat/runsv-harness.js';

const SLEEPER = '#!/bin/sh\nexec sleep 1000\n';

interface Row {
  name: string;
  state: string;
  pid: number | null;
  want: string | null;
  normally: string;
  restarts: number | null;
  lastExit: string | null;
  error: string | null;
}

test('svinit status under runsv: table, JSON and exit codes', { skip: existsSync(RUNSV) ? false : 'runit is not installed', timeout: 60_000 }, async (t) => {
  const tree = new Tree({
    web: { run: SLEEPER, 'log/run': '#!/bin/sh\nexec cat >/dev/null\n' },
    off: { run: SLEEPER, down: ['', 0o644] },
    loose: { run: SLEEPER },
  }, 'svinit-status-');
  t.after(() => tree.cleanup());
  await Promise.all(['web', 'off'].map((n) => tree.start(n)));
  await waitUntil(() => tree.status('web').state === 'run' && tree.status('web/log').state === 'run', 10_000, 'web and its log up');

  const table = await svinit(['status', '--dir', tree.root]);
  assert.equal(table.code, 1, 'loose is not supervised');
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^SERVICE +STATE +PID +TIME +WANT +RESTARTS +LAST EXIT +NOTE$/);
  assert.match(lines[1] ?? '', /^loose +unsupervised +- +- +- +- +- +unable to open supervise\/ok: file does not exist$/);
  assert.match(lines[2] ?? '', /^off +down +- +\d+s +down +- +-$/);
  assert.match(lines[3] ?? '', /^web +run +\d+ +\d+s +up +- +-$/);
  assert.match(lines[4] ?? '', /^web\/log +run +\d+ +\d+s +up +- +-$/);

  const json = await svinit(['status', '--json', '--dir', tree.root, 'web', 'off']);
  assert.equal(json.code, 0, json.stderr);
  const rows = (JSON.parse(json.stdout) as { services: Row[] }).services;
  assert.deepEqual(rows.map((r) => [r.name, r.state, r.want, r.normally, r.restarts, r.error]), [
    ['web', 'run', 'up', 'up', null, null],
    ['web/log', 'run', 'up', 'up', null, null],
    ['off', 'down', 'down', 'down', null, null],
  ]);
  assert.equal(rows[0]?.pid, tree.status('web').pid);

  const missing = await svinit(['status', '--dir', tree.root, 'nosuch']);
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /^nosuch +missing .*unable to change to service directory: file does not exist$/m);
  const usage = await svinit(['status', '--bogus']);
  assert.equal(usage.code, 100);
  const noDir = await svinit(['status', '--dir', `${tree.root}/none`]);
  assert.equal(noDir.code, 1);
  assert.match(noDir.stderr, /unable to list service directory .*: file does not exist/);
});

test('svinit status under svinit shows restarts and the last exit', { skip: existsSync(SVINIT_INIT) ? false : `svinit's init is not built (${SVINIT_INIT})`, timeout: 60_000 }, async (t) => {
  const tree = new Tree({ web: { run: SLEEPER } }, 'svinit-status-init-');
  t.after(() => tree.cleanup());
  await tree.startInit(['web']);
  const first = tree.status('web').pid;
  assert.equal(sendControl(tree.dir('web'), 't').kind, 'sent');
  await waitUntil(() => tree.status('web').state === 'run' && tree.status('web').pid !== first, 10_000, 'web restarted');
  // svinit.json is rewritten right after the status file: wait until it tells of the restart.
  const extra = join(tree.dir('web'), 'supervise', 'svinit.json');
  await waitUntil(() => existsSync(extra) && readFileSync(extra, 'utf8').includes('"restarts":1'), 10_000, 'svinit.json updated');
  const out = await svinit(['status', '--json', '--dir', tree.root]);
  const row = (JSON.parse(out.stdout) as { services: Row[] }).services[0];
  assert.equal(out.code, 0);
  assert.equal(row?.restarts, 1);
  assert.equal(row?.lastExit, 'killed by SIGTERM');
  const table = await svinit(['status', '--dir', tree.root]);
  assert.match(table.stdout.split('\n')[1] ?? '', /^web +run +\d+ +\d+s +up +1 +killed by SIGTERM$/);
});
