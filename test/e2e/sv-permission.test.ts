// A non-root user running `svinit sv down` on a root-owned service supervised by real runsv:
// the same line and exit code as runit's sv run by the same user, nothing sent, no hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../compat/runsv-harness.js';
import { CLI as REPO_CLI, RUNIT_SV, RUNSV, Tree, run, waitUntil } from '../compat/runsv-harness.js';
import { inWorldReadable } from '../helpers/world-readable.js';

const SETPRIV = '/usr/bin/setpriv';
const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

function skipReason(): string | false {
  if (process.getuid?.() !== 0) return 'needs root (to own the service and switch to nobody)';
  if (!existsSync(RUNSV) || !existsSync(RUNIT_SV)) return 'runit is not installed';
  if (!existsSync(SETPRIV)) return 'setpriv (util-linux) is not installed';
  return false;
}

// nobody runs the CLI from a world-readable copy: the checkout may be under a 0700 directory.
const CLI = skipReason() === false ? inWorldReadable(REPO_CLI) : REPO_CLI;

async function asNobody(file: string, args: string[], svdir: string): Promise<RunResult> {
  return run(SETPRIV, [...NOBODY, file, ...args], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', SVDIR: svdir } });
}

test('non-root svinit sv down on a root-owned service: denied like runit', { skip: skipReason(), timeout: 60_000 }, async (t) => {
  const tree = new Tree({ svc: { run: '#!/bin/sh\nexec sleep 1000\n' } }, 'svinit-perm-');
  t.after(() => tree.cleanup());
  await tree.start('svc');
  // runsv answers on supervise/ok before it has started ./run: wait for the service's pid.
  await waitUntil(() => tree.status('svc').pid > 0, 10_000, 'svc running');
  const pid = tree.status('svc').pid;

  await t.test('supervise/ is 0700: the ok FIFO cannot be opened', async () => {
    const runit = await asNobody(RUNIT_SV, ['down', 'svc'], tree.root);
    const ours = await asNobody(process.execPath, [CLI, 'sv', 'down', 'svc'], tree.root);
    assert.equal(runit.stdout, 'warning: svc: unable to open supervise/ok: access denied\n');
    assert.equal(ours.stdout, runit.stdout);
    assert.equal(ours.code, runit.code);
    assert.equal(ours.code, 1);
  });

  await t.test('FAQ recipe without control: the control FIFO is denied', async () => {
    // runit's FAQ lets users in with `chmod 755 supervise` and access to ok/control; grant ok only.
    chmodSync(join(tree.dir('svc'), 'supervise'), 0o755);
    chmodSync(join(tree.dir('svc'), 'supervise', 'ok'), 0o622);
    const runit = await asNobody(RUNIT_SV, ['down', 'svc'], tree.root);
    // A 30 s wait: the bound below is 5x short of it and 5x above a loaded node start-up.
    const ours = await asNobody(process.execPath, [CLI, 'sv', '-w', '30', 'down', 'svc'], tree.root);
    const runitWait = await asNobody(RUNIT_SV, ['-w', '30', 'down', 'svc'], tree.root);
    assert.equal(runit.stdout, 'warning: svc: unable to open supervise/control: access denied\n');
    assert.equal(ours.stdout, runit.stdout);
    assert.equal(ours.code, runit.code);
    assert.equal(runitWait.stdout, ours.stdout, 'with -w, a denied service is not waited for');
    assert.ok(ours.ms < 6000, `no wait, no hang (${Math.round(ours.ms)} ms)`);
    // Reading is allowed, so status works for the same user.
    const status = await asNobody(process.execPath, [CLI, 'sv', 'status', 'svc'], tree.root);
    assert.match(status.stdout, /^run: svc: \(pid \d+\) \d+s\n$/);
    assert.equal(status.code, 0);
  });

  assert.equal(tree.status('svc').pid, pid, 'the service was not touched');
  assert.equal(tree.status('svc').want, 'u');
});
