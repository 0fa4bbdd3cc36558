// Bad input to svinit and runsvinit: exit 100 (runsvinit's own flags: 2) with a clear message for usage errors, 111 for setup errors; an empty
// directory, a file entry, broken entries and a read-only service directory are survived.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Init, PID1_SKIP, RUNSVINIT_BIN, runToEnd, Tree, trapRun, waitFor } from './init-harness.js';

test('usage errors exit 100, setup errors 111, each with a one-line reason', { timeout: 60_000 }, async (t) => {
  const tree = new Tree();
  t.after(() => tree.cleanup());
  writeFileSync(join(tree.root, 'afile'), '');
  // A PATH with what the launcher needs, but no runit.
  const bin = join(tree.root, 'bin');
  mkdirSync(bin);
  for (const tool of ['dirname', 'readlink']) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
  const cases: Array<[string[], number, RegExp, NodeJS.ProcessEnv?]> = [
    [['--dir', join(tree.root, 'missing')], 111, /unable to use service directory .*missing: ENOENT/],
    [['--dir', join(tree.root, 'afile')], 111, /not a directory/],
    [['--grace', '0'], 100, /unable to use --grace "0"/],
    [['--engine', 'systemd'], 100, /choose builtin or runit/],
    [['--bogus'], 100, /unknown option/],
    [['-r', 'TERM', 'true'], 100, /give two values joined by a colon/],
    [['--dir', tree.sv, '--engine', 'runit'], 111, /runsvdir or runsv not found/, { PATH: bin }],
    // A --dir that is missing stays a setup error in command mode too.
    [['--dir', join(tree.root, 'missing'), 'true'], 111, /unable to use service directory .*missing: ENOENT/],
  ];
  for (const [args, code, re, env] of cases) {
    const r = await runToEnd(args, env === undefined ? {} : { env });
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  }
});

test('an empty service directory runs, then shuts down cleanly', { timeout: 60_000 }, async (t) => {
  const tree = new Tree();
  const init = new Init(['--dir', tree.sv, '-v']);
  t.after(() => { init.kill(); tree.cleanup(); });
  await waitFor(() => init.stderr.includes('subreaper'), 10_000, 'svinit up');
  await init.signal('SIGTERM');
  assert.equal((await init.exit()).code, 0, init.stderr);
  assert.match(init.stderr, /0 service\(s\) stopped/);
});

test('a file entry and unreadable entries are skipped with one warning each; the rest runs', { timeout: 60_000 }, async (t) => {
  const tree = new Tree({ good: { run: trapRun('good', '0') } });
  writeFileSync(join(tree.sv, 'notes.txt'), 'not a service');
  symlinkSync(join(tree.root, 'nowhere'), join(tree.sv, 'dangling'));
  symlinkSync(join(tree.sv, 'loop'), join(tree.sv, 'loop'));
  mkdirSync(join(tree.root, 'real'));
  tree.write(join(tree.root, 'real'), { run: trapRun('linked', '0') });
  symlinkSync(join(tree.root, 'real'), join(tree.sv, 'linked'));
  tree.write(join(tree.sv, '.hidden'), { run: trapRun('hidden', '0') });
  const init = new Init(['--dir', tree.sv]);
  t.after(() => { init.kill(); tree.cleanup(); });
  await waitFor(() => tree.has('good.ready') && tree.has('linked.ready'), 15_000, 'good and the symlinked service');
  process.kill(await init.pid(), 'SIGHUP'); // a rescan must not repeat the warnings
  await waitFor(() => init.stderr.includes('SIGHUP: rescanning'), 5000, 'rescan');
  await init.signal('SIGTERM');
  assert.equal((await init.exit()).code, 0, init.stderr);
  assert.ok(!tree.has('hidden.ready'), 'dot-names are skipped');
  for (const name of ['notes.txt', 'dangling', 'loop']) {
    assert.equal(init.stderr.split('\n').filter((l) => l.includes(`${join(tree.sv, name)}:`)).length, 1, `one warning for ${name}\n${init.stderr}`);
  }
});

test('a read-only service directory: supervise symlinks into /run are created; without one, one warning', { skip: PID1_SKIP, timeout: 60_000 }, async (t) => {
  const tree = new Tree({ linked: { run: trapRun('linked', '0') }, plain: { run: trapRun('plain', '0') } });
  const run = join(tree.root, 'run');
  mkdirSync(run);
  symlinkSync(join(run, 'linked'), join(tree.sv, 'linked', 'supervise'));
  // Read-only inside the namespace's own mount table (unshare --mount-proc makes one).
  const prelude = `mount --bind ${tree.sv} ${tree.sv} && mount -o remount,bind,ro ${tree.sv} || exit 99`;
  const init = new Init(['--dir', tree.sv], { pid1: true, prelude });
  t.after(() => { init.kill(); tree.cleanup(); });
  await waitFor(() => tree.has('linked.ready') && tree.has('plain.ready'), 15_000, 'both services running');
  await waitFor(() => existsSync(join(run, 'linked', 'status')), 5000, 'status in the symlink target');
  const warnings = init.stderr.split('\n').filter((l) => l.includes('plain') && l.includes('sv cannot reach it'));
  assert.equal(warnings.length, 1, init.stderr);
  await init.signal('SIGTERM');
  assert.equal((await init.exit()).code, 0, init.stderr);
});

test('runsvinit maps -debug and -reap=false, rejects what it does not know with 2 (Go\'s flag package), and has its own --help', { timeout: 60_000 }, async (t) => {
  // No background child: with -reap=false svinit leaves orphans alone, and one would outlive it.
  const tree = new Tree({ a: { run: '#!/bin/sh\necho $$ > $M/a.ready\nexec sleep 1000\n' } });
  t.after(() => tree.cleanup());
  const init = new Init(['-debug', '-reap=false', '--dir', tree.sv], { bin: RUNSVINIT_BIN });
  t.after(() => init.kill());
  await waitFor(() => tree.has('a.ready'), 15_000, 'a ready');
  assert.match(init.stderr, /svinit: debug: /, '-debug turned on debug logging');
  await init.signal('SIGTERM');
  assert.equal((await init.exit()).code, 0, init.stderr);
  for (const args of [['--', 'sh'], ['-bogus'], ['-reap=maybe']]) {
    const r = await runToEnd(args, { bin: RUNSVINIT_BIN });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^runsvinit: fatal: unable to use/);
  }
  for (const help of ['--help', '-help', '-h']) {
    const ok = await runToEnd(['-reap', '-reap=true', help], { bin: RUNSVINIT_BIN });
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /^usage: runsvinit \[-debug\] \[-reap\[=true\|false\]\] \[svinit options\]\n/);
    assert.match(ok.stdout, /-reap=false {9}do not reap orphans/);
  }
  for (const cmd of ['status', 'check']) {
    const v = await runToEnd([cmd, '--version']);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^svinit \d+\.\d+\.\d+\n$/);
  }
});


test('one line at start-up at the default verbosity; an empty service directory is a warning in service mode only', { timeout: 60_000 }, async (t) => {
  const tree = new Tree({ a: { run: '#!/bin/sh\necho $$ > $M/a.ready\nexec sleep 1000\n' }, b: { run: '#!/bin/sh\nexec sleep 1000\n' } });
  const empty = new Tree();
  t.after(() => { tree.cleanup(); empty.cleanup(); });
  const init = new Init(['--dir', tree.sv]);
  t.after(() => init.kill());
  await waitFor(() => init.stderr.includes('supervising'), 15_000, `the start-up line\n${init.stderr}`);
  assert.match(init.stderr, new RegExp(`^svinit: info: svinit \\d+\\.\\d+\\.\\d+: supervising 2 service\\(s\\) in ${tree.sv}\\n`));
  await init.signal('SIGTERM');
  assert.equal((await init.exit()).code, 0);
  const none = new Init(['--dir', empty.sv]);
  t.after(() => none.kill());
  await waitFor(() => none.stderr.includes('no services'), 15_000, `the warning\n${none.stderr}`);
  assert.match(none.stderr, /warning: no services in .*: add a directory holding an executable run file; it is started as soon as it appears\n/);
  await none.signal('SIGTERM');
  assert.equal((await none.exit()).code, 0);
  const cmd = await runToEnd(['--dir', empty.sv, '--', 'true']);
  assert.equal(cmd.code, 0);
  assert.doesNotMatch(cmd.stderr, /no services/, 'beside a main command an empty directory is fine');
  const quiet = await runToEnd(['-q', '--dir', empty.sv, '--', 'true']);
  assert.doesNotMatch(quiet.stderr, /supervising/, '-q: warnings and errors only');
});
