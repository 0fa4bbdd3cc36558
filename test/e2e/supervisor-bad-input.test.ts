// Bad service directories and bad input: each gives one clear log line, leaves the other services
// alone and the state files valid, and never makes svinit spin or crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, closeSync, constants, openSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { NO_RUNIT, SLEEPER, Svinit, TRAPS, gone, waitUntil } from './supervisor-harness.js';
import { cpuSeconds } from '../helpers/proc.js';

const OPTS = { skip: NO_RUNIT, timeout: 120_000 };
const COUNT = '#!/bin/sh\necho "$1 $2" >> tries\n';


test('./run missing, not executable, a directory or a dangling symlink: logged once, retried once a second', OPTS, async (t) => {
  const sv = await Svinit.start(t, {
    missing: { finish: COUNT },
    noexec: { run: [SLEEPER, 0o644], finish: COUNT },
    isdir: { 'run/x': ['', 0o644], finish: COUNT },
    dangling: { finish: COUNT },
    good: { run: SLEEPER },
  });
  symlinkSync('nowhere', sv.file('dangling', 'run'));
  const goodPid = await sv.ready('good');
  const tries = (n: string): number => (sv.read(n, 'tries') ?? '').split('\n').filter((l) => l !== '').length;
  // The dangling link was made after start; give every service its first two tries.
  await waitUntil(() => ['missing', 'noexec', 'isdir', 'dangling'].every((n) => tries(n) >= 2), 15_000, 'two tries each');
  const before = Object.fromEntries(['missing', 'noexec', 'isdir', 'dangling'].map((n) => [n, tries(n)]));
  const cpu0 = cpuSeconds(sv.pid);
  const t0 = Date.now();
  await waitUntil(() => Date.now() - t0 >= 3000, 5000, '3 s of retries'); // measuring a rate needs a span
  const secs = (Date.now() - t0) / 1000;
  const cpu = cpuSeconds(sv.pid) - cpu0;
  for (const n of ['missing', 'noexec', 'isdir', 'dangling']) {
    const more = tries(n) - (before[n] as number);
    assert.ok(more >= 2 && more <= secs + 1, `${n}: ${more} retries in ${secs.toFixed(1)} s (about one a second)`);
    assert.equal(sv.read(n, 'tries')?.split('\n')[0], '111 0', `${n}: finish sees a failed exec`);
    const lines = sv.matching(new RegExp(`^svinit: (warning|error|info): ${n}: `));
    assert.equal(lines.length, 1, `${n}: one log line:\n${lines.join('\n')}`);
    const st = sv.status(n);
    assert.ok(st !== null && st.want === 'u' && st.state !== 'run', `${n}: valid status ${JSON.stringify(st)}`);
  }
  assert.match(sv.matching(/^svinit: warning: missing: /)[0] ?? '', /unable to start \.\/run: ENOENT/);
  assert.match(sv.matching(/^svinit: warning: noexec: /)[0] ?? '', /unable to start \.\/run: EACCES/);
  assert.ok(cpu < secs * 0.3, `no busy loop: ${cpu} s CPU in ${secs.toFixed(1)} s`);
  assert.equal(await sv.ready('good'), goodPid, 'the good service was not touched');

  // Fixing it: the next retry starts it.
  writeFileSync(sv.file('missing', 'run'), SLEEPER, { mode: 0o755 });
  chmodSync(sv.file('noexec', 'run'), 0o755);
  await sv.ready('missing');
  await sv.ready('noexec');
});

test('a service directory removed while running is stopped; svinit goes on', OPTS, async (t) => {
  const sv = await Svinit.start(t, { doomed: { run: SLEEPER }, good: { run: SLEEPER } });
  const pid = await sv.ready('doomed');
  const goodPid = await sv.ready('good');
  rmSync(sv.dir('doomed'), { recursive: true, force: true });
  await waitUntil(() => gone(pid), 15_000, 'the removed service stopped');
  await sv.waitLog(/doomed: service directory removed/);
  assert.ok(sv.alive);
  assert.equal(await sv.ready('good'), goodPid);
  assert.match((await sv.sv(['status', 'good'])).stdout, /^run: good: /);
  assert.equal(sv.matching(/internal error|uncaught|TypeError/i).length, 0, sv.lines.join('\n'));
});

test('supervise/ not usable: warned once, still supervised', OPTS, async (t) => {
  const sv = await Svinit.start(t, { nosup: { run: TRAPS, supervise: ['not a directory\n', 0o644] }, good: { run: SLEEPER } }, ['good']);
  const pid = await sv.ready('nosup');
  const lines = sv.matching(/^svinit: (?!debug).*nosup: /);
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0] ?? '', /^svinit: warning: nosup: unable to set up .*nosup\/supervise: ENOTDIR; supervising it anyway, but sv cannot reach it/);
  process.kill(pid, 'SIGTERM');
  await sv.ready('nosup', pid); // restarted: supervised without supervise/
  assert.equal(sv.matching(/^svinit: (?!debug).*nosup: /).length, 1, 'no further lines');
  const r = await sv.sv(['status', 'nosup']);
  assert.notEqual(r.code, 0);
});

test('garbage on the control FIFO is ignored; the commands around it still work', OPTS, async (t) => {
  const sv = await Svinit.start(t, { g: { run: TRAPS } });
  const pid = await sv.ready('g');
  const before = sv.status('g');
  const commands = new Set([...'udoxtkpchaiq12'].map((c) => c.charCodeAt(0)));
  const junk = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) & 0xff).filter((b) => !commands.has(b)));
  const fd = openSync(join(sv.dir('g'), 'supervise/control'), constants.O_WRONLY | constants.O_NONBLOCK);
  writeSync(fd, junk);
  writeSync(fd, Buffer.from('\n\0\xff1'));
  closeSync(fd);
  await waitUntil(() => sv.signals('g').includes(`USR1 ${pid}`), 10_000, 'the command after the junk');
  const after = sv.status('g');
  assert.deepEqual({ ...after, nanos: 0 }, { ...before, nanos: 0 });
  assert.equal(sv.signals('g').length, 1, sv.signals('g').join(','));
});

test('a ./finish that never exits is killed at the default timeout-finish', OPTS, async (t) => {
  const sv = await Svinit.start(t, { f: { run: SLEEPER, finish: '#!/bin/sh\necho $$ > fin\nexec sleep 1000\n' } });
  await sv.ready('f');
  const t0 = Date.now();
  assert.equal((await sv.sv(['down', 'f'])).code, 0);
  await waitUntil(() => sv.read('f', 'fin') !== null, 10_000, 'finish started');
  const fin = Number((sv.read('f', 'fin') ?? '').trim());
  await sv.until('f', (s) => s.state === 'down', 'down after the finish timeout', 30_000);
  const took = Date.now() - t0;
  assert.ok(took >= 4500, `after ~5000 ms (${took})`);
  await waitUntil(() => gone(fin), 5000, 'finish killed');
  await sv.waitLog(/f: .*finish.*5000/);
});

test('log/run missing: the main service still runs; one line', OPTS, async (t) => {
  const sv = await Svinit.start(t, { nolog: { run: `#!/bin/sh\necho $$ > ready.new && mv ready.new ready\nwhile :; do echo hi; sleep 1; done\n`, 'log/README': ['', 0o644] } });
  const pid = await sv.ready('nolog');
  await sv.waitLog(/nolog\/log: unable to start \.\/run: ENOENT/);
  assert.equal(sv.status('nolog')?.state, 'run');
  assert.equal(sv.status('nolog')?.pid, pid);
  assert.equal(sv.matching(/nolog\/log: /).filter((l) => !/debug/.test(l)).length, 1);
});
