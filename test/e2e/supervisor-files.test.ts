// supervise/ as svinit writes it, byte for byte against what a real runsv writes for the same
// service going through the same states; and the lock: a live runsv's service is left alone, a
// dead runsv's supervise/ is taken over and reused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, readStatus } from '../../src/protocol/client.js';
import type { SuperviseStatus } from '../../src/protocol/status-file.js';
import { run } from '../compat/runsv-harness.js';
import { NO_RUNIT, READY, RUNIT_SV, SLEEPER, Svinit, Tree, gone, waitUntil } from './supervisor-harness.js';

const OPTS = { skip: NO_RUNIT, timeout: 120_000 };

// ./run ignores TERM (so "got TERM" stays visible) and exits 3 once ./quit exists;
// ./finish waits for ./release.
const GOLDEN = {
  run: `#!/bin/sh\ntrap '' TERM\n${READY}\nwhile [ ! -e quit ]; do sleep 0.05; done\nexit 3\n`,
  finish: '#!/bin/sh\nwhile [ ! -e release ]; do sleep 0.05; done\n',
};

interface Snap {
  readonly step: string;
  readonly stat: string;
  readonly tail: string; // status bytes 16..19 in hex
  readonly pid: string; // supervise/pid with digits replaced
  readonly sameStamp: boolean; // timestamp unchanged since the previous snapshot
}

interface Driver {
  readonly dir: string;
  readonly sv: (args: string[]) => Promise<unknown>;
}

function raw(dir: string): Buffer {
  return readFileSync(join(dir, 'supervise/status'));
}

function status(dir: string): SuperviseStatus | null {
  const r = readStatus(dir);
  return r.kind === 'ok' ? r.status : null;
}

async function reach(dir: string, pred: (s: SuperviseStatus) => boolean, what: string): Promise<void> {
  await waitUntil(() => {
    const s = status(dir);
    return s !== null && pred(s);
  }, 15_000, what);
}

/** Walks the service through run, paused, got TERM, finish, down and back; one snapshot per state. */
async function walk(d: Driver): Promise<Snap[]> {
  const snaps: Snap[] = [];
  let lastStamp = '';
  const snap = (step: string): void => {
    const buf = raw(d.dir);
    const stamp = buf.subarray(0, 12).toString('hex');
    snaps.push({
      step,
      stat: readFileSync(join(d.dir, 'supervise/stat'), 'utf8'),
      tail: buf.subarray(16).toString('hex'),
      pid: readFileSync(join(d.dir, 'supervise/pid'), 'utf8').replace(/\d+/, 'P'),
      sameStamp: stamp === lastStamp,
    });
    lastStamp = stamp;
  };
  const touch = (f: string): void => writeFileSync(join(d.dir, f), '');
  const rm = (f: string): void => rmSync(join(d.dir, f), { force: true });
  await waitUntil(() => readFileSync(join(d.dir, 'ready'), { flag: 'a+' }).length > 0, 15_000, 'ready');
  await reach(d.dir, (s) => s.state === 'run', 'run');
  snap('run');
  await d.sv(['pause', d.dir]);
  await reach(d.dir, (s) => s.paused, 'paused');
  snap('paused');
  await d.sv(['cont', d.dir]);
  await reach(d.dir, (s) => !s.paused, 'not paused');
  await d.sv(['down', d.dir]);
  await reach(d.dir, (s) => s.gotTerm, 'got TERM');
  snap('want down, got TERM');
  touch('quit');
  await reach(d.dir, (s) => s.state === 'finish' && s.pid !== 0, 'finish');
  snap('finish, want down');
  touch('release');
  await reach(d.dir, (s) => s.state === 'down', 'down');
  snap('down');
  rm('quit');
  rm('release');
  rm('ready');
  await d.sv(['up', d.dir]);
  await reach(d.dir, (s) => s.state === 'run', 'run again');
  snap('run again');
  touch('quit');
  await reach(d.dir, (s) => s.state === 'finish' && s.pid !== 0, 'finish, want up');
  snap('finish, want up');
  rm('quit');
  touch('release');
  await reach(d.dir, (s) => s.state === 'run', 'restarted after finish');
  return snaps;
}

/** Type and permission bits of every supervise/ entry runsv creates. */
function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of ['.', 'control', 'ok', 'lock', 'status', 'stat', 'pid']) {
    const st = lstatSync(join(dir, 'supervise', f));
    const kind = st.isFIFO() ? 'fifo' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
    out[f] = `${kind} ${(st.mode & 0o7777).toString(8)}${f === 'status' ? ` ${st.size}B` : ''}`;
  }
  return out;
}

test('supervise/ files, modes and every status/stat state match runsv byte for byte', OPTS, async (t) => {
  const ref = new Tree({ g: GOLDEN }, 'svinit-golden-runsv-');
  t.after(() => ref.cleanup());
  await ref.start('g');
  const svRef = (args: string[]): Promise<unknown> => run(RUNIT_SV, args);
  const refSnaps = await walk({ dir: ref.dir('g'), sv: svRef });
  const refModes = modes(ref.dir('g'));

  const sv = await Svinit.start(t, { g: GOLDEN });
  const ours = await walk({ dir: sv.dir('g'), sv: (args) => sv.sv(args) });
  const ourModes = modes(sv.dir('g'));

  assert.deepEqual(ourModes, {
    '.': 'dir 700', control: 'fifo 600', ok: 'fifo 600', lock: 'file 600', status: 'file 644 20B', stat: 'file 644', pid: 'file 644',
  });
  assert.deepEqual(ourModes, refModes);
  assert.deepEqual(ours, refSnaps);
  // And the stat lines are the ones runit documents.
  assert.deepEqual(ours.map((s) => s.stat), [
    'run\n', 'run, paused\n', 'run, got TERM, want down\n', 'finish, want down\n', 'down\n', 'run\n', 'finish\n',
  ]);
});

test('a service held by a live runsv is left alone; svinit says so and runs the others', OPTS, async (t) => {
  const tree = new Tree({ held: { run: SLEEPER }, mine: { run: SLEEPER } }, 'svinit-lock-');
  t.after(() => tree.cleanup());
  await tree.start('held');
  const heldPid = Number(await waitFor(() => readFileSync(join(tree.dir('held'), 'ready'), { flag: 'a+' }).toString().trim()));
  const sv = await Svinit.start(t, tree, ['mine']);
  await sv.ready('mine');
  const line = await sv.waitLog(/held: another supervisor holds .*held\/supervise\/lock; leaving this service to it/);
  assert.match(line, /^svinit: warning: /);
  assert.equal(sv.matching(/held:/).filter((l) => !l.includes('debug')).length, 1, 'one line');
  // runsv's service is unaffected: same pid, alive, status still runsv's.
  assert.ok(!gone(heldPid));
  assert.equal(status(tree.dir('held'))?.pid, heldPid);
  const r = await sv.sv(['status', 'held', 'mine']);
  assert.match(r.stdout, new RegExp(`^run: held: \\(pid ${heldPid}\\) \\d+s\\nrun: mine: \\(pid \\d+\\) \\d+s\\n$`));
});

test('a supervise/ left by a dead runsv is reused by svinit', OPTS, async (t) => {
  const tree = new Tree({ old: { run: SLEEPER } }, 'svinit-reuse-');
  t.after(() => tree.cleanup());
  await tree.start('old');
  const sup = join(tree.dir('old'), 'supervise');
  const inodes = ['control', 'ok', 'lock'].map((f) => statSync(join(sup, f)).ino);
  assert.equal((await run(RUNIT_SV, ['-w', '5', 'exit', tree.dir('old')])).code, 0);
  await tree.exited('old');
  assert.equal(isAlive(tree.dir('old')).kind, 'not-running');
  rmSync(join(tree.dir('old'), 'ready'));

  const sv = await Svinit.start(t, tree);
  const pid = await sv.ready('old');
  assert.deepEqual(['control', 'ok', 'lock'].map((f) => statSync(join(sup, f)).ino), inodes, 'the FIFOs and lock are reused');
  const r = await sv.sv(['status', 'old']);
  assert.match(r.stdout, new RegExp(`^run: old: \\(pid ${pid}\\) \\d+s\\n$`));
  assert.equal(sv.matching(/warning|error/).length, 0, sv.lines.join('\n'));
});

async function waitFor(probe: () => string): Promise<string> {
  let v = '';
  await waitUntil(() => (v = probe()) !== '', 15_000, 'value');
  return v;
}
