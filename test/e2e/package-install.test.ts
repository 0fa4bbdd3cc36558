// The npm package as a user gets it: the prebuilds reproducible and within their floors, the
// tarball holding only what users need, and an install into an empty directory with no compiler,
// make or python on PATH, from which svinit runs a service directory as PID 1 (the prebuilt front
// in front) and, without a matching addon, says so in one line and exits 111.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/fixtures.js';
import { PACK_SKIP, installTarball, pack, prebuild, type Installed, type Packed } from '../helpers/packed.js';
import { Init, PID1_SKIP, Tree, trapRun, waitFor } from './init-harness.js';

// Every path in the tarball starts with one of these; the rest of the checkout stays out.
const ALLOWED = ['bin/', 'dist/bundle/', 'prebuilds/', 'native/', 'docs/', 'examples/',
  'binding.gyp', 'scripts/build-native.js', 'package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'];
const REQUIRED = ['LICENSE', 'README.md', 'package.json', 'bin/svinit', 'bin/runsvinit', 'dist/bundle/svinit.cjs',
  'dist/bundle/svinit-main.cjs', 'prebuilds/linux-x64-glibc/svinit.node', 'prebuilds/linux-x64-musl/svinit.node',
  'prebuilds/linux-arm64-glibc/svinit.node', 'prebuilds/linux-x64/svinit-front', 'prebuilds/linux-arm64/svinit-front',
  'docs/install.md', 'docs/migration.md', 'docs/containers.md'];
const VERSION = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

let packed: Packed | undefined;
let installed: Installed | undefined;

test('npm run prebuilds: the same bytes twice, glibc symbols within 2.28, musl linked alone, fronts static', { skip: PACK_SKIP }, (t) => {
  const out = prebuild(true);
  for (const line of out.trim().split('\n')) t.diagnostic(line);
  assert.match(out, /a second build gave the same bytes/);
  assert.match(out, /linux-x64-glibc\/svinit.node: x64, glibc floor [0-9.]+ .*, at most 2\.28/);
  assert.match(out, /linux-arm64-glibc\/svinit.node: arm64, glibc floor [0-9.]+ .*, at most 2\.28/);
  assert.match(out, /linux-x64-musl\/svinit.node: x64, links against musl's libc alone/);
  assert.match(out, /linux-x64\/svinit-front: x64, static/);
  assert.match(out, /linux-arm64\/svinit-front: arm64, static/);
});

test('npm pack: only what users need, and everything they need', { skip: PACK_SKIP }, (t) => {
  packed = pack();
  t.diagnostic(`tarball ${packed.size} bytes (${packed.unpackedSize} unpacked), ${packed.files.length} files: ${packed.files.join(' ')}`);
  const stray = packed.files.filter((f) => !ALLOWED.some((a) => (a.endsWith('/') ? f.startsWith(a) : f === a)));
  assert.deepEqual(stray, [], 'files users do not need');
  assert.deepEqual(REQUIRED.filter((f) => !packed?.files.includes(f)), [], 'files missing from the tarball');
  assert.ok(packed.files.every((f) => !f.endsWith('.map')), 'no source maps');
  assert.ok(packed.size < 1_000_000, `tarball of ${packed.size} bytes`);
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(manifest.gypfile, false, 'npm must not run node-gyp at install');
  assert.equal((manifest.scripts as Record<string, string>).install, undefined, 'no install script');
  for (const field of ['repository', 'homepage', 'bugs', 'license']) assert.ok(manifest[field] !== undefined, field);
});

test('installed without a compiler: no script runs, svinit --version, a service directory as PID 1', { skip: PACK_SKIP || PID1_SKIP }, async (t) => {
  assert.ok(packed !== undefined, 'the pack test ran first');
  installed = installTarball(packed.tarball);
  const inst = installed;
  for (const tool of ['cc', 'gcc', 'make', 'python3', 'python', 'node-gyp']) {
    const r = spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { env: { PATH: inst.path } });
    assert.notEqual(r.status, 0, `${tool} is on the test's PATH`);
  }
  t.diagnostic(`npm install took ${Math.round(inst.ms)} ms with PATH=${inst.path}`);
  assert.doesNotMatch(inst.npmOutput, /install-scripts|gyp|python/i, inst.npmOutput);
  assert.equal(existsSync(join(inst.pkg, 'build')), false, 'nothing was built');
  const svinit = join(inst.dir, 'node_modules', '.bin', 'svinit');
  const v = spawnSync(svinit, ['--version'], { env: { PATH: inst.path }, encoding: 'utf8' });
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.stdout.trim(), `svinit ${VERSION}`);

  const tree = new Tree({ a: { run: trapRun('a') }, b: { run: trapRun('b') } });
  try {
    // PID 1 of a fresh namespace, so that the launcher picks the prebuilt front.
    const init = new Init(['--dir', tree.sv], { bin: svinit, pid1: true, env: { PATH: inst.path, SVINIT_NODE: 'node' } });
    await waitFor(() => tree.has('a.ready') && tree.has('b.ready'), 20_000, 'both services up');
    const front = await init.pid();
    assert.equal(readlinkSync(`/proc/${front}/exe`), join(inst.pkg, 'prebuilds', `linux-${process.arch}`, 'svinit-front'));
    await init.signal('SIGTERM');
    const end = await init.exit();
    assert.equal(end.code, 0, init.stderr);
    assert.ok(tree.has('a.clean') && tree.has('b.clean'), 'both services cleaned up');
    assert.match(init.stderr, /shutdown/i);
  } finally {
    tree.cleanup();
  }
});

test('no addon for this platform: one line (what, where, the fix) and exit 111, no stack', { skip: PACK_SKIP }, () => {
  assert.ok(installed !== undefined, 'the install test ran first');
  const prebuilds = join(installed.pkg, 'prebuilds');
  renameSync(prebuilds, `${prebuilds}.away`);
  try {
    const r = spawnSync(join(installed.pkg, 'bin', 'svinit'), ['--dir', installed.dir], { env: { PATH: installed.path }, encoding: 'utf8' });
    assert.equal(r.status, 111, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] ?? '', new RegExp(`^svinit: fatal: unable to load the native addon: no prebuild for linux-${process.arch}-glibc and no local build \\(looked at .*prebuilds/linux-${process.arch}-glibc/svinit.node.*\\); build it from source with \`npm explore svinit -- npm run build:native\``));
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  } finally {
    renameSync(`${prebuilds}.away`, prebuilds);
  }
});
