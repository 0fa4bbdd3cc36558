// `svinit status`: the table and the JSON, for services under real runsv (no svinit.json) and
// under svinit's own supervisor (restarts and last exit from supervise/svinit.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, sendControl } from '../../src/protocol/client.js';
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
  assert.match(lines[0] ?? '', /^SERVICE +STATE +PID +TIME +WANT +READY +RESTARTS +LAST EXIT +NOTE$/);
  assert.match(lines[1] ?? '', /^loose +unsupervised +- +- +- +- +- +- +unable to open supervise\/ok: file does not exist$/);
  assert.match(lines[2] ?? '', /^off +down +- +\d+s +down +no +- +-$/);
  assert.match(lines[3] ?? '', /^web +run +\d+ +\d+s +up +yes +- +-$/);
  assert.match(lines[4] ?? '', /^web\/log +run +\d+ +\d+s +up +yes +- +-$/);

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
  assert.match(table.stdout.split('\n')[1] ?? '', /^web +run +\d+ +\d+s +up +yes +1 +killed by SIGTERM$/);
});

test('svinit status and check explain: not executable, crash loop, ./finish killed, a rejected setting, down on purpose; JSON fields are structured', { skip: existsSync(SVINIT_INIT) ? false : `svinit's init is not built (${SVINIT_INIT})`, timeout: 60_000 }, async (t) => {
  const tree = new Tree({
    noexec: { run: ['#!/bin/sh\nexec sleep 1000\n', 0o644] },
    crash: { run: '#!/bin/sh\nexit 3\n' },
    slowfin: { run: '#!/bin/sh\nexec sleep 0.2\n', finish: '#!/bin/sh\nexec sleep 1000\n', 'timeout-finish': ['300\n', 0o644] },
    badset: { run: SLEEPER, 'timeout-kill': ['soon\n', 0o644] },
    off: { run: SLEEPER, down: ['', 0o644] },
  }, 'svinit-status-why-');
  t.after(() => tree.cleanup());
  await tree.startInit(['noexec', 'crash', 'badset', 'off']);
  const rows = async (): Promise<Array<Row & Record<string, unknown>>> =>
    (JSON.parse((await svinit(['status', '--json', '--dir', tree.root])).stdout) as { services: Array<Row & Record<string, unknown>> }).services;
  const byName = async (): Promise<Map<string, Row & Record<string, unknown>>> => new Map((await rows()).map((r) => [r.name, r]));
  // Three starts of crash (a second apart), and slowfin's ./finish killed once.
  let m = await byName();
  const t0 = Date.now();
  while (Date.now() - t0 < 20_000) {
    m = await byName();
    if (m.get('crash')?.['startsLastMinute'] as number >= 3 && m.get('slowfin')?.['finishTimedOutAt'] !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const crash = m.get('crash');
  assert.equal(crash?.state, 'crash-loop', JSON.stringify(crash));
  assert.equal(crash?.['lastExitCode'], 3);
  assert.equal(crash?.['lastExitSignal'], null);
  assert.match(String(crash?.['startedAt']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const noexec = m.get('noexec');
  assert.equal(noexec?.state, 'crash-loop');
  assert.match(String(noexec?.['spawnError']), /^\.\/run is not executable \(chmod \+x run\)/);
  assert.match(String(m.get('slowfin')?.['finishTimedOutAt']), /^\d{4}-/);
  assert.match(String((m.get('badset')?.['problems'] as string[])[0]), /timeout-kill: "soon" is not a whole number of milliseconds/);
  assert.equal(m.get('off')?.state, 'down', 'down on purpose stays down');
  const table = (await svinit(['status', '--dir', tree.root])).stdout;
  assert.match(table, /^crash +crash-loop +- +\d+s +up +no +\d+ +exited 3 +crash loop: (\d+|10 or more) starts in the last minute$/m);
  assert.match(table, /^noexec +crash-loop .* \.\/run is not executable \(chmod \+x run\)/m);
  assert.match(table, /^slowfin .*\.\/finish killed at its timeout-finish \d+s ago/m);
  assert.match(table, /^badset +run .*timeout-kill: "soon" is not a whole number/m);
  const check = await svinit(['check', '--dir', tree.root, 'crash', 'noexec']);
  assert.equal(check.code, 1);
  assert.match(check.stderr + check.stdout, /crash \(down \d+s, want up: crash loop: (\d+|10 or more) starts in the last minute\)/);
  assert.match(check.stderr + check.stdout, /noexec \(down \d+s, want up: \.\/run is not executable \(chmod \+x run\)/);
});

test('svinit status and check: a service nobody supervises says so without naming runsv', { timeout: 60_000 }, async (t) => {
  const tree = new Tree({ web: { run: SLEEPER } }, 'svinit-status-none-');
  t.after(() => tree.cleanup());
  await tree.startInit(['web']);
  await tree.stopInit();
  await waitUntil(() => isAlive(tree.dir('web')).kind === 'not-running', 10_000, 'the supervisor gone');
  const table = (await svinit(['status', '--dir', tree.root])).stdout;
  assert.match(table, /^web +not-running .*no supervisor running \(neither svinit nor runsv\)$/m);
  const check = await svinit(['check', '--dir', tree.root]);
  assert.match(check.stderr + check.stdout, /web \(no supervisor running \(neither svinit nor runsv\)\)/);
});
