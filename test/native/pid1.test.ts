// Node as PID 1 of a new PID namespace (unshare, as a container gives it): the mini init reaps
// orphans from any depth, stays alive while idle without waking up, and exits on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn as cpSpawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { procFixture, repoRoot } from '../helpers/fixtures.js';
import { childrenOf, killTree, procStat, zombiesOf } from '../helpers/proc.js';

const miniInit = join(repoRoot, 'dist', 'test', 'fixtures', 'mini-init.js');
const UNSHARE = ['--pid', '--fork', '--mount-proc', '--kill-child'];

function unshareProblem(): string | null {
  const r = spawnSync('unshare', [...UNSHARE, '/bin/true'], { encoding: 'utf8' });
  if (r.error !== undefined) return `unshare could not run: ${r.error.message}`;
  return r.status === 0 ? null : `unshare --pid --fork --mount-proc failed: ${r.stderr.trim()}`;
}

/** Context switches of every thread of `pid`: the main thread and the sum of all. */
function switches(pid: number): { main: number; all: number } {
  let all = 0;
  let main = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    const n = [...text.matchAll(/ctxt_switches:\s+(\d+)/g)].reduce((s, m) => s + Number(m[1]), 0);
    all += n;
    if (tid === String(pid)) main = n;
  }
  return { main, all };
}

test('as PID 1: reaps orphans 3 levels deep, idles with zero wake-ups, exits on SIGTERM', async (t) => {
  const problem = unshareProblem();
  if (problem !== null) {
    t.skip(problem);
    return;
  }
  // 10 chains 4 links deep: links 2, 3 and 4 of each are orphaned, so 30 orphans at 3 depths.
  const child = cpSpawn('unshare', [...UNSHARE, process.execPath, miniInit, '30', procFixture(), 'orphans', '10', '4'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let wake: (() => void) | null = null;
  let buf = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (buf + chunk).split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts);
    wake?.();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (line: string, timeoutMs = 30000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!lines.includes(line)) {
      if (Date.now() > deadline) throw new Error(`no "${line}" line; got ${JSON.stringify(lines)}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 200);
      });
    }
  };
  try {
    await waitFor('ready 1');
    await waitFor('child 0');
    await waitFor('orphans 30');
    const init = childrenOf(child.pid as number)[0];
    assert.ok(init !== undefined, 'the init is the child of unshare');
    assert.deepEqual(zombiesOf(init), [], 'no zombie left under the init');

    // Idle: the process must stay alive and its main thread must not wake up at all.
    const before = switches(init);
    await delay(1500);
    const after = switches(init);
    assert.ok(procStat(init) !== null && procStat(init)?.state !== 'Z', 'still alive after 1.5 s idle');
    console.log(`# idle 1.5 s as PID 1: main thread ${after.main - before.main} context switches, all threads ${after.all - before.all}`);
    assert.equal(after.main - before.main, 0, 'the idle init made no wake-ups');

    process.kill(init, 'SIGTERM');
    await waitFor('exiting on SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) killTree(child.pid as number);
  }
});
