// svinit status / check argument parsing through util.parseArgs: options anywhere, one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCli } from '../../src/cli/args.js';

const OPTS = { json: { type: 'boolean' }, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

test('parseCli: options before and after the names, -- ends them', () => {
  const r = parseCli(['web', '--dir', '/srv', 'db', '--json', '--', '--odd'], OPTS);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.deepEqual([r.values.dir, r.values.json, r.names], ['/srv', true, ['web', 'db', '--odd']]);
  assert.equal((parseCli(['--dir=/x'], OPTS) as { values: { dir?: string } }).values.dir, '/x');
});

test('parseCli: each mistake is one line naming the option', () => {
  for (const [argv, message] of [
    [['--bogus'], 'unable to use "--bogus": unknown option'],
    [['-x'], 'unable to use "-x": unknown option'],
    [['--dir'], 'unable to use --dir: it needs a value'],
    [['--dir='], 'unable to use --dir: it needs a value'],
    [['--json=yes'], 'unable to use --json: it takes no value'],
  ] as const) {
    assert.deepEqual(parseCli(argv, OPTS), { ok: false, message }, argv.join(' '));
  }
});
