// svinit under a real container engine (Debian's podman with runc): the npm package installed
// without a compiler, run as the container's PID 1 from a debootstrap root filesystem. podman's
// own stop, logs, inspect and healthcheck are the judges. Skipped, with the reason printed, where
// podman cannot run (test/helpers/podman.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { PACK_SKIP } from '../helpers/packed.js';
import { type Container, PODMAN_SKIP, SVINIT_IN, containerSuite, nodeAndApp, podman } from '../helpers/podman.js';
import { HAVE_RUNIT, Tree, ignoreRun, trapRun, waitFor } from './init-harness.js';

const SKIP = PACK_SKIP || PODMAN_SKIP;
const suite = containerSuite(SKIP);

/** A service tree mounted at /etc/service, its markers at the same path inside and out. */
function serviceMounts(tree: Tree): string[] {
  return ['-v', `${tree.sv}:/etc/service`, '-v', `${tree.m}:${tree.m}`];
}

function start(what: string, tree: Tree, extra: readonly string[], command: readonly string[]): Container {
  return suite.start(what, [...nodeAndApp(suite.app().dir), ...serviceMounts(tree), ...extra], command);
}

test('podman stop: two services that need 300 ms both finish, exit 0, the report in podman logs', { skip: SKIP }, async (t) => {
  const tree = new Tree({ a: { run: trapRun('a') }, b: { run: trapRun('b') } });
  try {
    const c = start('graceful', tree, [], [SVINIT_IN]);
    await waitFor(() => tree.has('a.ready') && tree.has('b.ready'), 30_000, 'both services up');
    // PID 1 is the package's prebuilt, static front (the rootfs has no compiler and no build/),
    // which ran the launcher again as its child (now svinit, PID 2).
    const pid1 = podman(['top', c.name, 'pid', 'args']).stdout.split('\n').find((l) => /^1\s/.test(l)) ?? '';
    assert.match(pid1, new RegExp(`/prebuilds/linux-${process.arch}/svinit-front \\S*/bin/svinit`), pid1);
    const ms = c.stop();
    t.diagnostic(`podman stop took ${Math.round(ms)} ms`);
    assert.equal(c.exitCode(), 0, c.logs());
    assert.ok(tree.has('a.clean') && tree.has('b.clean'), 'both services finished their cleanup');
    assert.ok(ms >= 300 && ms < 5000, `podman stop took ${ms} ms`);
    assert.match(c.logs(), /svinit: shutdown: SIGTERM: 2 service\(s\) stopped in \d+ ms .*exit 0/);
  } finally {
    tree.cleanup();
  }
});

test("podman stop: a service that ignores TERM is SIGKILLed by svinit at its grace, before podman's, exit 102", { skip: SKIP }, async (t) => {
  const tree = new Tree({ a: { run: trapRun('a') }, ign: { run: ignoreRun('ign') } });
  try {
    const c = start('stubborn', tree, [], [SVINIT_IN]);
    await waitFor(() => tree.has('a.ready') && tree.has('ign.ready'), 30_000, 'both services up');
    const ms = c.stop();
    t.diagnostic(`podman stop took ${Math.round(ms)} ms`);
    // 137 would say podman's SIGKILL ended the container at its 10 s; 102 is svinit's own.
    assert.equal(c.exitCode(), 102, c.logs());
    assert.ok(ms > 6500 && ms < 9500, `podman stop took ${ms} ms (svinit's default grace is 7 s, podman's 10 s)`);
    assert.ok(tree.has('a.clean'), 'the well-behaved service finished its cleanup');
    assert.match(c.logs(), /svinit: shutdown: ign: sent SIGTERM, .*SIGKILLed at its deadline/);
    assert.match(c.logs(), /exit 102/);
  } finally {
    tree.cleanup();
  }
});

/** `podman healthcheck run`'s verdict: true healthy, false unhealthy. */
function healthy(c: Container): boolean {
  const r = podman(['healthcheck', 'run', c.name]);
  if (r.status !== 0 && r.status !== 1) throw new Error(`podman healthcheck run: ${r.status}: ${r.stderr}`);
  return r.status === 0;
}

test('podman healthcheck run with svinit check: unhealthy while a service crash-loops, then healthy again', { skip: SKIP }, async () => {
  const tree = new Tree({
    a: { run: trapRun('a') },
    // Crash-loops while the marker `crash` exists, then stays up.
    flaky: { run: `#!/bin/sh\n[ -e $M/crash ] && exit 1\necho $$ > $M/flaky.ready\nexec sleep 1000\n` },
  });
  try {
    const health = ['--health-cmd', `${SVINIT_IN} check`, '--health-interval', 'disable', '--health-timeout', '10s'];
    const c = start('health', tree, health, [SVINIT_IN]);
    await waitFor(() => tree.has('a.ready') && tree.has('flaky.ready'), 30_000, 'both services up');
    assert.equal(healthy(c), true, 'healthy with both services up');
    writeFileSync(tree.marker('crash'), '');
    podman(['exec', c.name, SVINIT_IN, 'sv', 'kill', 'flaky']);
    await waitFor(() => !healthy(c), 20_000, 'unhealthy while flaky crash-loops');
    rmSync(tree.marker('crash'));
    rmSync(tree.marker('flaky.ready'));
    await waitFor(() => tree.has('flaky.ready'), 20_000, 'flaky up again');
    await waitFor(() => healthy(c), 20_000, 'healthy again');
    c.stop();
    assert.equal(c.exitCode(), 0, c.logs());
  } finally {
    tree.cleanup();
  }
});

test("main command: the container's exit code is CMD's, a signal's 128+n", { skip: SKIP }, async (t) => {
  const tree = new Tree({});
  try {
    for (const [script, code] of [['exit 7', 7], ['kill -TERM $$', 143], ['exit 0', 0]] as const) {
      const c = start('cmd', tree, [], [SVINIT_IN, '--', '/bin/sh', '-c', script]);
      const r = podman(['wait', c.name]);
      assert.equal(r.stdout.trim(), String(code), `sh -c '${script}': ${c.logs()}`);
      assert.equal(c.exitCode(), code);
    }
    // podman stop: the TERM goes to CMD, which dies of it, and svinit exits with its status.
    const sleeper = start('cmd-stop', tree, [], [SVINIT_IN, '--', '/bin/sleep', '1000']);
    await waitFor(() => podman(['top', sleeper.name, 'comm']).stdout.includes('sleep'), 30_000, 'sleep running');
    const ms = sleeper.stop();
    t.diagnostic(`podman stop of 'svinit -- sleep 1000' took ${Math.round(ms)} ms`);
    assert.equal(sleeper.exitCode(), 143, sleeper.logs());
    assert.ok(ms < 3000, `podman stop took ${ms} ms`);
  } finally {
    tree.cleanup();
  }
});

test("--engine runit (Debian runit's runsvdir and runsv in the container): podman stop, both services finish, exit 0", { skip: SKIP || (HAVE_RUNIT ? false : 'Debian runit not installed (apt-get install runit)') }, async () => {
  const tree = new Tree({ a: { run: trapRun('a') }, b: { run: trapRun('b') } });
  try {
    const runit = ['runsvdir', 'runsv', 'sv'].flatMap((b) => ['-v', `/usr/bin/${b}:/usr/bin/${b}:ro`]);
    const c = start('runit', tree, runit, [SVINIT_IN, '--engine', 'runit']);
    await waitFor(() => tree.has('a.ready') && tree.has('b.ready'), 30_000, 'both services up');
    assert.ok(podman(['top', c.name, 'comm']).stdout.includes('runsvdir'), 'runit supervises');
    c.stop();
    assert.equal(c.exitCode(), 0, c.logs());
    assert.ok(tree.has('a.clean') && tree.has('b.clean'), 'both services finished their cleanup');
  } finally {
    tree.cleanup();
  }
});
