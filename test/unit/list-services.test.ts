// runsvdir's listing rule, shared by the scanner, the runit engine and the status/check commands:
// dot-names skipped, directories and symlinks to directories followed, everything else skipped
// (and told to onSkip, for the scanner's warnings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listServices, type SkippedEntry } from '../../src/service/list-services.js';

test('listServices: directories and links to them, sorted; dot-names, files and dangling links skipped', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'svinit-list-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const d of ['web', 'db', '.hidden', 'elsewhere']) mkdirSync(join(root, d));
  writeFileSync(join(root, 'README'), 'not a service\n');
  symlinkSync(join(root, 'elsewhere'), join(root, 'alias'));
  symlinkSync(join(root, 'nothing'), join(root, 'dangling'));
  symlinkSync(join(root, 'README'), join(root, 'to-file'));
  symlinkSync(join(root, '.hidden'), join(root, '.dotlink'));

  const skipped: SkippedEntry[] = [];
  const found = listServices(root, (s) => skipped.push(s));
  assert.deepEqual(found.map((s) => s.name), ['alias', 'db', 'elsewhere', 'web']);
  assert.equal(found[0]?.path, join(root, 'alias'));
  const target = statSync(join(root, 'elsewhere'));
  assert.equal(found[0]?.id, `${target.dev}:${target.ino}`, 'a link and its target are one service');
  assert.equal(found[0]?.id, found[2]?.id);
  assert.deepEqual(skipped, [
    { name: 'README', path: join(root, 'README'), kind: 'not-dir' },
    { name: 'dangling', path: join(root, 'dangling'), kind: 'unstatable', code: 'ENOENT' },
    { name: 'to-file', path: join(root, 'to-file'), kind: 'not-dir' },
  ]);
  assert.deepEqual(listServices(root).map((s) => s.name), ['alias', 'db', 'elsewhere', 'web'], 'silent without onSkip');
});

test('listServices: an unreadable root throws the readdir error', () => {
  assert.throws(() => listServices(join(tmpdir(), 'svinit-no-such-dir-for-list')), { code: 'ENOENT' });
});

test('listServices: an entry that leads to the root itself or above it is skipped as an ancestor', (t) => {
  const top = mkdtempSync(join(tmpdir(), 'svinit-list-'));
  t.after(() => rmSync(top, { recursive: true, force: true }));
  const root = join(top, 'service');
  mkdirSync(join(root, 'web'), { recursive: true });
  symlinkSync('.', join(root, 'self'));
  symlinkSync('..', join(root, 'up'));
  symlinkSync('/', join(root, 'slash'));
  const skipped: SkippedEntry[] = [];
  assert.deepEqual(listServices(root, (s) => skipped.push(s)).map((s) => s.name), ['web']);
  assert.deepEqual(skipped.map((s) => [s.name, s.kind]), [['self', 'ancestor'], ['slash', 'ancestor'], ['up', 'ancestor']]);
});
