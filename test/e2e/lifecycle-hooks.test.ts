// The container's life cycle, black box, as PID 1 under unshare (and as a subreaper where the
// point is the same): start-up hooks in order with their output prefixed, a failing hook under
// each --on-hook-failure, a hook that hangs and is cut, SIGTERM during the hooks, finish hooks
// inside the grace, and the environment directories with chpst -e's rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/fixtures.js';
import { Init, PID1_SKIP, Tree, trapRun, waitFor } from './init-harness.js';

const ROLES = [
  { label: 'PID 1', pid1: true, skip: PID1_SKIP },
  { label: 'subreaper', pid1: false, skip: false as string | false },
];

/** Writes executable hook `name` into `dir` (created). `$M` is the tree's marker directory. */
function hook(tree: Tree, dir: string, name: string, body: string): void {
  const d = join(tree.root, dir);
  mkdirSync(d, { recursive: true });
  const path = join(d, name);
  writeFileSync(path, `#!/bin/sh\n${body.replaceAll('$M', tree.m)}\n`);
  chmodSync(path, 0o755);
}

function lines(text: string, re: RegExp): string[] {
  return text.split('\n').filter((l) => re.test(l));
}

for (const role of ROLES) {
  test(`start-up hooks run one at a time in order before the services and CMD, output prefixed; finish hooks after (${role.label})`, { skip: role.skip, timeout: 60_000 }, async (t) => {
    const tree = new Tree({ a: { run: `#!/bin/sh\necho "a PORT=$PORT GONE=\${GONE-unset}" > $M/a.env\n${trapRun('a', '0').slice('#!/bin/sh\n'.length)}` } });
    t.after(() => tree.cleanup());
    // Each hook checks that the one before it is finished, and says so on stdout and stderr.
    hook(tree, 'init.d', '10-first', 'sleep 0.2; echo first > $M/order; echo "out of first"; echo "err of first" >&2; echo 9090 > $M/../env/PORT');
    hook(tree, 'init.d', '20-second', '[ "$(cat $M/order)" = first ] && echo second >> $M/order; echo "second sees PORT=$PORT"');
    hook(tree, 'init.d', '.hidden', 'echo hidden >> $M/order');
    writeFileSync(join(tree.root, 'init.d', '30-not-executable'), '#!/bin/sh\necho no >> $M/order\n', { mode: 0o644 });
    chmodSync(join(tree.root, 'init.d', '30-not-executable'), 0o644);
    hook(tree, 'finish.d', '10-fin', '[ -e $M/a.clean ] && echo "after the services" > $M/fin; echo "finish PORT=$PORT"');
    mkdirSync(join(tree.root, 'env'));
    writeFileSync(join(tree.root, 'env', 'PORT'), '8080\n');
    writeFileSync(join(tree.root, 'env', 'GONE'), '');
    const init = new Init(['--dir', tree.sv, '--init-dir', join(tree.root, 'init.d'), '--finish-dir', join(tree.root, 'finish.d'),
      '--env-dir', join(tree.root, 'env')], { pid1: role.pid1, env: { GONE: 'from the caller' } });
    t.after(() => init.kill());
    await waitFor(() => tree.has('a.ready'), 15_000, `the service ran\n${init.stderr}`);
    assert.equal(tree.read('order'), 'first\nsecond', 'in order, each after the one before; dot-files and non-executables skipped');
    assert.equal(tree.read('a.env'), 'a PORT=9090 GONE=unset', 'the service sees what a hook wrote to the env dir; an empty file removes a variable');
    assert.deepEqual(lines(init.stderr, /^init\.d\//), ['init.d/10-first | out of first', 'init.d/10-first | err of first', 'init.d/20-second | second sees PORT=9090']);
    assert.match(init.stderr, /start-up hook init\.d\/30-not-executable skipped: not executable \(chmod \+x /);
    await init.signal('SIGTERM');
    assert.equal((await init.exit()).code, 0, init.stderr);
    assert.equal(tree.read('fin'), 'after the services');
    assert.deepEqual(lines(init.stderr, /^finish\.d\//), ['finish.d/10-fin | finish PORT=9090']);
  });
}

test('an s6-overlay hook written for with-contenv (#!/command/with-contenv sh) runs with the container\'s environment', { timeout: 60_000 }, async (t) => {
  const tree = new Tree();
  t.after(() => tree.cleanup());
  mkdirSync(join(tree.root, 'env'));
  writeFileSync(join(tree.root, 'env', 'FROM_DIR'), 'yes\n');
  const d = join(tree.root, 'cont-init.d');
  mkdirSync(d);
  writeFileSync(join(d, '10-s6'), `#!${join(repoRoot, 'bin/with-contenv')} sh\necho "FROM_DIR=$FROM_DIR" > ${tree.m}/s6\n`, { mode: 0o755 });
  chmodSync(join(d, '10-s6'), 0o755);
  const init = new Init(['--no-services', '--init-dir', d, '--env-dir', join(tree.root, 'env'), '--', 'true']);
  t.after(() => init.kill());
  assert.equal((await init.exit()).code, 0, init.stderr);
  assert.equal(tree.read('s6'), 'FROM_DIR=yes');
});

test('CMD runs after the start-up hooks, with their environment, and its status is svinit\'s', { timeout: 60_000 }, async (t) => {
  const tree = new Tree();
  t.after(() => tree.cleanup());
  mkdirSync(join(tree.root, 'env'));
  hook(tree, 'init.d', '10-setup', 'echo ready > $M/setup; echo "from a hook" > $M/../env/GREETING');
  const init = new Init(['--no-services', '--init-dir', join(tree.root, 'init.d'), '--env-dir', join(tree.root, 'env'), '--',
    'sh', '-c', `[ -e ${tree.m}/setup ] && [ "$GREETING" = "from a hook" ] && exit 7; exit 1`], { pid1: !PID1_SKIP });
  t.after(() => init.kill());
  assert.equal((await init.exit()).code, 7, init.stderr);
});

for (const [policy, code] of [['stop', 111], ['warn', 0], ['ignore', 0]] as const) {
  test(`a failing start-up hook under --on-hook-failure ${policy}`, { skip: PID1_SKIP, timeout: 60_000 }, async (t) => {
    const tree = new Tree({ a: { run: trapRun('a', '0') } });
    t.after(() => tree.cleanup());
    hook(tree, 'init.d', '10-fails', 'exit 3');
    hook(tree, 'init.d', '20-after', 'echo ran > $M/after');
    hook(tree, 'finish.d', '10-fin', 'echo ran > $M/fin');
    const init = new Init(['--dir', tree.sv, '--init-dir', join(tree.root, 'init.d'), '--finish-dir', join(tree.root, 'finish.d'),
      ...(policy === 'stop' ? [] : ['--on-hook-failure', policy])], { pid1: true });
    t.after(() => init.kill());
    if (policy === 'stop') {
      assert.equal((await init.exit()).code, code, init.stderr);
      assert.ok(!tree.has('after') && !tree.has('a.ready'), 'no later hook, no service');
      assert.ok(tree.has('fin'), 'the finish hooks still ran');
      assert.deepEqual(lines(init.stderr, /10-fails/), ['svinit: info: running 2 start-up hook(s): init.d/10-fails, init.d/20-after',
        'svinit: error: start-up hook init.d/10-fails failed (exited 3): nothing is started (--on-hook-failure stop; warn or ignore would go on)']);
      return;
    }
    await waitFor(() => tree.has('a.ready') && tree.has('after'), 15_000, `the next hook and the service ran\n${init.stderr}`);
    assert.equal(lines(init.stderr, /init\.d\/10-fails failed/).length, 1, init.stderr);
    assert.match(init.stderr, policy === 'warn' ? /warning: start-up hook init\.d\/10-fails failed \(exited 3\); going on/ : /info: start-up hook init\.d\/10-fails failed \(exited 3\); ignored/);
    await init.signal('SIGTERM');
    assert.equal((await init.exit()).code, code, init.stderr);
  });
}

test('a start-up hook that hangs is cut at --hook-timeout (TERM, then KILL for one that ignores it), and counts as failed', { skip: PID1_SKIP, timeout: 60_000 }, async (t) => {
  const tree = new Tree({ a: { run: trapRun('a', '0') } });
  t.after(() => tree.cleanup());
  hook(tree, 'init.d', '10-hangs', "trap '' TERM; echo $$ > $M/hang.pid; sleep 1000 & wait; sleep 1000");
  const init = new Init(['--dir', tree.sv, '--init-dir', join(tree.root, 'init.d'), '--hook-timeout', '1', '--on-hook-failure', 'warn'], { pid1: true });
  t.after(() => init.kill());
  await waitFor(() => tree.has('a.ready'), 20_000, `the service started after the cut\n${init.stderr}`);
  assert.match(init.stderr, /start-up hook init\.d\/10-hangs: still running after 1000 ms \(--hook-timeout\); SIGTERM, then SIGKILL in 2000 ms/);
  assert.match(init.stderr, /warning: start-up hook init\.d\/10-hangs failed \(timed out after 1000 ms \(killed by SIGKILL\)\); going on/);
  await init.signal('SIGTERM');
  assert.equal((await init.exit()).code, 0, init.stderr);
});

for (const role of ROLES) {
  test(`SIGTERM during the start-up hooks stops the running hook, starts nothing, runs the finish hooks (${role.label})`, { skip: role.skip, timeout: 60_000 }, async (t) => {
    const tree = new Tree({ a: { run: trapRun('a', '0') } });
    t.after(() => tree.cleanup());
    hook(tree, 'init.d', '10-slow', "trap 'echo termed > $M/slow.term; exit 5' TERM; echo $$ > $M/slow.ready; sleep 1000 & wait");
    hook(tree, 'init.d', '20-never', 'echo ran > $M/never');
    hook(tree, 'finish.d', '10-fin', 'echo ran > $M/fin');
    const init = new Init(['--dir', tree.sv, '--init-dir', join(tree.root, 'init.d'), '--finish-dir', join(tree.root, 'finish.d')], { pid1: role.pid1 });
    t.after(() => init.kill());
    await waitFor(() => tree.has('slow.ready'), 15_000, `the hook runs\n${init.stderr}`);
    await init.signal('SIGTERM');
    assert.equal((await init.exit()).code, 0, init.stderr);
    assert.ok(tree.has('slow.term'), 'the hook got SIGTERM');
    assert.ok(!tree.has('never') && !tree.has('a.ready'), 'nothing after it started');
    assert.ok(tree.has('fin'), 'the finish hooks ran');
  });
}

test('a hook that ignores SIGTERM during the shutdown is SIGKILLed at the deadline: exit 102 inside the grace', { skip: PID1_SKIP, timeout: 60_000 }, async (t) => {
  const tree = new Tree({ a: { run: trapRun('a', '0') } });
  t.after(() => tree.cleanup());
  hook(tree, 'finish.d', '10-stubborn', "trap '' TERM; echo $$ > $M/fin.ready; sleep 1000 & wait; sleep 1000");
  const init = new Init(['--dir', tree.sv, '--finish-dir', join(tree.root, 'finish.d'), '--grace', '2'], { pid1: true });
  t.after(() => init.kill());
  await waitFor(() => tree.has('a.ready'), 15_000, 'the service runs');
  const t0 = performance.now();
  await init.signal('SIGTERM');
  const { code, at } = await init.exit();
  assert.equal(code, 102, init.stderr);
  assert.ok(tree.has('fin.ready'), 'the finish hook ran');
  assert.ok(at - t0 < 2000 + 2500, `ended at the grace (${Math.round(at - t0)} ms)`);
  assert.match(init.stderr, /finish hook finish\.d\/10-stubborn: still running at the grace deadline; SIGKILL|the grace deadline \(2000 ms\) has passed/);
});
