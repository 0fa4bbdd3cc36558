import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SuperviseDir } from '../../src/supervise/supervise-dir.js';
import { createLogger } from '../../src/log/logger.js';

const log = createLogger(() => undefined, 'error');

test('SuperviseDir.lock: a service directory that vanished is "gone", not an unusable supervise/', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'svinit-supdir-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  assert.deepEqual(SuperviseDir.lock(join(root, 'never-there'), log), { kind: 'gone' });
});

test('SuperviseDir.listen: removed between lock and listen, it returns no problem (the scanner stops it)', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'svinit-supdir-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, 'web');
  mkdirSync(dir);
  const sup = SuperviseDir.lock(dir, log);
  assert.ok(sup instanceof SuperviseDir);
  rmSync(dir, { recursive: true, force: true });
  assert.equal(sup.listen(() => undefined), null);
  sup.close();
});

test('SuperviseDir.lock: a supervise/ that cannot be made in an existing directory is still reported', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'svinit-supdir-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, 'web');
  mkdirSync(dir);
  // A dangling supervise link whose target lies under a regular file: the service is there.
  writeFileSync(join(root, 'file'), '');
  symlinkSync(join(root, 'file', 'deeper'), join(dir, 'supervise'));
  const got = SuperviseDir.lock(dir, log);
  assert.ok(!(got instanceof SuperviseDir) && got.kind === 'unusable', JSON.stringify(got));
  assert.match(got.message, /unable to set up .*web\/supervise: ENOTDIR/);
});
