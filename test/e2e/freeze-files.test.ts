// Nothing freezes PID 1, hostile files (issue 9): setting files that are a FIFO or lead to an endless
// device, a supervise/lock that is a FIFO, a newline in a service's name, a `self -> .` link. Each
// gives one clear line and leaves every other service untouched; none may block or balloon svinit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { normalise, svinit } from '../compat/runsv-harness.js';
import { rssKb } from '../helpers/proc.js';
import { NO_RUNIT, SLEEPER, Svinit, TRAPS, Tree, waitUntil } from './supervisor-harness.js';

const OPTS = { skip: NO_RUNIT, timeout: 120_000 };

test('setting files that are a FIFO or a link to /dev/zero or /dev/urandom: one line each, the default used, nothing blocks', OPTS, async (t) => {
  const tree = new Tree({ fifo: { run: TRAPS }, zero: { run: TRAPS }, urandom: { run: TRAPS }, good: { run: SLEEPER } }, 'svinit-freeze-');
  execFileSync('mkfifo', [join(tree.dir('fifo'), 'down-signal')]);
  symlinkSync('/dev/zero', join(tree.dir('zero'), 'timeout-kill'));
  symlinkSync('/dev/urandom', join(tree.dir('urandom'), 'timeout-finish'));
  // Before the fix, svinit blocked in open() of the FIFO (nothing after it started) or read the
  // devices into gigabytes of memory: the start-up below timed out.
  const sv = await Svinit.start(t, tree);
  const pids = Object.fromEntries(await Promise.all(['fifo', 'zero', 'urandom', 'good'].map(async (n) => [n, await sv.ready(n)] as const)));
  const expected: Array<[string, RegExp]> = [
    ['fifo', /^svinit: warning: unable to read .*\/fifo\/down-signal: it is a FIFO, not a regular file; using SIGTERM \(make it a regular file/],
    ['zero', /^svinit: warning: unable to read .*\/zero\/timeout-kill: it is a character device, not a regular file; using 0 \(make it a regular file/],
    ['urandom', /^svinit: warning: unable to read .*\/urandom\/timeout-finish: it is a character device, not a regular file; using 5000 \(/],
  ];
  for (const [, re] of expected) await sv.waitLog(re);
  // The operator acts: each setting is read again (a control byte), and still said only once.
  for (const name of ['fifo', 'zero', 'urandom']) {
    assert.equal((await sv.sv(['down', name])).code, 0, `sv down ${name}`);
    await waitUntil(() => sv.signals(name).some((l) => l.startsWith('TERM ')), 15_000, `${name} got the default SIGTERM`);
  }
  for (const [name, re] of expected) assert.equal(sv.matching(re).length, 1, `${name}: one line\n${sv.lines.join('\n')}`);
  assert.ok(rssKb(sv.pid) < 200_000, `svinit's RSS stays small: ${rssKb(sv.pid)} kB`);
  assert.equal(await sv.ready('good'), pids['good'], 'the good service was not touched');
  assert.equal((await sv.sv(['restart', 'good'])).code, 0);
  await sv.ready('good', pids['good']);
});

test('supervise/lock that is a FIFO: runsv\'s "unable to open supervise/lock" for that service alone, which is not supervised', OPTS, async (t) => {
  const tree = new Tree({ badlock: { run: `#!/bin/sh\necho started > started\nexec sleep 1000\n` }, good: { run: SLEEPER } }, 'svinit-freeze-');
  mkdirSync(join(tree.dir('badlock'), 'supervise'));
  execFileSync('mkfifo', [join(tree.dir('badlock'), 'supervise', 'lock')]);
  // Before the fix, svinit blocked forever in open() of the lock: `good` never started.
  const sv = await Svinit.start(t, tree, ['good']);
  const good = await sv.ready('good');
  const line = await sv.waitLog(/badlock: unable to open supervise\/lock/);
  assert.match(line, /^svinit: warning: badlock: unable to open supervise\/lock: ENXIO, it is a FIFO, not a regular file; not supervising this service \(remove /);
  // A full round trip on the good service: badlock had its chance to start in the same scan.
  assert.equal((await sv.sv(['restart', 'good'])).code, 0);
  await sv.ready('good', good);
  assert.ok(!existsSync(sv.file('badlock', 'started')), 'as runsv (exit 111), ./run of badlock never ran');
  assert.match((await sv.sv(['status', 'badlock'])).stdout, /^warning: badlock: unable to open supervise\/ok: file does not exist/);
  assert.equal(sv.matching(/badlock/).length, 1, sv.lines.join('\n'));
});

test('supervise/lock that is a directory: not supervised, as runsv', OPTS, async (t) => {
  const tree = new Tree({ dirlock: { run: `#!/bin/sh\necho started > started\nexec sleep 1000\n`, 'supervise/lock/x': ['', 0o644] },
    good: { run: SLEEPER } }, 'svinit-freeze-');
  const sv = await Svinit.start(t, tree, ['good']);
  await sv.ready('good');
  assert.match(await sv.waitLog(/dirlock: /), /^svinit: warning: dirlock: unable to open supervise\/lock: EISDIR, it is a directory, not a regular file; not supervising this service/);
  assert.equal((await sv.sv(['restart', 'good'])).code, 0);
  assert.ok(!existsSync(sv.file('dirlock', 'started')), 'its ./run never ran');
});

test('a newline in a service name never splits svinit\'s lines; sv output stays runit\'s', OPTS, async (t) => {
  const tree = new Tree({ 'bad\nname': { run: SLEEPER }, 'no\nrun': { finish: '#!/bin/sh\n' }, good: { run: SLEEPER } }, 'svinit-freeze-');
  const sv = await Svinit.start(t, tree, ['bad\nname', 'good']);
  await sv.ready('bad\nname');
  // ./run is missing: a warning that names the service.
  const line = await sv.waitLog(/unable to start \.\/run/);
  assert.match(line, /^svinit: warning: no\\nrun: unable to start \.\/run: ENOENT/);
  for (const l of sv.lines) assert.match(l, /^svinit: |^$/, `every line is svinit's own: ${JSON.stringify(l)}`);
  // sv's output is runit's own: svinit's sv says the same bytes as Debian's sv, the newline included.
  const theirs = await sv.sv(['status', 'bad\nname']);
  const ours = await svinit(['sv', 'status', 'bad\nname'], { env: { ...process.env, SVDIR: tree.root } });
  assert.match(theirs.stdout, /^run: bad\nname: \(pid \d+\) \d+s$/m);
  assert.deepEqual(normalise(ours.stdout), normalise(theirs.stdout));
});

test('a service entry that leads to the service directory itself (self -> .) is ignored with one line', OPTS, async (t) => {
  const tree = new Tree({ good: { run: SLEEPER } }, 'svinit-freeze-');
  symlinkSync('.', join(tree.root, 'self'));
  const sv = await Svinit.start(t, tree, ['good']);
  // runsvdir would run a runsv in the service directory itself; svinit says why it does not.
  await sv.waitLog(/^svinit: warning: ignoring .*\/self: it leads to .* itself or a directory above it \(remove the link\)/);
  process.kill(sv.pid, 'SIGHUP'); // a rescan does not say it again
  await sv.waitLog(/SIGHUP: rescanning/);
  assert.equal((await sv.sv(['restart', 'good'])).code, 0);
  assert.ok(!existsSync(join(tree.root, 'supervise')), 'the service directory itself is not supervised');
  assert.equal(sv.matching(/ignoring .*\/self:/).length, 1, sv.lines.join('\n'));
});
