// RLIMIT_NOFILE: Node raises it; svinit gives children the limit it was started with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { NOFILE_ENV, originalNofile, parseNofile } from '../../src/process/nofile.js';
import { getNofile } from '../../src/native/native.js';
import { repoRoot } from '../helpers/fixtures.js';

const probe = join(repoRoot, 'dist', 'test', 'fixtures', 'nofile-probe.js');

interface ProbeResult {
  status: number;
  own: { soft: number; hard: number };
  original: { soft: number; source: string; problem?: string };
  child: [string, string];
}

/** Runs the probe under `ulimit -Sn <soft>`, with SVINIT_NOFILE set the way bin/svinit sets it, or not. */
function runProbe(soft: number, exportIt: boolean | string): ProbeResult {
  const set = exportIt === true ? `export ${NOFILE_ENV}="$(ulimit -Sn)"; ` : typeof exportIt === 'string' ? `export ${NOFILE_ENV}='${exportIt}'; ` : `unset ${NOFILE_ENV}; `;
  const out = execFileSync('/bin/sh', ['-c', `ulimit -Sn ${soft} && ${set}exec "$0" "$1"`, process.execPath, probe], { encoding: 'utf8' });
  return JSON.parse(out) as ProbeResult;
}

test('Node raises the soft limit, and a child gets the original back through SVINIT_NOFILE', (t) => {
  const { hard } = getNofile();
  if (hard !== Infinity && hard <= 1024) {
    t.skip(`the hard limit (${hard}) is too low to see Node raise the soft limit`);
    return;
  }
  const r = runProbe(1024, true);
  assert.equal(r.status, 0);
  assert.equal(r.own.soft, r.own.hard, 'Node raised its own soft limit to the hard limit');
  assert.deepEqual(r.original, { soft: 1024, source: 'env' });
  assert.deepEqual(r.child, ['1024', String(hard)]);
});

test('without SVINIT_NOFILE (or with garbage) children get the current limit, and the problem is reported', () => {
  const { hard } = getNofile();
  const plain = runProbe(1024, false);
  assert.deepEqual(plain.original, { soft: plain.own.soft, source: 'current' });
  assert.deepEqual(plain.child, [String(plain.own.soft), String(hard)]);
  const bad = runProbe(1024, 'lots');
  assert.equal(bad.original.source, 'current');
  assert.match(bad.original.problem ?? '', /^unable to read SVINIT_NOFILE "lots": not a count or "unlimited"/);
  assert.deepEqual(bad.child, [String(bad.own.soft), String(hard)]);
});

test('parseNofile takes what `ulimit -n` prints', () => {
  assert.equal(parseNofile('1024'), 1024);
  assert.equal(parseNofile(' 65536\n'), 65536);
  assert.equal(parseNofile('unlimited'), Infinity);
  for (const v of ['', '-1', '1e3', '12k', 'Unlimited']) assert.throws(() => parseNofile(v), { code: 'ERR_NOFILE_INVALID' }, v);
  assert.deepEqual(originalNofile({ [NOFILE_ENV]: '4096' }), { soft: 4096, source: 'env' });
});
