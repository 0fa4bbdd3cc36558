// The per-service half of the container life cycle, end to end with svinit as PID 1 of a fresh
// PID namespace: a service's own env/ (chpst -e's rules), a user per service (the service's `id`),
// restart back-off (start times from the service's own log), give-up and `sv up` (svinit's sv and
// runit's), and a critical service ending the container with its status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HAVE_RUNIT, Init, PID1_SKIP, SVINIT_BIN, Tree, trapRun, waitFor } from './init-harness.js';

/** Runs `bin/svinit ARGS` (the real entry point) to its end. */
function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(SVINIT_BIN, args, { env: { ...process.env, SVINIT_NODE: process.execPath, ...env }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Row { name: string; state: string; want: string | null; failed: string | null; restarts: number | null }

function statusRows(dir: string): Row[] {
  const r = cli(['status', '--json', '--dir', dir]);
  return (JSON.parse(r.stdout) as { services: Row[] }).services;
}

function row(dir: string, name: string): Row | undefined {
  return statusRows(dir).find((r) => r.name === name);
}

/** The lines of a marker file (empty when it does not exist yet). */
function lines(tree: Tree, name: string): string[] {
  return tree.has(name) ? readFileSync(tree.marker(name), 'utf8').split('\n').filter((l) => l !== '') : [];
}

/** A run script that logs its start time (ms) to $M/NAME.starts, then exits with `code`. */
function failing(name: string, code: number): string {
  return `#!/bin/sh\necho $(($(date +%s%N) / 1000000)) >> $M/${name}.starts\nexit ${code}\n`;
}

const PID1 = { skip: PID1_SKIP, timeout: 120_000 } as const;

test('env/: chpst -e rules per service and per log, read at each start; a bad entry is one line, the rest applied (PID 1)', PID1, async (t) => {
  const dump = (file: string): string => `#!/bin/sh\nenv | sort > $M/${file}.tmp\nmv $M/${file}.tmp $M/${file}\n`;
  const tree = new Tree({
    web: {
      run: `${dump('run.env')}printf '%s' "$NLVAR" > $M/multi\nexec sleep 1000\n`,
      finish: dump('finish.env'),
      'env/GREETING': ['hello world  \t\nsecond line ignored\n', 0o644],
      'env/NLVAR': ['a\0b\n', 0o644],
      'env/DROPME': ['', 0o644],
      'env/.hidden': ['x\n', 0o644],
      'env/BAD=NAME': ['x\n', 0o644],
      'log/run': `${dump('log.env')}exec cat > /dev/null\n`,
      'log/env/LOGONLY': ['yes\n', 0o644],
    },
  });
  const init = new Init(['--dir', tree.sv], { pid1: true, env: { DROPME: 'from the container', KEPT: 'kept' } });
  t.after(() => { init.kill(); tree.cleanup(); });
  await waitFor(() => tree.has('run.env') && tree.has('multi') && tree.has('log.env'), 15_000, 'the service and its log started');
  const env = lines(tree, 'run.env');
  assert.ok(env.includes('GREETING=hello world'), 'first line, trailing blanks cut');
  assert.equal(readFileSync(tree.marker('multi'), 'utf8'), 'a\nb', 'NUL becomes a newline');
  assert.ok(!env.some((l) => l.startsWith('DROPME=')), 'an empty file removes the variable');
  assert.ok(env.includes('KEPT=kept'), 'the container environment is kept');
  assert.ok(!env.some((l) => l.startsWith('.hidden=') || l.startsWith('LOGONLY=')), 'dot files skipped; log/env is the log\'s alone');
  const logEnv = lines(tree, 'log.env');
  assert.ok(logEnv.includes('LOGONLY=yes') && !logEnv.some((l) => l.startsWith('GREETING=')), 'the log service reads log/env only');
  const bad = init.stderr.split('\n').filter((l) => l.includes('BAD=NAME'));
  assert.equal(bad.length, 1, `one line for the bad entry:\n${init.stderr}`);
  assert.match(bad[0] ?? '', /unable to use .*env\/BAD=NAME: a variable name cannot contain "="; rename the file/);
  // Read again at the next start (./finish, then ./run); the bad entry is not reported again.
  writeFileSync(join(tree.sv, 'web', 'env', 'GREETING'), 'changed\n');
  const r = cli(['sv', 'term', join(tree.sv, 'web')]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  await waitFor(() => tree.has('finish.env') && lines(tree, 'run.env').includes('GREETING=changed'), 15_000, 'the edit seen at the next start');
  assert.ok(lines(tree, 'finish.env').includes('GREETING=changed'), './finish gets env/ too');
  assert.equal(init.stderr.split('\n').filter((l) => l.includes('BAD=NAME')).length, 1, 'logged once per change');
  await init.signal('SIGTERM');
  assert.equal((await init.exit()).code, 0, init.stderr);
});

const ROOT_SKIP = process.getuid?.() === 0 ? false : 'not root: useradd and switching users need root';
if (ROOT_SKIP !== false) console.log(`# ${ROOT_SKIP}; user cases skipped`);

/** A test user with a supplementary group, removed afterwards; null when useradd is not there. */
function testUser(): { name: string; remove: () => void } | null {
  const name = `svlife${process.pid % 100000}`;
  if (spawnSync('groupadd', [`${name}g`]).status !== 0) return null;
  if (spawnSync('useradd', ['-M', '-d', `/home/${name}`, '-s', '/bin/sh', '-G', `${name}g`, name]).status !== 0) {
    spawnSync('groupdel', [`${name}g`]);
    return null;
  }
  return { name, remove: () => { spawnSync('userdel', [name]); spawnSync('groupdel', [`${name}g`]); } };
}

test('user: ./run, ./finish, control/ and log/run run as the named user with its groups, HOME, USER, LOGNAME (PID 1)', { ...PID1, skip: PID1_SKIP || ROOT_SKIP }, async (t) => {
  const user = testUser();
  if (user === null) {
    t.skip('useradd or groupadd failed here');
    return;
  }
  const ids = (file: string): string => `id > $M/${file}.tmp; echo "HOME=$HOME USER=$USER LOGNAME=$LOGNAME" >> $M/${file}.tmp; mv $M/${file}.tmp $M/${file}\n`;
  const tree = new Tree({
    web: {
      run: `#!/bin/sh\n${ids('run.id')}exec sleep 1000\n`,
      finish: `#!/bin/sh\n${ids('finish.id')}`,
      'control/h': `#!/bin/sh\n${ids('control.id')}exit 0\n`,
      user: [`${user.name}\n`, 0o644],
      'log/run': `#!/bin/sh\n${ids('log.id')}exec cat > /dev/null\n`,
      'log/user': ['65534:65534\n', 0o644],
    },
    ghost: { run: `#!/bin/sh\necho started >> $M/ghost.starts\nexec sleep 1000\n`, user: ['no-such-user-here\n', 0o644] },
  });
  chmodSync(tree.m, 0o777);
  const init = new Init(['--dir', tree.sv], { pid1: true });
  t.after(() => { init.kill(); tree.cleanup(); user.remove(); });
  await waitFor(() => tree.has('run.id') && tree.has('log.id'), 15_000, 'web and its log started');
  const uid = Number(spawnSync('id', ['-u', user.name], { encoding: 'utf8' }).stdout.trim());
  const runId = lines(tree, 'run.id');
  t.diagnostic(`./run: ${runId.join(' | ')}`);
  assert.match(runId[0] ?? '', new RegExp(`^uid=${uid}\\(${user.name}\\) gid=\\d+\\(${user.name}\\) groups=\\d+\\(${user.name}\\),\\d+\\(${user.name}g\\)$`));
  assert.equal(runId[1], `HOME=/home/${user.name} USER=${user.name} LOGNAME=${user.name}`);
  assert.match(lines(tree, 'log.id')[0] ?? '', /^uid=65534\(nobody\) gid=65534\(nogroup\) groups=65534\(nogroup\)$/);
  assert.equal(lines(tree, 'log.id')[1], 'HOME=/nonexistent USER=nobody LOGNAME=nobody');
  assert.equal(cli(['sv', 'hup', join(tree.sv, 'web')]).code, 0);
  await waitFor(() => tree.has('control.id'), 15_000, 'control/h ran');
  assert.equal(lines(tree, 'control.id')[0], runId[0], 'control/ scripts run as the user');
  assert.equal(cli(['sv', 'term', join(tree.sv, 'web')]).code, 0);
  await waitFor(() => tree.has('finish.id'), 15_000, './finish ran');
  assert.equal(lines(tree, 'finish.id')[0], runId[0], './finish runs as the user');

  // The unknown user: one line, the service stays down (no retries), the reason in status and check.
  const ghost = init.stderr.split('\n').filter((l) => l.includes('no-such-user-here'));
  assert.equal(ghost.length, 1, `one line:\n${init.stderr}`);
  assert.match(ghost[0] ?? '', /ghost: unable to use .*ghost\/user: no user "no-such-user-here" in \/etc\/passwd \(add the user, or write a user name or uid:gid that exists.*\); it stays down until sv up$/);
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(lines(tree, 'ghost.starts').length, 0, './run never started');
  assert.equal(init.stderr.split('\n').filter((l) => l.includes('no-such-user-here')).length, 1, 'not retried, not logged again');
  const g = row(tree.sv, 'ghost');
  assert.equal(g?.state, 'failed', JSON.stringify(g));
  assert.match(g?.failed ?? '', /no user "no-such-user-here"/);
  const check = cli(['check', '--dir', tree.sv]);
  assert.equal(check.code, 1);
  assert.match(check.stdout, /ghost \(failed: unable to use .*no user "no-such-user-here"/);
  // Fixed, then sv up: it starts.
  writeFileSync(join(tree.sv, 'ghost', 'user'), 'nobody\n');
  assert.equal(cli(['sv', 'up', join(tree.sv, 'ghost')]).code, 0);
  await waitFor(() => lines(tree, 'ghost.starts').length === 1, 15_000, 'ghost started after the fix and sv up');
  await init.signal('SIGTERM');
  assert.equal((await init.exit()).code, 0, init.stderr);
});

test('restart back-off: starts 1 s, 2 s, 4 s, then the cap apart, measured from the service\'s own log (PID 1)', PID1, async (t) => {
  const tree = new Tree({ crash: { run: failing('crash', 1), 'restart-delay-max': ['4000\n', 0o644] } });
  const init = new Init(['--dir', tree.sv], { pid1: true });
  t.after(() => { init.kill(); tree.cleanup(); });
  await waitFor(() => lines(tree, 'crash.starts').length >= 6, 40_000, 'six starts');
  const starts = lines(tree, 'crash.starts').map(Number);
  const gaps = starts.slice(1, 6).map((s, i) => s - (starts[i] ?? 0));
  t.diagnostic(`gaps between starts: ${gaps.join(', ')} ms`);
  const expected = [1000, 2000, 4000, 4000, 4000];
  gaps.forEach((gap, i) => {
    const want = expected[i] ?? 0;
    // A start is never early (a few ms of clock granularity aside); late only by a loaded machine's delay.
    // The service logs its start a little after svinit spawned it, and that delay varies a little.
    assert.ok(gap >= want - 150 && gap < want + 2500, `gap ${i + 1}: ${gap} ms, expected about ${want}`);
  });
  await init.signal('SIGTERM');
  assert.equal((await init.exit()).code, 0, init.stderr);
});

test('give-up: failed after N failed starts within the window, shown by svinit status, check and sv status; sv up starts it again (PID 1)', PID1, async (t) => {
  const tree = new Tree({
    flaky: { run: failing('flaky', 3), 'give-up-after': ['3\n', 0o644], 'give-up-window': ['60000\n', 0o644] },
    steady: { run: trapRun('steady', '0') },
  });
  const dir = join(tree.sv, 'flaky');
  const init = new Init(['--dir', tree.sv], { pid1: true });
  t.after(() => { init.kill(); tree.cleanup(); });
  await waitFor(() => row(tree.sv, 'flaky')?.state === 'failed', 20_000, 'flaky failed');
  assert.equal(lines(tree, 'flaky.starts').length, 3);
  await waitFor(() => init.stderr.includes('flaky: gave up'), 10_000, 'the line on svinit\'s stderr');
  assert.match(init.stderr, /flaky: gave up after 3 failed starts within 60000 ms \(\.\/run exited 3\); it stays down until sv up/);
  const r = row(tree.sv, 'flaky');
  assert.equal(r?.want, 'up');
  assert.match(r?.failed ?? '', /^gave up after 3 failed starts/);
  const table = cli(['status', '--dir', tree.sv]).stdout.split('\n').find((l) => l.startsWith('flaky'));
  assert.match(table ?? '', /^flaky +failed +- +\d+s +up +no +2 +exited 3 +gave up after 3 failed starts/);
  const check = cli(['check', '--dir', tree.sv]);
  assert.equal(check.code, 1);
  assert.match(check.stdout, /unhealthy: 1 of 2 not up: flaky \(failed: gave up after 3 failed starts/);
  // runit's words for it: the 20-byte status file says down and not wanted by the supervisor
  // (want byte d), so that sv up, which sends nothing when the want byte is already u, reaches it.
  const bytes = readFileSync(join(dir, 'supervise', 'status'));
  assert.equal(bytes.length, 20);
  assert.deepEqual([bytes[12], bytes[13], bytes[14], bytes[15], bytes[17], bytes[19]], [0, 0, 0, 0, 'd'.charCodeAt(0), 0]);
  assert.match(cli(['sv', 'status', dir]).stdout, /^down: .*flaky: \d+s, normally up\n$/);
  if (HAVE_RUNIT) {
    const sv = spawnSync('sv', ['status', dir], { encoding: 'utf8' });
    assert.match(sv.stdout, /^down: .*flaky: \d+s, normally up\n$/, 'runit\'s sv reads it the same');
  }
  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.equal(lines(tree, 'flaky.starts').length, 3, 'no restart scheduled');

  // svinit's sv up: the count starts afresh, so three more starts, then failed again.
  assert.equal(cli(['sv', 'up', dir]).code, 0);
  await waitFor(() => lines(tree, 'flaky.starts').length === 6 && row(tree.sv, 'flaky')?.state === 'failed', 20_000, 'three more starts after svinit sv up');
  if (HAVE_RUNIT) {
    const up = spawnSync('sv', ['up', dir], { encoding: 'utf8' });
    assert.equal(up.status, 0, up.stdout + up.stderr);
    await waitFor(() => lines(tree, 'flaky.starts').length === 9 && row(tree.sv, 'flaky')?.state === 'failed', 20_000, 'three more starts after runit\'s sv up');
  } else t.diagnostic('runit is not installed: runit\'s sv up not tried');
  assert.ok(init.running, 'a service that is not critical never ends the container');
  await init.signal('SIGTERM');
  assert.equal((await init.exit()).code, 0, init.stderr);
});

test('critical file: a service that gives up ends the container gracefully with its exit code (PID 1)', PID1, async (t) => {
  const tree = new Tree({
    core: { run: failing('core', 7), 'give-up-after': ['2\n', 0o644], critical: ['', 0o644] },
    other: { run: trapRun('other', '0.2') },
  });
  const init = new Init(['--dir', tree.sv], { pid1: true });
  t.after(() => { init.kill(); tree.cleanup(); });
  const { code } = await init.exit(30_000);
  assert.equal(code, 7, init.stderr);
  assert.ok(tree.has('other.clean'), 'the other service was stopped gracefully (its TERM trap ran)');
  assert.equal(lines(tree, 'core.starts').length, 2);
  assert.match(init.stderr, /svinit: error: core: unable to keep a critical service up: gave up after 2 failed starts within 60000 ms \(\.\/run exited 7\); stopping the container/);
  assert.match(init.reportLines().at(-1) ?? '', /^svinit: shutdown: critical service core failed \(gave up after 2 failed starts .*\): .* exit 7$/);
});

test('--critical NAME: its ./run ending after sv once ends the container with 128+n for signal n; JSON report names it (PID 1)', PID1, async (t) => {
  const tree = new Tree({
    job: { run: '#!/bin/sh\necho $$ > $M/job.ready\nexec sleep 1000\n', down: ['', 0o644] },
    other: { run: trapRun('other', '0') },
  });
  const init = new Init(['--dir', tree.sv, '--critical', 'job', '--report', 'json'], { pid1: true });
  t.after(() => { init.kill(); tree.cleanup(); });
  await waitFor(() => tree.has('other.ready'), 15_000, 'other started');
  assert.ok(!tree.has('job.ready'), 'job has a down file');
  assert.equal(cli(['sv', 'once', join(tree.sv, 'job')]).code, 0);
  await waitFor(() => tree.has('job.ready') && tree.read('job.ready') !== '', 15_000, 'job started once');
  // The job ends by itself (killed by SIGUSR1, from outside the namespace).
  const pid = await init.hostPid(Number(tree.read('job.ready')));
  assert.notEqual(pid, 0);
  process.kill(pid, 'SIGUSR1');
  const { code } = await init.exit(30_000);
  assert.equal(code, 128 + 10, init.stderr);
  assert.ok(tree.has('other.clean'));
  const json = init.stderr.split('\n').find((l) => l.startsWith('{"svinit":"shutdown"'));
  const report = JSON.parse(json ?? 'null') as { critical: { name: string; code: number; reason: string }; exitCode: number };
  assert.deepEqual({ ...report.critical, reason: '' }, { name: 'job', code: 138, reason: '' });
  assert.equal(report.critical.reason, './run killed by SIGUSR1 after sv once');
  assert.equal(report.exitCode, 138);
});

test('command mode: a critical service that gives up stops CMD first; svinit exits with CMD\'s status, the report names the service (PID 1)', PID1, async (t) => {
  const tree = new Tree({ core: { run: failing('core', 5), 'give-up-after': ['2\n', 0o644] } });
  const cmd = `trap 'echo term > ${tree.m}/cmd.term; exit 42' TERM; echo $$ > ${tree.m}/cmd.ready; while :; do sleep 1; done`;
  const init = new Init(['--dir', tree.sv, '--critical', 'core', '--critical', 'nosuch', '--', 'sh', '-c', cmd], { pid1: true });
  t.after(() => { init.kill(); tree.cleanup(); });
  const { code } = await init.exit(30_000);
  assert.equal(code, 42, `CMD's status (the first row of the exit-code table that matches):\n${init.stderr}`);
  assert.ok(tree.has('cmd.term'), 'CMD got SIGTERM');
  assert.match(init.stderr, /--critical nosuch: no such service in .* \(yet\); it counts once a directory of that name appears/);
  assert.match(init.reportLines().at(-1) ?? '', /^svinit: shutdown: critical service core failed \(gave up after 2 failed starts .*exit 42$/);
});

test('--engine runit: each built-in-only file is warned about once at start, the services still run', { skip: HAVE_RUNIT ? false : 'runit is not installed', timeout: 60_000 }, async (t) => {
  const tree = new Tree({
    web: { run: '#!/bin/sh\necho $$ > $M/web.ready\nexec sleep 1000\n', user: ['nobody\n', 0o644], 'env/X': ['1\n', 0o644], critical: ['', 0o644], 'log/run': '#!/bin/sh\nexec cat >/dev/null\n', 'log/give-up-after': ['3\n', 0o644] },
  });
  const init = new Init(['--dir', tree.sv, '--engine', 'runit', '--critical', 'web']);
  t.after(() => { init.kill(); tree.cleanup(); });
  await waitFor(() => tree.has('web.ready'), 20_000, 'web started under runsv');
  for (const f of ['env', 'user', 'critical', 'log/give-up-after']) {
    const hits = init.stderr.split('\n').filter((l) => l.includes(`web: ${f} is ignored with --engine runit (runsv does not read it)`));
    assert.equal(hits.length, 1, `${f}:\n${init.stderr}`);
  }
  assert.match(init.stderr, /--critical web is ignored with --engine runit/);
  await init.signal('SIGTERM');
  assert.equal((await init.exit()).code, 0, init.stderr);
});
