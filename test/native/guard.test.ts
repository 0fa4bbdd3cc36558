// The init's start-up guard, in fresh processes: it trips once child_process or cluster is
// loaded (ESM import or CJS require) and passes in a clean process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { assertNoChildProcess } from '../../src/init/guard.js';
import { repoRoot } from '../helpers/fixtures.js';

const probe = join(repoRoot, 'dist', 'test', 'fixtures', 'guard-probe.js');

function runProbe(mode: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [probe, mode], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('passes in a clean process, also after svinit spawned through the addon', () => {
  for (const mode of ['clean', 'native-spawn']) {
    const r = runProbe(mode);
    assert.deepEqual([r.status, r.out], [0, 'ok\n'], mode);
  }
});

test('trips on child_process loaded by import or require, and on cluster', () => {
  const cases: Array<[string, string]> = [
    ['esm-child-process', 'child_process'],
    ['cjs-child-process', 'child_process'],
    ['esm-cluster', 'child_process'], // cluster loads child_process first
  ];
  for (const [mode, module] of cases) {
    const r = runProbe(mode);
    assert.equal(r.status, 3, `${mode}: ${r.out}`);
    assert.match(r.out, new RegExp(`^ERR_INIT_CHILD_PROCESS_LOADED ${module}\n`));
    assert.match(r.out, /unable to run as init: the built-in module '.+' has been loaded/);
  }
});

test('names cluster when only cluster is in the list', () => {
  assert.throws(() => assertNoChildProcess(['NativeModule fs', 'NativeModule cluster']), {
    code: 'ERR_INIT_CHILD_PROCESS_LOADED',
    module: 'cluster',
  });
  assert.doesNotThrow(() => assertNoChildProcess(['NativeModule fs', 'NativeModule internal/cluster/utils']));
});

test('in this test process, which imported child_process, the live list trips the guard', () => {
  assert.throws(() => assertNoChildProcess(), { code: 'ERR_INIT_CHILD_PROCESS_LOADED' });
});
