// Environment directories with chpst -e's rules, and the problems that leave the rest applied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyEnv, envValue, readEnvDir } from '../../src/service/env-dir.js';

test('envValue: the first line, trailing blanks cut, NUL as newline', () => {
  assert.equal(envValue('value\nsecond line\n'), 'value');
  assert.equal(envValue('a b \t \n'), 'a b');
  assert.equal(envValue('  lead'), '  lead');
  assert.equal(envValue('one\0two'), 'one\ntwo');
  assert.equal(envValue('\n'), '');
});

test('readEnvDir: set, unset by an empty file, dot-files skipped; a bad entry is one line and the rest applies', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'svinit-env-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'PORT'), '8080\n');
  writeFileSync(join(dir, 'GONE'), '');
  writeFileSync(join(dir, '.hidden'), 'x');
  writeFileSync(join(dir, 'A=B'), 'x');
  writeFileSync(join(dir, 'BIG'), Buffer.alloc(300 * 1024, 0x41));
  execFileSync('mkfifo', [join(dir, 'FIFO')]);
  symlinkSync('/dev/zero', join(dir, 'ZERO'));
  mkdirSync(join(dir, 'SUB'));
  const { changes, problems } = readEnvDir(dir);
  assert.deepEqual([...(changes?.set ?? [])], [['PORT', '8080']]);
  assert.deepEqual([...(changes?.unset ?? [])], ['GONE']);
  const lines = problems.map((p) => p.message);
  assert.equal(lines.length, 5, lines.join('\n'));
  assert.ok(lines.every((l) => !l.includes('\n')));
  assert.match(lines.find((l) => l.includes('A=B')) ?? '', /cannot contain "="; rename the file/);
  assert.match(lines.find((l) => l.includes('/BIG')) ?? '', /more than 262144 bytes; BIG is left as it was/);
  assert.match(lines.find((l) => l.includes('/FIFO')) ?? '', /a FIFO, not a regular file/);
  assert.match(lines.find((l) => l.includes('/ZERO')) ?? '', /a character device/);
  assert.match(lines.find((l) => l.includes('/SUB')) ?? '', /a directory/);
  assert.deepEqual(applyEnv({ GONE: '1', HOME: '/root' }, changes), { HOME: '/root', PORT: '8080' });
});

test('readEnvDir: no directory is nothing; a file in its place is one line', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'svinit-env-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.deepEqual(readEnvDir(join(dir, 'none')), { changes: null, problems: [] });
  writeFileSync(join(dir, 'file'), 'x');
  const r = readEnvDir(join(dir, 'file'));
  assert.equal(r.changes, null);
  assert.match(r.problems[0]?.message ?? '', /is not a directory; make it one, one file per variable/);
});
