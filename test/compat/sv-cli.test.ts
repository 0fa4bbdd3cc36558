// `svinit sv` against real runsv, side by side with runit's own sv: two identical service trees,
// the same command list through /usr/bin/sv on one and `svinit sv` on the other; output lines
// (pids and ages normalised) and exit codes must match, and the effects must be real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult, ServiceFiles } from './runsv-harness.js';
import { CLI, RUNIT_SV, SVINIT_INIT, Tree, normalise, run, svinit, waitUntil } from './runsv-harness.js';

const available = existsSync(RUNIT_SV) && existsSync('/usr/bin/runsv');

// Traps write the signal's name into ../NAME.log; the 0.1 s sleep bounds how late a trap runs.
const trapper = (name: string): string => `#!/bin/sh
log=../${name}.log
trap 'echo HUP >> $log' HUP
trap 'echo USR1 >> $log' USR1
trap 'echo TERM >> $log; exit 0' TERM
echo up >> $log
while :; do sleep 0.1; done
`;

const SERVICES: Record<string, ServiceFiles> = {
  sig: { run: trapper('sig') },
  ign: { run: "#!/bin/sh\ntrap '' TERM\nexec sleep 1000\n" },
  off: { run: '#!/bin/sh\nexec sleep 1000\n', down: ['', 0o644] },
  lg: { run: '#!/bin/sh\nexec sleep 1000\n', 'log/run': '#!/bin/sh\nexec cat >/dev/null\n' },
  fin: { run: trapper('fin'), finish: '#!/bin/sh\necho "finish $1 $2" >> ../fin.log\n' },
  crash: { run: '#!/bin/sh\nexit 3\n', check: '#!/bin/sh\nexit 1\n' },
  gone: { run: '#!/bin/sh\nexec sleep 1000\n' },
  // Its check fails once, then passes: the wait must run it again.
  slow: { run: '#!/bin/sh\nexec sleep 1000\n', down: ['', 0o644], check: '#!/bin/sh\n[ -e ../slow.seen ] && exit 0\ntouch ../slow.seen\nexit 1\n' },
  notsup: { run: '#!/bin/sh\nexec sleep 1000\n' },
};
const SUPERVISED = ['sig', 'ign', 'off', 'lg', 'fin', 'crash', 'gone', 'slow'];

interface Pair {
  runit: RunResult;
  ours: RunResult;
}

async function both(a: Tree, b: Tree, args: string[], cwd?: 'root'): Promise<Pair> {
  const [runit, ours] = await Promise.all([
    run(RUNIT_SV, args, { env: { ...process.env, SVDIR: a.root }, cwd: cwd === 'root' ? a.root : process.cwd() }),
    svinit(['sv', ...args], { env: { ...process.env, SVDIR: b.root }, cwd: cwd === 'root' ? b.root : process.cwd() }),
  ]);
  return { runit, ours };
}

function same(p: Pair, args: string[]): void {
  const what = `sv ${args.join(' ')}`;
  assert.deepEqual(normalise(p.ours.stdout), normalise(p.runit.stdout), `${what}: stdout`);
  assert.equal(p.ours.code, p.runit.code, `${what}: exit code (runit stderr: ${p.runit.stderr}, ours: ${p.ours.stderr})`);
}

function logOf(t: Tree, name: string): string[] {
  const path = join(t.root, `${name}.log`);
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l !== '') : [];
}

test('svinit sv matches runit sv against real runsv', { skip: available ? false : 'runit (/usr/bin/sv, /usr/bin/runsv) is not installed', timeout: 120_000 }, async (t) => {
  const a = new Tree(SERVICES, 'svinit-cli-runit-');
  const b = new Tree(SERVICES, 'svinit-cli-ours-');
  t.after(async () => {
    await Promise.all([a.cleanup(), b.cleanup()]);
  });
  await Promise.all(SUPERVISED.flatMap((n) => [a.start(n), b.start(n)]));
  await waitUntil(() => [a, b].every((x) => logOf(x, 'sig').includes('up') && logOf(x, 'fin').includes('up')), 10_000, 'fixtures up');
  // `gone` was supervised, but its runsv has exited: supervise/ok has no reader (ENXIO).
  for (const x of [a, b]) x.status('gone');
  await both(a, b, ['x', 'gone']);
  await Promise.all([a.exited('gone'), b.exited('gone')]);

  const step = async (args: string[]): Promise<Pair> => {
    const p = await both(a, b, args);
    same(p, args);
    return p;
  };

  await t.test('status of every kind of service, and the errors', async () => {
    const p = await step(['status', 'sig', 'ign', 'off', 'lg', 'fin']);
    assert.equal(normalise(p.ours.stdout)[3], 'run: lg: (pid N) Ns; run: log: (pid N) Ns');
    assert.deepEqual(normalise(p.ours.stdout)[2], 'down: off: Ns');
    assert.equal((await step(['status', 'nosuch'])).ours.code, 1);
    assert.match((await step(['status', 'notsup'])).ours.stdout, /^warning: notsup: unable to open supervise\/ok: file does not exist$/m);
    assert.equal((await step(['status', 'gone'])).ours.stdout, 'fail: gone: runsv not running\n');
    await step(['status', 'lg/log']);
    await step(['s', 'sig', 'nosuch', 'gone']);
  });

  await t.test('signals: -v hup and -v 1 reach the process', async () => {
    const p = await step(['-v', 'hup', 'sig']);
    assert.match(p.ours.stdout, /^ok: run: sig: \(pid \d+\) \d+s$/m);
    await step(['-v', '1', 'sig']);
    await waitUntil(() => [a, b].every((x) => logOf(x, 'sig').includes('HUP') && logOf(x, 'sig').includes('USR1')), 5000, 'HUP and USR1 trapped');
  });

  await t.test('pause and cont', async () => {
    assert.match((await step(['-v', 'pause', 'sig'])).ours.stdout, /, paused$/m);
    assert.equal(b.status('sig').paused, true);
    await step(['-v', 'cont', 'sig']);
    assert.equal(b.status('sig').paused, false);
  });

  await t.test('down, up, restart, term and kill with waits', async () => {
    assert.equal((await step(['-w', '5', 'down', 'sig'])).ours.stdout, `ok: down: sig: 0s, normally up\n`);
    assert.ok(logOf(b, 'sig').includes('TERM'));
    assert.equal(b.status('sig').state, 'down');
    await step(['-w', '5', 'up', 'sig']);
    assert.equal(b.status('sig').state, 'run');
    await step(['-w', '5', 'restart', 'sig']);
    await step(['-w', '5', 'term', 'sig']);
    await step(['-w', '5', 'kill', 'sig']);
    await step(['-w', '5', 'stop', 'fin']);
    assert.ok(logOf(b, 'fin').some((l) => l === 'finish 0 0'), 'finish ran after TERM');
    await step(['-w', '5', 'start', 'fin']);
  });

  await t.test('a TERM-ignoring service: stop times out, down skips, force-stop kills', async () => {
    const p = await step(['-w', '1', 'stop', 'ign']);
    assert.match(p.ours.stdout, /^timeout: run: ign: \(pid \d+\) \d+s, want down, got TERM\n$/);
    assert.equal((await step(['down', 'ign'])).ours.stdout, '');
    const k = await step(['-w', '1', 'force-stop', 'ign']);
    assert.match(k.ours.stdout, /^kill: run: ign: /);
    await waitUntil(() => b.status('ign').state === 'down', 5000, 'ign killed');
  });

  await t.test('once on a normally-down service, and exit', async () => {
    assert.equal(normalise((await step(['-w', '5', 'once', 'off'])).ours.stdout)[0], 'ok: run: off: (pid N) Ns, normally down, want down');
    const x = await step(['-w', '5', 'exit', 'lg']);
    assert.equal(x.ours.stdout, 'ok: lg: runsv not running\n');
    await step(['status', 'lg']);
    await step(['-v', 'exit', 'gone']);
  });

  await t.test('usage errors exit 100 with the usage line', async () => {
    for (const args of [['bogus', 'sig'], ['status'], [], ['-x', 'status', 'sig'], ['restartx', 'sig']]) {
      const p = await both(a, b, args);
      assert.equal(p.ours.code, 100, `sv ${args.join(' ')}`);
      assert.equal(p.ours.code, p.runit.code);
      assert.match(p.ours.stderr, /^(svinit sv: illegal option -- x\n)?usage: svinit sv \[-v\] \[-w sec\] command service \.\.\.\n\n$/);
    }
  });

  await t.test('LSB mode: exit codes of an init.d symlink', async () => {
    for (const [svc, args, want] of [['sig', ['status'], 0], ['ign', ['status'], 3], ['nosuch', ['status'], 1], ['sig', ['bogus'], 2]] as const) {
      // runit keys LSB mode off argv[0]'s basename; `exec -a` gives it the service's name.
      const runit = await run('/bin/bash', ['-c', `exec -a ${svc} ${RUNIT_SV} "$@"`, 'sv', ...args], { env: { ...process.env, SVDIR: a.root } });
      const viaFlag = await svinit(['sv', '--lsb', svc, ...args], { env: { ...process.env, SVDIR: b.root } });
      const viaArgv0 = await run(process.execPath, [CLI, ...args], { env: { ...process.env, SVDIR: b.root, SVINIT_ARGV0: `/etc/init.d/${svc}` } });
      assert.equal(runit.code, want, `runit ${svc} ${args.join(' ')}: ${runit.stdout}${runit.stderr}`);
      assert.equal(viaFlag.code, want, `svinit sv --lsb ${svc} ${args.join(' ')}: ${viaFlag.stdout}${viaFlag.stderr}`);
      assert.equal(viaArgv0.code, want, `argv0 ${svc} ${args.join(' ')}`);
      assert.deepEqual(normalise(viaFlag.stdout), normalise(runit.stdout));
    }
  });

  await t.test('up waits for the check script, running it again until it passes', async () => {
    const p = await step(['-w', '5', 'up', 'slow']);
    assert.match(p.ours.stdout, /^ok: run: slow: \(pid \d+\) \d+s, normally down\n$/);
    assert.ok(existsSync(join(b.root, 'slow.seen')), 'the check script ran (and failed once)');
  });

  await t.test('check: passes for a running and a down-by-choice service', async () => {
    assert.match((await step(['-w', '2', 'check', 'sig', 'off'])).ours.stdout, /^ok: run: sig: /);
  });
});

const initAvailable = existsSync(SVINIT_INIT) ? false : `svinit's init is not built (${SVINIT_INIT})`;

test('svinit sv matches runit sv against svinit\'s own supervisor', { skip: available ? initAvailable : 'runit is not installed', timeout: 120_000 }, async (t) => {
  const services = { sig: SERVICES['sig'] ?? {}, ign: SERVICES['ign'] ?? {}, off: SERVICES['off'] ?? {}, lg: SERVICES['lg'] ?? {} };
  const a = new Tree(services, 'svinit-cli-init-runit-');
  const b = new Tree(services, 'svinit-cli-init-ours-');
  t.after(async () => {
    await Promise.all([a.cleanup(), b.cleanup()]);
  });
  await Promise.all([a.startInit(Object.keys(services)), b.startInit(Object.keys(services))]);
  await waitUntil(() => [a, b].every((x) => logOf(x, 'sig').includes('up') && ['sig', 'ign', 'lg'].every((n) => x.status(n).state === 'run')), 10_000, 'fixtures up');
  for (const args of [
    ['status', 'sig', 'ign', 'off', 'lg', 'nosuch'],
    ['-v', 'hup', 'sig'],
    ['-w', '5', 'down', 'sig'],
    ['-w', '5', 'up', 'sig'],
    ['-w', '5', 'restart', 'sig'],
    ['-w', '1', 'stop', 'ign'],
    ['down', 'ign'],
    ['-w', '1', 'force-stop', 'ign'],
    ['-w', '5', 'once', 'off'],
    ['-w', '2', 'check', 'sig', 'lg'],
  ]) {
    same(await both(a, b, args), args);
  }
  await waitUntil(() => logOf(b, 'sig').includes('HUP') && logOf(b, 'sig').includes('TERM'), 5000, 'HUP and TERM trapped');
  await waitUntil(() => b.status('ign').state === 'down', 5000, 'ign killed');
});
