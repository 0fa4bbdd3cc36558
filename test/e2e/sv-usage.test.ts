// `svinit sv`'s usage text, as users see it: bin/svinit (the launcher and the bundle) run with a
// bad option, an unknown command or too few arguments. runit's sv prints the same lines (the
// compat suite compares them with /usr/bin/sv); this test needs no runit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { SVINIT_BIN } from './init-harness.js';

function sv(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const env = { ...process.env, SVINIT_NODE: process.execPath, SVDIR: '/nonexistent-svdir' };
  const r = spawnSync(SVINIT_BIN, ['sv', ...args], { env, encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const USAGE = 'usage: svinit sv [-v] [-w sec] command service ...\n\n';

test('svinit sv: usage errors print the usage line and exit 100', () => {
  const cases: Array<[string[], string]> = [
    [['-x', 'status', 'web'], `svinit sv: illegal option -- x\n${USAGE}`],
    [['bogus', 'web'], USAGE],
    [['status'], USAGE],
    [[], USAGE],
  ];
  for (const [args, stderr] of cases) {
    const r = sv(args);
    assert.equal(r.code, 100, `sv ${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, stderr, `sv ${args.join(' ')}`);
    assert.equal(r.stdout, '');
  }
});

test('svinit sv --lsb: the LSB usage line, exit 2', () => {
  for (const args of [['--lsb', 'web', 'bogus'], ['--lsb', 'web']]) {
    const r = sv(args);
    assert.equal(r.code, 2, `sv ${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, 'usage: web [-w sec] command\n\n', `sv ${args.join(' ')}`);
  }
});
