// Readiness, dependencies and the ordered shutdown (docs/readiness.md), through the real entry
// point: a chain db -> app -> proxy starts in order once per dialect (notification-fd from a shell
// script, sd_notify from a C fixture, a check script) and stops in reverse; a cycle, a missing and a
// never-ready dependency keep only their services down; timeout-ready is a failed start; --drain
// and `check --ready` at shutdown; bad notification-fd files and bad datagrams; --wait-ready.
// Every service records "NAME start|ready|stop NS" in the tree's .order file (test/fixtures/ready-fixture.c).
import type { TestContext } from 'node:test';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { cFixture, repoRoot } from '../helpers/fixtures.js';
import { track } from '../helpers/teardown.js';
import { readStamps, type Stamp } from '../helpers/stamps.js';
import { svinit as cli } from '../compat/runsv-harness.js';
import { NO_RUNIT, Svinit, Tree, waitUntil, type ServiceFiles } from './supervisor-harness.js';

const FIX = cFixture('ready-fixture');

/** A ./run that becomes the fixture: NAME, the shared .order file, DELAY_MS, MODE, messages. */
function run(name: string, delayMs: number, mode: string, ...messages: string[]): string {
  const q = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
  return `#!/bin/sh\nexec ${FIX} ${name} ../.order ${delayMs} ${mode}${messages.map((m) => ` ${q(m)}`).join('')}\n`;
}

/** A shell ./run that writes the newline itself on its notification-fd (the s6 way). */
function shellFdRun(name: string, fd: number): string {
  return `#!/bin/sh
echo "${name} start $(date +%s%N)" >> ../.order
trap 'echo "${name} stop $(date +%s%N)" >> ../.order; kill $k 2>/dev/null; exit 0' TERM
sleep 0.3
echo "${name} ready $(date +%s%N)" >> ../.order
echo >&${fd}
while :; do sleep 1000 & k=$!; wait $k; done
`;
}

function events(tree: Tree): Stamp[] {
  return readStamps(join(tree.root, '.order'));
}

function at(ev: readonly Stamp[], name: string, what: string): bigint {
  const e = ev.find((x) => x.name === name && x.what === what);
  assert.ok(e !== undefined, `no "${name} ${what}" in .order: ${JSON.stringify(ev.map((x) => `${x.name} ${x.what}`))}`);
  return e.ns;
}

/** Waits until the async `cond` holds, asking again every 50 ms. */
async function poll(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

async function statusJson(root: string): Promise<Record<string, Record<string, unknown>>> {
  const r = await cli(['status', '--json', '--dir', root]);
  const rows = (JSON.parse(r.stdout) as { services: Array<Record<string, unknown>> }).services;
  return Object.fromEntries(rows.map((row) => [row['name'] as string, row]));
}

const CHAIN = (kind: string): Record<string, ServiceFiles> => {
  const dep = (name: string): ServiceFiles => ({ [`dependencies.d/${name}`]: ['', 0o644] });
  switch (kind) {
    case 'notification-fd':
      return {
        db: { run: shellFdRun('db', 3), 'notification-fd': ['3\n', 0o644] },
        app: { run: shellFdRun('app', 5), 'notification-fd': ['5\n', 0o644], ...dep('db') },
        proxy: { run: shellFdRun('proxy', 3), 'notification-fd': ['3\n', 0o644], ...dep('app') },
      };
    case 'sd_notify':
      return {
        db: { run: run('db', 300, 'notify', 'STATUS=replaying|READY=1'), notify: ['', 0o644] },
        app: { run: run('app', 300, 'notify'), notify: ['', 0o644], ...dep('db') },
        proxy: { run: run('proxy', 300, 'notify'), notify: ['', 0o644], ...dep('app') },
      };
    default: {
      const check = (name: string): string => `#!/bin/sh\ngrep -q "^${name} ready" ../.order\n`;
      return {
        db: { run: run('db', 300, 'none'), check: check('db') },
        app: { run: run('app', 300, 'none'), check: check('app'), ...dep('db') },
        proxy: { run: run('proxy', 300, 'none'), check: check('proxy'), ...dep('app') },
      };
    }
  }
};

for (const kind of ['notification-fd', 'sd_notify', 'check']) {
  test(`a chain db -> app -> proxy (${kind}): each starts once its dependency is ready; they stop in reverse order`, async (t: TestContext) => {
    const s = await Svinit.start(t, CHAIN(kind));
    await waitUntil(() => events(s.tree).some((e) => e.name === 'proxy' && e.what === 'ready'), 30_000, 'proxy ready');
    await waitUntil(() => s.lines.some((l) => l.includes('proxy: ready')), 30_000, 'svinit saw proxy ready');
    const rows = await statusJson(s.tree.root);
    for (const n of ['db', 'app', 'proxy']) assert.equal(rows[n]?.['ready'], true, `${n} ready in status --json: ${JSON.stringify(rows[n])}`);
    if (kind === 'sd_notify') assert.equal(rows['db']?.['notifyStatus'], 'replaying');
    assert.equal((await cli(['check', '--ready', '--dir', s.tree.root])).code, 0);
    assert.equal(await s.terminate(), 0);
    const ev = events(s.tree);
    const t0 = at(ev, 'db', 'start');
    const ms = (ns: bigint): string => (Number(ns - t0) / 1e6).toFixed(1);
    t.diagnostic(`${kind}: ${ev.map((e) => `${e.name} ${e.what} +${ms(e.ns)} ms`).join(', ')}`);
    // Each starts only after what it needs said it is ready.
    assert.ok(at(ev, 'app', 'start') > at(ev, 'db', 'ready'), 'app started after db was ready');
    assert.ok(at(ev, 'proxy', 'start') > at(ev, 'app', 'ready'), 'proxy started after app was ready');
    // And the stop runs the other way round, each tier once the one before is gone.
    assert.ok(at(ev, 'app', 'stop') > at(ev, 'proxy', 'stop'), 'app stopped after proxy');
    assert.ok(at(ev, 'db', 'stop') > at(ev, 'app', 'stop'), 'db stopped after app');
    t.diagnostic(`readiness to dependent start: db->app ${((Number(at(ev, 'app', 'start') - at(ev, 'db', 'ready'))) / 1e6).toFixed(2)} ms, ` +
      `app->proxy ${((Number(at(ev, 'proxy', 'start') - at(ev, 'app', 'ready'))) / 1e6).toFixed(2)} ms`);
  });
}

test('a cycle, a missing dependency and a never-ready one: one line each, only those stay down with the reason; the rest runs', async (t: TestContext) => {
  const dep = (...names: string[]): ServiceFiles => Object.fromEntries(names.map((n) => [`dependencies.d/${n}`, ['', 0o644]]));
  const s = await Svinit.start(t, {
    a: { run: run('a', 0, 'none'), ...dep('b') },
    b: { run: run('b', 0, 'none'), ...dep('a') },
    c: { run: run('c', 0, 'none'), ...dep('nosuch') },
    f: { run: run('f', 0, 'none'), ...dep('a') },
    never: { run: run('never', 0, 'never'), 'notification-fd': ['3', 0o644] },
    g: { run: run('g', 0, 'none'), ...dep('never') },
    free: { run: run('free', 0, 'none') },
  });
  await s.waitLog(/unable to start a, b: dependency cycle a -> b -> a; they stay down/);
  await s.waitLog(/unable to start c: it needs nosuch, not a service in .*; it stays down \(add the service, or remove c\/dependencies.d\/nosuch\)/);
  await s.until('free', (st) => st.state === 'run', 'free runs');
  await s.until('never', (st) => st.state === 'run', 'never runs');
  let rows: Record<string, Record<string, unknown>> = {};
  await poll(async () => {
    rows = await statusJson(s.tree.root);
    return rows['g']?.['notReadyReason'] === 'waiting for never to be ready' && rows['free']?.['ready'] === true;
  }, 20_000, 'the reasons in status --json');
  for (const n of ['a', 'b']) {
    assert.equal(rows[n]?.['state'], 'waiting');
    assert.equal(rows[n]?.['notReadyReason'], 'dependency cycle: a -> b -> a');
  }
  assert.equal(rows['c']?.['notReadyReason'], 'missing dependency: nosuch');
  assert.match(String(rows['f']?.['notReadyReason']), /^needs a, which cannot start \(dependency cycle/);
  assert.equal(rows['never']?.['ready'], false);
  assert.equal(rows['never']?.['notReadyReason'], 'waiting for a newline on notification-fd 3');
  assert.equal(rows['g']?.['state'], 'waiting');
  for (const n of ['a', 'b', 'c', 'f', 'g']) assert.equal(s.status(n)?.pid, 0, `${n} never started`);
  const table = await cli(['status', '--dir', s.tree.root]);
  assert.match(table.stdout, /^SERVICE +STATE +PID +TIME +WANT +READY/);
  assert.match(table.stdout, /\ng +waiting .* not ready: waiting for never to be ready/);
  // Each problem was said once, however often the graph was evaluated.
  assert.equal(s.matching(/dependency cycle a -> b -> a; they stay down/).length, 1);
  const check = await cli(['check', '--ready', '--dir', s.tree.root]);
  assert.equal(check.code, 1);
  assert.match(check.stdout, /never \(not ready: waiting for a newline on notification-fd 3\)/);
  // Plain check keeps its meaning: every wanted service up (the waiting ones are down, so it fails too).
  assert.equal((await cli(['check', '--dir', s.tree.root, 'free', 'never'])).code, 0);
  assert.equal(await s.terminate(), 0);
});

test('timeout-ready: not ready in time is a failed start: down signal, then the restart rules (and the dependent waits)', async (t: TestContext) => {
  const s = await Svinit.start(t, {
    slow: { run: run('slow', 0, 'never'), 'notification-fd': ['4', 0o644], 'timeout-ready': ['300', 0o644], 'give-up-after': ['2', 0o644] },
    web: { run: run('web', 0, 'none'), 'dependencies.d/slow': ['', 0o644] },
  });
  await s.waitLog(/slow: not ready within 300 ms \(timeout-ready\), waiting for a newline on notification-fd 4: stopping \.\/run \(pid \d+\) with signal 15, SIGKILL after 1000 ms/);
  await s.waitLog(/slow: gave up after 2 failed starts/, 30_000);
  const ev = events(s.tree).filter((e) => e.name === 'slow');
  assert.deepEqual(ev.map((e) => e.what), ['start', 'stop', 'start', 'stop']);
  const rows = await statusJson(s.tree.root);
  assert.equal(rows['slow']?.['state'], 'failed');
  assert.equal(rows['web']?.['state'], 'waiting');
  assert.equal(events(s.tree).some((e) => e.name === 'web'), false, 'web never started');
  assert.equal(await s.terminate(), 0);
});

test('--drain: not ready (check --ready fails) from the stop signal on, and the first stop signal only after the drain', async (t: TestContext) => {
  const s = await Svinit.start(t, { web: { run: run('web', 0, 'none') } }, undefined, ['--drain', '2', '--grace', '20']);
  await waitUntil(() => s.lines.some((l) => l.includes('web: ready')), 20_000, 'web ready');
  assert.equal((await cli(['check', '--ready', '--dir', s.tree.root])).code, 0);
  const sent = process.hrtime.bigint();
  const sentWall = BigInt(Date.now()) * 1_000_000n;
  const exited = s.terminate();
  const flipped = { stdout: '' };
  await poll(async () => {
    const r = await cli(['check', '--ready', '--dir', s.tree.root]);
    if (r.code !== 0) flipped.stdout = r.stdout;
    return r.code !== 0;
  }, 20_000, 'check --ready fails during the drain');
  const flippedAfterMs = Number(process.hrtime.bigint() - sent) / 1e6;
  assert.match(flipped.stdout, /web \(not ready: svinit is stopping\)/);
  // Plain check still says up: nothing was stopped yet.
  assert.equal((await cli(['check', '--dir', s.tree.root])).code, 0, 'up during the drain');
  assert.equal(events(s.tree).some((e) => e.what === 'stop'), false, 'no stop signal during the drain');
  assert.equal(await exited, 0);
  const stopMs = Number(at(events(s.tree), 'web', 'stop') - sentWall) / 1e6;
  t.diagnostic(`check --ready failed ${flippedAfterMs.toFixed(0)} ms after SIGTERM; web got its stop signal ${stopMs.toFixed(0)} ms after it (drain 2000 ms)`);
  assert.ok(stopMs >= 1900, `the stop signal came ${stopMs} ms after SIGTERM, before the 2 s drain ended`);
  assert.ok(s.lines.some((l) => l.includes('--drain: every service reports not ready')));
});

test('bad notification-fd files: one line naming the file and the fix each; the service runs and counts as ready when up', async (t: TestContext) => {
  const s = await Svinit.start(t, {
    word: { run: run('word', 0, 'none'), 'notification-fd': ['three\n', 0o644] },
    stdout: { run: run('stdout', 0, 'none'), 'notification-fd': ['1\n', 0o644] },
    high: { run: run('high', 0, 'none'), 'notification-fd': ['99\n', 0o644] },
    both: { run: run('both', 0, 'fd:3'), 'notification-fd': ['3\n', 0o644], notify: ['', 0o644] },
  });
  await s.waitLog(/word: unable to use .*word\/notification-fd: "three" is not a descriptor number; write one descriptor number from 3 to 63/);
  await s.waitLog(/stdout: unable to use .*stdout\/notification-fd: 1 is \.\/run's stdout, already in use/);
  await s.waitLog(/high: unable to use .*high\/notification-fd: 99 is above 63/);
  await s.waitLog(/both: unable to use both .*both\/notification-fd and .*both\/notify: the readiness channel is already in use; using notification-fd/);
  await waitUntil(() => ['word', 'stdout', 'high', 'both'].every((n) => s.lines.some((l) => l.includes(`${n}: ready (`))), 20_000, 'all ready');
  assert.ok(s.lines.some((l) => l.includes('both: ready (notification-fd 3)')));
  assert.equal((await cli(['check', '--ready', '--dir', s.tree.root])).code, 0);
  assert.equal(await s.terminate(), 0);
});

test('sd_notify bad input: oversized, garbage and a stranger\'s datagrams are rejected with one line each; svinit goes on', async (t: TestContext) => {
  const s = await Svinit.start(t, {
    noisy: { run: run('noisy', 0, 'notify', '@big:5000', 'hello world', 'STATUS=warming up|READY=1'), notify: ['', 0o644] },
    shy: { run: `#!/bin/sh\necho "$NOTIFY_SOCKET" > sock\nexec ${FIX} shy ../.order 0 never\n`, notify: ['', 0o644] },
  });
  await s.waitLog(/notify socket: unable to accept a datagram of 5000 bytes from noisy \(pid \d+\): longer than 4096 bytes.*; ignored/);
  await s.waitLog(/notify socket: unable to use a datagram from noisy \(pid \d+\): not sd_notify's KEY=VALUE lines \("hello world"\); ignored/);
  await waitUntil(() => s.lines.some((l) => l.includes('noisy: ready (READY=1)')), 20_000, 'noisy ready after its bad datagrams');
  // A process outside every service's session sends READY=1 for shy: not believed.
  await waitUntil(() => (s.read('shy', 'sock') ?? '').startsWith('@svinit/notify/'), 20_000, 'shy wrote its NOTIFY_SOCKET');
  const socket = (s.read('shy', 'sock') ?? '').trim();
  const stranger = track(spawn(FIX, ['stranger', join(s.tree.root, '.order'), '0', 'notify', 'READY=1'], {
    env: { ...process.env, NOTIFY_SOCKET: socket }, stdio: 'ignore',
  }));
  t.after(() => { stranger.kill('SIGKILL'); });
  await s.waitLog(new RegExp(`notify socket: unable to accept a datagram from pid ${stranger.pid}: it is not in the session of a service with a notify file`));
  const rows = await statusJson(s.tree.root);
  assert.equal(rows['shy']?.['ready'], false);
  assert.equal(rows['noisy']?.['ready'], true);
  assert.equal(rows['noisy']?.['notifyStatus'], 'warming up');
  assert.ok(s.alive);
  assert.equal(await s.terminate(), 0);
});

test('--wait-ready: CMD starts once every service is ready; at the timeout it starts anyway, with a warning', async (t: TestContext) => {
  const tree = new Tree({
    db: { run: run('db', 500, 'fd:3'), 'notification-fd': ['3', 0o644] },
    never: { run: run('never', 0, 'never'), 'notification-fd': ['3', 0o644], down: ['', 0o644] },
  }, 'svinit-ready-');
  t.after(() => tree.cleanup());
  const cmd = `echo "cmd start $(date +%s%N)" >> ${join(tree.root, '.order')}`;
  const go = (args: string[]): Promise<{ code: number | null; log: string }> => new Promise((res) => {
    const child = track(spawn(join(repoRoot, 'bin/svinit'), ['--dir', tree.root, ...args, 'sh', '-c', cmd], { stdio: ['ignore', 'ignore', 'pipe'] }));
    let log = '';
    child.stderr.on('data', (c: Buffer) => { log += c.toString(); });
    child.once('exit', (code) => res({ code, log }));
  });
  // `never` has a down file: it does not count.
  const ok = await go(['--wait-ready']);
  assert.equal(ok.code, 0, ok.log);
  const ev = events(tree);
  assert.ok(at(ev, 'cmd', 'start') > at(ev, 'db', 'ready'), 'CMD after db was ready');
  t.diagnostic(`CMD started ${(Number(at(ev, 'cmd', 'start') - at(ev, 'db', 'ready')) / 1e6).toFixed(1)} ms after db's notification`);
});

test('--wait-ready=SECONDS: a service that is never ready: CMD starts after the timeout, with one warning naming it', async (t: TestContext) => {
  const tree = new Tree({ never: { run: run('never', 0, 'never'), 'notification-fd': ['3', 0o644] } }, 'svinit-ready-');
  t.after(() => tree.cleanup());
  const child = track(spawn(join(repoRoot, 'bin/svinit'), ['--dir', tree.root, '--wait-ready=1', 'sh', '-c', 'exit 7'], { stdio: ['ignore', 'ignore', 'pipe'] }));
  let log = '';
  child.stderr.on('data', (c: Buffer) => { log += c.toString(); });
  const code = await new Promise<number | null>((res) => child.once('exit', (c) => res(c)));
  assert.equal(code, 7, log);
  assert.match(log, /--wait-ready: never not ready after 1 s; starting sh anyway/);
});

test('--engine runit: notification-fd, notify, timeout-ready and dependencies.d are each warned about once; the service runs', { skip: NO_RUNIT }, async (t: TestContext) => {
  const s = await Svinit.start(t, {
    web: {
      run: run('web', 0, 'none'), 'notification-fd': ['3', 0o644], notify: ['', 0o644], 'timeout-ready': ['500', 0o644],
      'dependencies.d/db': ['', 0o644],
    },
  }, undefined, ['--engine', 'runit']);
  await waitUntil(() => events(s.tree).some((e) => e.name === 'web' && e.what === 'start'), 20_000, 'web started under runsv');
  for (const f of ['notification-fd', 'notify', 'timeout-ready', 'dependencies.d']) {
    assert.equal(s.matching(new RegExp(`web: ${f} is ignored with --engine runit \\(runsv does not read it\\)`)).length, 1, `${f}:\n${s.lines.join('\n')}`);
  }
  assert.equal(await s.terminate(), 0);
});
