// Regression tests for the four shutdown defects of the first release, black box through the
// real entry point: an error during the shutdown ends in exit 101 inside the grace (the failure
// path), a removed service is reported once, a SIGKILL made before the shutdown does not make a
// clean shutdown exit 102, and a hanging control/t cannot stretch the grace. Also: SIGQUIT stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, constants, existsSync, openSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { Init, PID1_SKIP, Tree, alive, ignoreRun, trapRun, waitFor } from './init-harness.js';

interface Json {
  exitCode: number;
  failed: boolean;
  services: Array<{ name: string; signal: string | null; killed: boolean }>;
}

/**
 * The service and its log are fully supervised: svinit wrote their status files and holds their
 * ok FIFOs open (as sv checks it: a non-blocking open for writing finds a reader), the last step.
 */
function supervised(tree: Tree, name: string): boolean {
  if (!['supervise/status', 'log/supervise/status'].every((f) => existsSync(join(tree.sv, name, f)))) return false;
  return ['supervise/ok', 'log/supervise/ok'].every((f) => {
    try {
      closeSync(openSync(join(tree.sv, name, f), constants.O_WRONLY | constants.O_NONBLOCK));
      return true;
    } catch {
      return false; // ENOENT: not made yet; ENXIO: no reader yet
    }
  });
}

function jsonReport(init: Init): Json {
  const line = init.stderr.split('\n').find((l) => l.startsWith('{"svinit":"shutdown"'));
  assert.ok(line !== undefined, `a JSON report on stderr:\n${init.stderr}`);
  return JSON.parse(line) as Json;
}

// A service that leaves nothing behind on TERM (no child keeps the log pipe open), and a log that
// keeps running 3 s after EOF with TERM ignored, so that a SIGTERM lands while it stops.
const EXEC_RUN = '#!/bin/sh\necho $$ > $M/web.ready\nexec sleep 1000\n';
const SLOW_LOG = '#!/bin/sh\ntrap \'\' TERM\ncat > /dev/null\necho eof > $M/log.eof\nsleep 3\n';

for (const pid1 of [false, true]) {
  const label = pid1 ? 'PID 1' : 'subreaper';
  test(`an error during the shutdown: one fatal line, everything SIGKILLed, exit 101 inside the grace (${label})`, { skip: pid1 && PID1_SKIP, timeout: 60_000 }, async (t) => {
    const tree = new Tree({ slow: { run: trapRun('slow', '30') }, stubborn: { run: ignoreRun('stubborn') } });
    const init = new Init(['--dir', tree.sv, '--grace', '20'], { pid1, env: { SVINIT_TEST_FAULT: 'shutdown' } });
    t.after(() => { init.kill(); tree.cleanup(); });
    await waitFor(() => tree.has('slow.ready') && tree.has('stubborn.ready'), 15_000, 'both services ready');
    const pids = [Number(tree.read('slow.ready')), Number(tree.read('stubborn.ready'))];
    const sent = await init.signal('SIGTERM');
    const { code, at } = await init.exit(30_000);
    const ms = Math.round(at - sent);
    t.diagnostic(`grace 20000 ms; SIGTERM to exit 101: ${ms} ms`);
    assert.equal(code, 101, init.stderr);
    assert.ok(ms < 20_000, `exit inside the grace (${ms} ms)`);
    const fatal = init.stderr.split('\n').filter((l) => l.startsWith('svinit: fatal: internal error during the shutdown'));
    assert.equal(fatal.length, 1, `one fatal line:\n${init.stderr}`);
    assert.match(init.stderr, /SVINIT_TEST_FAULT/);
    assert.match(init.stderr, /after an internal error, everything SIGKILLed/);
    // As PID 1 the pids are the namespace's, and its end takes everything with it anyway.
    if (!pid1) for (const pid of pids) assert.ok(!alive(pid), `service ${pid} is gone`);
    assert.ok(!tree.has('slow.clean'), 'the slow cleanup was cut short, not waited for');
  });
}

test('a removed service whose log is still stopping is reported once at the shutdown', { timeout: 60_000 }, async (t) => {
  const tree = new Tree({ web: { run: EXEC_RUN, 'log/run': SLOW_LOG }, other: { run: trapRun('other', '0') } });
  const init = new Init(['--dir', tree.sv, '--report', 'json', '--grace', '10']);
  t.after(() => { init.kill(); tree.cleanup(); });
  await waitFor(() => tree.has('web.ready') && tree.has('other.ready') && supervised(tree, 'web'), 15_000, 'services ready');
  renameSync(join(tree.sv, 'web'), join(tree.root, 'web-removed'));
  await waitFor(() => tree.has('log.eof'), 15_000, 'the log of the removed service at EOF');
  await init.signal('SIGTERM');
  const { code } = await init.exit(30_000);
  assert.equal(code, 0, init.stderr);
  const names = jsonReport(init).services.map((s) => s.name).sort();
  assert.deepEqual(names, ['other', 'web', 'web/log'], `each unit once:\n${init.stderr}`);
  assert.doesNotMatch(init.stderr, /ENOENT/, 'nothing is written into the removed directory');
});

test('a removed service is reported once in the text report too', { timeout: 60_000 }, async (t) => {
  const tree = new Tree({ web: { run: EXEC_RUN, 'log/run': SLOW_LOG } });
  const init = new Init(['--dir', tree.sv, '--grace', '10']);
  t.after(() => { init.kill(); tree.cleanup(); });
  await waitFor(() => tree.has('web.ready') && supervised(tree, 'web'), 15_000, 'ready');
  renameSync(join(tree.sv, 'web'), join(tree.root, 'web-removed'));
  await waitFor(() => tree.has('log.eof'), 15_000, 'the log at EOF');
  await init.signal('SIGTERM');
  assert.equal((await init.exit(30_000)).code, 0, init.stderr);
  const lines = init.reportLines();
  assert.equal(lines.filter((l) => l.startsWith('svinit: shutdown: web: ')).length, 1, init.stderr);
  assert.equal(lines.filter((l) => l.startsWith('svinit: shutdown: web/log: ')).length, 1, init.stderr);
  assert.match(lines.at(-1) ?? '', /: 1 service\(s\) and 1 log\(s\) stopped in \d+ ms .*exit 0$/);
});

test('a ./finish SIGKILLed at its timeout before the shutdown does not make a clean shutdown exit 102', { timeout: 60_000 }, async (t) => {
  // First ./run exits 1 at once; its ./finish hangs and is killed at timeout-finish (300 ms);
  // the second ./run stays up and stops cleanly on TERM.
  const run = `#!/bin/sh\nif [ ! -e $M/first ]; then touch $M/first; exit 1; fi\n${trapRun('s', '0').split('\n').slice(1).join('\n')}`;
  const finish = '#!/bin/sh\n[ -e $M/finished ] && exit 0\ntouch $M/finished\nexec sleep 1000\n';
  const tree = new Tree({ s: { run, finish, 'timeout-finish': ['300\n', 0o644] } });
  const init = new Init(['--dir', tree.sv, '--report', 'json']);
  t.after(() => { init.kill(); tree.cleanup(); });
  await waitFor(() => tree.has('s.ready'), 15_000, 'the second ./run up');
  assert.match(init.stderr, /unable to wait for \.\/finish/, 'the first ./finish was killed at its timeout');
  await init.signal('SIGTERM');
  const { code } = await init.exit();
  const report = jsonReport(init);
  assert.equal(code, 0, init.stderr);
  assert.equal(report.exitCode, 0);
  assert.deepEqual(report.services.map((s) => s.killed), [false]);
});

test('a hanging control/t with --grace 2 cannot stretch the shutdown past the grace', { timeout: 60_000 }, async (t) => {
  const tree = new Tree({ hang: { run: trapRun('hang', '0'), 'control/t': '#!/bin/sh\necho $$ > $M/t.pid\nexec sleep 1000\n' } });
  const init = new Init(['--dir', tree.sv, '--grace', '2', '--report', 'json']);
  t.after(() => { init.kill(); tree.cleanup(); });
  await waitFor(() => tree.has('hang.ready'), 15_000, 'ready');
  const sent = await init.signal('SIGTERM');
  const { code, at } = await init.exit();
  const ms = Math.round(at - sent);
  t.diagnostic(`grace 2000 ms, control/t hangs: exit after ${ms} ms (the first release took 5034 ms)`);
  assert.equal(code, 102, init.stderr);
  assert.ok(ms >= 1900, `the grace was waited for (${ms} ms)`);
  assert.ok(ms < 2000 + 1500, `ended at the grace, not at control/t's own 5 s limit (${ms} ms)\n${init.stderr}`);
  assert.ok(tree.has('t.pid') && !alive(Number(tree.read('t.pid'))), 'control/t was killed');
  assert.equal(jsonReport(init).services[0]?.killed, true);
});

test('SIGQUIT starts the graceful shutdown, as SIGTERM does', { timeout: 60_000 }, async (t) => {
  const tree = new Tree({ a: { run: trapRun('a', '0.1') } });
  const init = new Init(['--dir', tree.sv]);
  t.after(() => { init.kill(); tree.cleanup(); });
  await waitFor(() => tree.has('a.ready'), 15_000, 'ready');
  await init.signal('SIGQUIT');
  assert.equal((await init.exit()).code, 0, init.stderr);
  assert.ok(tree.has('a.clean'), 'the service cleaned up');
  assert.match(init.reportLines().at(-1) ?? '', /^svinit: shutdown: SIGQUIT: 1 service\(s\) stopped/);
});

test('--stop-signal RTMIN+3 and PWR start the graceful shutdown; another real-time signal is logged and ignored', { timeout: 60_000 }, async (t) => {
  for (const [sig, name] of [[37, 'SIGRTMIN+3'], [30, 'SIGPWR']] as const) {
    const tree = new Tree({ a: { run: trapRun('a', '0.1') } });
    const init = new Init(['--dir', tree.sv, '--stop-signal', 'RTMIN+3', '--stop-signal', 'SIGPWR']);
    t.after(() => { init.kill(); tree.cleanup(); });
    await waitFor(() => tree.has('a.ready'), 15_000, 'ready');
    const pid = await init.pid();
    process.kill(pid, 38);
    await waitFor(() => init.stderr.includes('SIGRTMIN+4: ignored (only TERM, INT, QUIT, RTMIN+3 and PWR stop svinit, HUP rescans)'), 10_000, `the line for RTMIN+4\n${init.stderr}`);
    assert.ok(!tree.has('a.clean'), 'RTMIN+4 stopped nothing');
    process.kill(pid, sig);
    assert.equal((await init.exit()).code, 0, init.stderr);
    assert.ok(tree.has('a.clean'), 'the service cleaned up');
    assert.match(init.reportLines().at(-1) ?? '', new RegExp(`^svinit: shutdown: ${name.replace('+', '\\+')}: 1 service\\(s\\) stopped`));
  }
});
