// The main command (`svinit [options] -- CMD`), black box, as a subreaper and as PID 1 of a PID
// namespace: exit statuses, signal forwarding (CMD's group by default, CMD alone with -c),
// --rewrite, job control, the caller's signal state, --pdeathsig, orphans, and CMD beside services.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { procFixture } from '../helpers/fixtures.js';
import { descendants, procStat, procStatus, zombiesOf } from '../helpers/proc.js';
import { stopTree, track } from '../helpers/teardown.js';
import { alive, HAVE_RUNIT, Init, PID1_SKIP, runToEnd, SVINIT_BIN, Tree, idleLoop, trapRun, waitFor } from './init-harness.js';

const ROLES = [
  { label: 'subreaper', pid1: false, skip: false as string | false },
  { label: 'PID 1', pid1: true, skip: PID1_SKIP },
];

/**
 * A member of CMD's process group: traps every signal of `SIGNALS`, appending "N NAME" to $M/sig,
 * and TERM (writes NAME.clean, exits 0). `main` also starts a second member, `sub`, in the same
 * group. Sleeps in the background so that each trapped signal is handled at once.
 */
// ILL, BUS, FPE and SEGV as kill() sends them, PIPE, and the real-time signals are caught in C.
const SIGNALS = [1, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 16, 23, 24, 25, 26, 27, 28, 29, 30, 31, 34, 37, 50, 64];
const MEMBER = `#!/bin/sh
ulimit -c 0
name=$1
for s in ${SIGNALS.join(' ')}; do trap "echo $s $name >> $M/sig" $s; done
trap "echo 2 $name >> $M/sig" 2
trap "echo ok > $M/$name.clean; exit 0" TERM
# An async command of a shell ignores INT and QUIT; sigexec gives sub the default back.
if [ "$name" = main ]; then "$PF" sigexec - - "$0" sub & fi
# Written whole, then renamed: a reader never sees the file before the pid is in it.
echo $$ > $M/$name.pid && mv $M/$name.pid $M/$name.ready
${idleLoop('$name')}
`;

/** Both members are up and have written their pids. */
function membersReady(tree: Tree): Promise<number> {
  return waitFor(() => tree.has('main.ready') && tree.has('sub.ready'), 15_000, 'both members ready');
}

/** CMD = the member script (main, and sub in its group) under svinit with `flags`; torn down after the test. */
async function startMembers(t: { after(fn: () => void): void }, flags: readonly string[], pid1: boolean): Promise<{ tree: Tree; init: Init }> {
  const { tree, member } = memberTree();
  const init = new Init([...flags, '--', member, 'main'], { pid1 });
  t.after(() => { init.kill(); tree.cleanup(); });
  await membersReady(tree);
  killGroupAfter(t, init, tree, 'main.ready');
  return { tree, init };
}

function memberTree(services: ConstructorParameters<typeof Tree>[0] = {}): { tree: Tree; member: string } {
  const tree = new Tree(services);
  const member = join(tree.root, 'member');
  writeFileSync(member, MEMBER.replaceAll('$M', tree.m).replaceAll('$PF', procFixture()));
  chmodSync(member, 0o755);
  return { tree, member };
}

/**
 * Teardown for a CMD whose shell loops on `sleep 1000 &`: a signal that lands while the shell
 * forks makes the kernel restart the fork after the group was signalled, so one sleep can survive
 * CMD, and as a subreaper svinit leaves CMD's group alone (dumb-init's rule). It would hold this
 * test's pipes open: the test kills what is left of the group itself.
 */
function killGroupAfter(t: { after(fn: () => void): void }, init: Init, tree: Tree, marker: string): void {
  t.after(async () => {
    if (!tree.has(marker)) return;
    const group = await init.hostPid(Number(tree.read(marker))).catch(() => 0);
    if (group <= 0) return;
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // nothing left of it
    }
  });
}

function sigLines(tree: Tree): string[] {
  return tree.has('sig') ? tree.read('sig').split('\n') : [];
}

for (const role of ROLES) {
  test(`exit codes pass through, a signal gives 128+n, --exit-remap (${role.label})`, { skip: role.skip, timeout: 120_000 }, async (t) => {
    const tree = new Tree();
    t.after(() => tree.cleanup());
    const opts = { pid1: role.pid1 };
    for (const code of [0, 1, 2, 3, 254, 255]) {
      const r = await runToEnd(['--no-services', '--', 'sh', '-c', `exit ${code}`], opts);
      assert.equal(r.code, code, r.stderr);
      assert.equal(r.stderr, '', 'nothing from svinit at the default verbosity with --no-services');
    }
    for (const [sig, n] of [['TERM', 15], ['HUP', 1], ['QUIT', 3], ['KILL', 9], ['SEGV', 11]] as const) {
      const r = await runToEnd(['--no-services', '--', 'sh', '-c', `ulimit -c 0; kill -${sig} $$`], opts);
      assert.equal(r.code, 128 + n, `${sig}: ${r.stderr}`);
    }
    const notExec = join(tree.root, 'notexec');
    writeFileSync(notExec, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
    chmodSync(notExec, 0o644);
    const r126 = await runToEnd(['--no-services', notExec], opts);
    assert.equal(r126.code, 126, r126.stderr);
    assert.match(r126.stderr, /^svinit: error: unable to run ".*notexec": not executable/);
    const r127 = await runToEnd(['--no-services', 'no-such-program-anywhere'], opts);
    assert.equal(r127.code, 127, r127.stderr);
    assert.equal(r127.stderr, 'svinit: error: unable to run "no-such-program-anywhere": not found on $PATH\n');
    const hint = await runToEnd(['--no-services', 'status'], opts);
    assert.equal(hint.code, 127);
    assert.match(hint.stderr, /did you mean `svinit status \.\.\.`\?/);
    // A script without #! runs with /bin/sh, as execvp does.
    const bare = join(tree.root, 'bare');
    writeFileSync(bare, 'exit 9\n', { mode: 0o755 });
    chmodSync(bare, 0o755);
    assert.equal((await runToEnd(['--no-services', bare], opts)).code, 9);
    // A relative CMD is found from the caller's directory, although svinit itself moves to /.
    assert.equal((await runToEnd(['--no-services', './bare'], { ...opts, cwd: tree.root })).code, 9);
    assert.equal((await runToEnd(['--no-services', 'bare'], { ...opts, cwd: tree.root, env: { PATH: `:${process.env['PATH'] ?? ''}` } })).code, 9);
    assert.equal((await runToEnd(['--no-services', '--exit-remap', '3:0', '--', 'sh', '-c', 'exit 3'], opts)).code, 0);
    assert.equal((await runToEnd(['--no-services', '-e', '143', '--', 'sh', '-c', 'kill -TERM $$'], opts)).code, 0);
    assert.equal((await runToEnd(['--no-services', '--exit-remap', '0:5', 'true'], opts)).code, 5);
  });

  test(`every forwardable signal reaches CMD's whole group; TERM ends it with its status (${role.label})`, { skip: role.skip, timeout: 120_000 }, async (t) => {
    const { tree, init } = await startMembers(t, ['--no-services'], role.pid1);
    const pid = await init.pid();
    for (const n of SIGNALS) {
      process.kill(pid, n);
      await waitFor(() => sigLines(tree).includes(`${n} main`) && sigLines(tree).includes(`${n} sub`), 10_000, `signal ${n} at both members\n${sigLines(tree).join(',')}`);
    }
    await init.signal('SIGTERM');
    const { code } = await init.exit();
    assert.equal(code, 0, init.stderr);
    assert.ok(tree.has('main.clean') && tree.has('sub.clean'), 'both members got TERM');
    assert.deepEqual(init.stderr.split('\n').filter((l) => l.startsWith('svinit')), [], 'svinit said nothing (the lines are the shells\' own)');
  });

  test(`--single-child: signals reach CMD alone; --rewrite maps and drops (${role.label})`, { skip: role.skip, timeout: 120_000 }, async (t) => {
    const { tree, member } = memberTree();
    const init = new Init(['--no-services', '-c', '-r', 'USR1:USR2', '--rewrite', 'HUP:0', '--', member, 'main'], { pid1: role.pid1 });
    t.after(() => { init.kill(); tree.cleanup(); });
    await membersReady(tree);
    const pid = await init.pid();
    process.kill(pid, 'SIGUSR1');
    await waitFor(() => sigLines(tree).includes('12 main'), 10_000, 'USR1 arrives as USR2');
    process.kill(pid, 'SIGHUP');
    process.kill(pid, 'SIGALRM');
    await waitFor(() => sigLines(tree).includes('14 main'), 10_000, 'ALRM, after the dropped HUP');
    const lines = sigLines(tree);
    assert.ok(!lines.includes('1 main'), `HUP was dropped: ${lines.join(',')}`);
    assert.ok(!lines.includes('10 main'), 'USR1 was rewritten');
    assert.ok(!lines.some((l) => l.endsWith(' sub')), `the rest of the group got nothing: ${lines.join(',')}`);
    // The TERM goes to CMD alone, and svinit (dumb-init's rule) does not wait for the rest of
    // its group: that is left to this test (a PID 1 run's namespace ends it).
    const group = await init.hostPid(Number(tree.read('main.ready')));
    t.after(() => { try { process.kill(-group, 'SIGKILL'); } catch { /* gone with the namespace */ } });
    await init.signal('SIGTERM');
    assert.equal((await init.exit()).code, 0, init.stderr);
    assert.ok(tree.has('main.clean'));
    // As PID 1 the stray sweep gives the rest its TERM once CMD is gone; as a subreaper nothing does.
    assert.equal(tree.has('sub.clean'), role.pid1, role.pid1 ? 'the sweep stopped the rest' : 'the rest of the group got no TERM');
  });

  test(`TSTP stops CMD's group and CONT resumes it (${role.label})`, { skip: role.skip, timeout: 60_000 }, async (t) => {
    const { tree, init } = await startMembers(t, ['--no-services'], role.pid1);
    const pid = await init.pid();
    const main = await init.hostPid(Number(tree.read('main.ready')));
    const sub = await init.hostPid(Number(tree.read('sub.ready')));
    // svinit's own pid here: behind the front (PID 1 runs), svinit is the front's child.
    const svinit = procStat(main)?.ppid ?? 0;
    process.kill(pid, 'SIGTSTP');
    await waitFor(() => procStat(main)?.state === 'T' && procStat(sub)?.state === 'T', 10_000, 'the group stopped');
    if (role.pid1) {
      // The container's init never stops itself.
      assert.notEqual(procStat(svinit)?.state, 'T', 'svinit runs on');
    } else {
      await waitFor(() => procStat(svinit)?.state === 'T', 10_000, 'svinit stopped itself, as a job does');
    }
    process.kill(pid, 'SIGCONT');
    await waitFor(() => procStat(main)?.state !== 'T' && procStat(sub)?.state !== 'T' && procStat(svinit)?.state !== 'T', 10_000, 'all running again');
    await init.signal('SIGTERM');
    assert.equal((await init.exit()).code, 0, init.stderr);
  });

  test(`CMD gets the caller's blocked and ignored signals and directory; services a clean slate (${role.label})`, { skip: role.skip, timeout: 60_000 }, async (t) => {
    const tree = new Tree({ svc: { run: '#!/bin/sh\ngrep -E "^Sig(Blk|Ign)" /proc/self/status > $M/svc.sig\necho $$ > $M/svc.ready\nexec sleep 1000\n' } });
    t.after(() => tree.cleanup());
    // CMD is sleep itself (a shell would clear the mask at its start, dash does): read from /proc.
    const init = new Init(['sigexec', '10,12', '13,21', SVINIT_BIN, '--dir', tree.sv, '--', 'sleep', '1001'], { pid1: role.pid1, bin: procFixture() });
    t.after(() => init.kill());
    await waitFor(() => tree.has('svc.ready'), 15_000, 'the service ran');
    let cmd = 0;
    await waitFor(() => {
      cmd = descendants(init.child.pid ?? 0).find((p) => cmdline(p) === 'sleep\u00001001\u0000') ?? 0;
      return cmd > 0;
    }, 10_000, 'CMD running');
    const status = procStatus(cmd);
    assert.equal(status.get('SigBlk'), '0000000000000a00', 'USR1 and USR2 blocked, as the caller had them');
    assert.equal(status.get('SigIgn'), '0000000000101000', 'PIPE and TTIN ignored, as the caller had them');
    assert.equal(readlinkSync(`/proc/${cmd}/cwd`), process.cwd(), 'CMD keeps the caller\'s working directory');
    const svinit = procStat(cmd)?.ppid ?? 0;
    assert.equal(readlinkSync(`/proc/${svinit}/cwd`), '/', 'svinit itself moved to /');
    const svcSig = new Map(tree.read('svc.sig').split('\n').map((l) => l.split(/:\s+/) as [string, string]));
    assert.equal(svcSig.get('SigBlk'), '0000000000000000');
    assert.equal(svcSig.get('SigIgn'), '0000000000000000');
    await init.signal('SIGTERM');
    assert.equal((await init.exit()).code, 143, init.stderr);
  });

  test(`100 orphans are reaped while CMD runs, and CMD's status is never lost (${role.label})`, { skip: role.skip, timeout: 60_000 }, async (t) => {
    const tree = new Tree();
    t.after(() => tree.cleanup());
    const cmd = `${procFixture()} orphans 100 2 > /dev/null; echo $$ > ${tree.m}/cmd.ready; exec sleep 1000`;
    const init = new Init(['--no-services', '--', 'sh', '-c', cmd], { pid1: role.pid1 });
    t.after(() => init.kill());
    await waitFor(() => tree.has('cmd.ready'), 15_000, 'orphans made');
    const cmdPid = await init.hostPid(Number(tree.read('cmd.ready')));
    const reapers = await init.reapers();
    await waitFor(() => reapers.every((r) => zombiesOf(r).length === 0), 10_000, 'no zombie left');
    process.kill(cmdPid, 'SIGKILL');
    const { code } = await init.exit();
    assert.equal(code, 137, init.stderr);
  });

  test(`CMD beside two services: TERM stops CMD first, then the services; exit CMD's status (builtin, ${role.label})`, { skip: role.skip, timeout: 60_000 }, async (t) => {
    const after = (name: string): string => `#!/bin/sh\ntrap 'if [ -e $M/cmd.clean ]; then echo after > $M/${name}.order; else echo before > $M/${name}.order; fi; exit 0' TERM\n` +
      `echo $$ > $M/${name}.ready\n${idleLoop(name)}\n`;
    const tree = new Tree({ a: { run: after('a') }, b: { run: after('b') } });
    t.after(() => tree.cleanup());
    const cmd = `trap 'sleep 0.3; echo ok > ${tree.m}/cmd.clean; exit 7' TERM; echo $$ > ${tree.m}/cmd.ready; ${idleLoop('cmd', tree.m)}`;
    const init = new Init(['--dir', tree.sv, '--', 'sh', '-c', cmd], { pid1: role.pid1 });
    t.after(() => init.kill());
    await waitFor(() => tree.has('cmd.ready') && tree.has('a.ready') && tree.has('b.ready'), 15_000, 'CMD and both services ready');
    killGroupAfter(t, init, tree, 'cmd.ready');
    await init.signal('SIGTERM');
    const { code } = await init.exit();
    assert.equal(code, 7, init.stderr);
    assert.equal(tree.read('a.order'), 'after', 'a got its TERM after CMD was gone');
    assert.equal(tree.read('b.order'), 'after');
    const lines = init.reportLines();
    assert.match(lines[0] ?? '', /^svinit: shutdown: main command \(sh\): sent SIGTERM, gone after \d+ ms, exited 7$/, init.stderr);
    assert.match(lines.at(-1) ?? '', /2 service\(s\) stopped .*exit 7$/, init.stderr);
  });
}

test('--stop-signal RTMIN+3: forwarded to CMD and starts the grace clock; CMD is SIGKILLed at the deadline', { timeout: 60_000 }, async (t) => {
  const tree = new Tree();
  t.after(() => tree.cleanup());
  const cmd = `trap 'echo got >> ${tree.m}/rt' 37; echo $$ > ${tree.m}/cmd.ready; ${idleLoop('cmd', tree.m)}`;
  const init = new Init(['--no-services', '--grace', '2', '--stop-signal', 'RTMIN+3', '--', 'sh', '-c', cmd]);
  t.after(() => init.kill());
  await waitFor(() => tree.has('cmd.ready'), 15_000, 'CMD ready');
  killGroupAfter(t, init, tree, 'cmd.ready');
  const pid = await init.pid();
  const t0 = performance.now();
  process.kill(pid, 37);
  await waitFor(() => tree.has('rt'), 10_000, 'CMD got RTMIN+3');
  const { code } = await init.exit();
  const ms = performance.now() - t0;
  assert.equal(code, 137, `CMD kept running, and was SIGKILLed at the deadline\n${init.stderr}`);
  assert.ok(ms >= 1500, `the grace clock started with RTMIN+3 (${Math.round(ms)} ms)`);
});

test('a SIGPIPE that svinit\'s own write raised is not forwarded; one that another process sent is', { timeout: 60_000 }, async (t) => {
  const { tree, member } = memberTree({ crash: { run: '#!/bin/sh\necho x >> $M/crash.runs\nexit 1\n' } });
  t.after(() => tree.cleanup());
  // -v: svinit logs every restart of the crashing service, so it keeps writing to its stderr.
  const child = track(spawn(SVINIT_BIN, ['-v', '--dir', tree.sv, '--', member, 'main'], { stdio: ['ignore', 'pipe', 'pipe'] }));
  t.after(async () => { await stopTree(child, 15_000); });
  await membersReady(tree);
  await new Promise<void>((res) => { if (child.stderr.readableLength > 0) res(); else child.stderr.once('data', () => res()); });
  // Close the reading ends: svinit's next write fails with EPIPE, and the kernel sends it SIGPIPE.
  child.stdout.destroy();
  child.stderr.destroy();
  const runs = (): number => (tree.has('crash.runs') ? tree.read('crash.runs').split('\n').length : 0);
  const n0 = runs();
  await waitFor(() => runs() >= n0 + 2, 15_000, 'two more restarts, each one a line svinit tried to write');
  assert.ok(!sigLines(tree).some((l) => l.startsWith('13 ')), `no SIGPIPE reached CMD: ${sigLines(tree).join(',')}`);
  spawn('kill', ['-PIPE', String(child.pid)], { stdio: 'ignore' });
  await waitFor(() => sigLines(tree).includes('13 main'), 10_000, 'a SIGPIPE sent with kill reaches CMD');
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((res) => child.once('exit', (c) => res(c)));
  assert.equal(code, 0, 'both members exit 0 on TERM');
});

test('CMD beside a service under --engine runit: CMD first, then runsv stops the service', { skip: !HAVE_RUNIT && 'runit is not installed', timeout: 60_000 }, async (t) => {
  const tree = new Tree({ a: { run: trapRun('a', '0') } });
  t.after(() => tree.cleanup());
  const cmd = `trap 'echo ok > ${tree.m}/cmd.clean; exit 3' TERM; echo $$ > ${tree.m}/cmd.ready; ${idleLoop('cmd', tree.m)}`;
  const init = new Init(['--dir', tree.sv, '--engine', 'runit', '--', 'sh', '-c', cmd]);
  t.after(() => init.kill());
  await waitFor(() => tree.has('cmd.ready') && tree.has('a.ready'), 15_000, 'CMD and the service ready');
  killGroupAfter(t, init, tree, 'cmd.ready');
  await init.signal('SIGTERM');
  assert.equal((await init.exit()).code, 3, init.stderr);
  assert.ok(tree.has('cmd.clean') && tree.has('a.clean'), init.stderr);
});

test('CMD that ends by itself: its group gets TERM, the services stop, svinit exits with its status', { timeout: 60_000 }, async (t) => {
  const tree = new Tree({ a: { run: trapRun('a', '0') } });
  t.after(() => tree.cleanup());
  // The leftover member of CMD's group traps TERM and says so; it waits with no child (a stray
  // sleep would hold the test's output pipes open).
  const cmd = `sh -c 'trap "echo ok > ${tree.m}/left.term; exit 0" TERM; echo $$ > ${tree.m}/left.ready; ${idleLoop('left', tree.m)}' & ` +
    `while [ ! -e ${tree.m}/left.ready ]; do sleep 0.05; done; exit 4`;
  const init = new Init(['--dir', tree.sv, '--', 'sh', '-c', cmd]);
  t.after(() => init.kill());
  const { code } = await init.exit();
  assert.equal(code, 4, init.stderr);
  await waitFor(() => tree.has('left.term'), 10_000, 'the leftover got its TERM');
  assert.ok(tree.has('a.clean'), 'the service was stopped gracefully');
  assert.match(init.stderr, /main command \(sh\) exited 4: stopping every service/);
});

test('--pdeathsig: svinit gets the signal when its parent dies, and forwards it', { timeout: 60_000 }, async (t) => {
  const { tree, member } = memberTree();
  t.after(() => tree.cleanup());
  // The parent: a shell that starts svinit in the background and exits once CMD is up.
  const script = `"${SVINIT_BIN}" -p USR1 --no-services -- "${member}" main & while [ ! -e ${tree.m}/main.ready ]; do sleep 0.05; done; exit 0`;
  const parent = track(spawn('sh', ['-c', script], { stdio: 'ignore', env: { ...process.env, SVINIT_NODE: process.execPath } }));
  const parentGone = new Promise((r) => parent.on('exit', r));
  await waitFor(() => tree.has('main.ready'), 15_000, 'CMD up');
  const main = Number(tree.read('main.ready'));
  const svinit = procStat(main)?.ppid ?? 0;
  t.after(() => { if (alive(svinit)) process.kill(svinit, 'SIGKILL'); });
  await parentGone;
  await waitFor(() => sigLines(tree).includes('10 main'), 10_000, 'USR1 reached CMD after the parent died');
  process.kill(svinit, 'SIGTERM');
  await waitFor(() => !alive(svinit), 10_000, 'svinit gone');
});

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}
