// Routed output, black box: --log-prefix keeps every line whole (100,000 of them from two chatty
// services, stdout and stderr apart), --log-format json gives lines that all parse, the last line
// a service writes is out before svinit exits, and a slow reader neither grows svinit's memory nor
// lets a service run ahead of it (its writes block).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/fixtures.js';
import { stopTree, track } from '../helpers/teardown.js';
import { Tree, idleLoop, waitFor } from './init-harness.js';

const BIN = join(repoRoot, 'bin/svinit');
const LINES = 50_000;

/** A service that writes LINES numbered lines of varying length (some long) to stdout and every 100th to stderr. */
function chatty(name: string): string {
  return `#!/bin/sh
awk -v n=${name} 'BEGIN { pad = sprintf("%5000s", ""); gsub(/ /, "x", pad)
  for (i = 1; i <= ${LINES}; i++) { printf "%s %06d %s\\n", n, i, substr(pad, 1, (i * 37) % 300 + (i % 1000 == 0 ? 4500 : 0)); if (i % 100 == 0) printf "%s err %06d\\n", n, i > "/dev/stderr" } }'
echo done > $M/${name}.done
exec sleep 1000
`;
}

interface Run {
  child: ReturnType<typeof spawn>;
  out: string[];
  err: string[];
}

function start(args: string[]): Run {
  const child = track(spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SVINIT_NODE: process.execPath } }));
  const run: Run = { child, out: [], err: [] };
  for (const [stream, into] of [[child.stdout, run.out], [child.stderr, run.err]] as const) {
    let partial = '';
    stream?.setEncoding('utf8').on('data', (s: string) => {
      const parts = (partial + s).split('\n');
      partial = parts.pop() ?? '';
      into.push(...parts);
    });
  }
  return run;
}

async function exitOf(run: Run): Promise<number | null> {
  if (run.child.exitCode !== null) return run.child.exitCode;
  return new Promise((resolve) => run.child.once('close', (code) => resolve(code)));
}

test('--log-prefix: 100,000 lines from two chatty services, each whole and in order, stdout and stderr apart', { timeout: 120_000 }, async (t) => {
  const tree = new Tree({
    a: { run: chatty('a') }, b: { run: chatty('b') },
    // A service with log/: its stdout goes to log/run (runit's semantics), whose output is prefixed once.
    c: { run: '#!/bin/sh\necho "to the logger"\necho "c err" >&2\nexec sleep 1000\n', 'log/run': '#!/bin/sh\nexec sed "s/^/logged: /"\n' },
  });
  t.after(() => tree.cleanup());
  const run = start(['--log-prefix', '--dir', tree.sv]);
  t.after(() => stopTree(run.child, 15_000));
  await waitFor(() => tree.has('a.done') && tree.has('b.done') && run.out.length >= 2 * LINES, 90_000, `every line (${run.out.length})`);
  run.child.kill('SIGTERM');
  assert.equal(await exitOf(run), 0);
  for (const name of ['a', 'b']) {
    const mine = run.out.filter((l) => l.startsWith(`${name} | `));
    assert.equal(mine.length, LINES, `${name}: ${LINES} lines`);
    mine.forEach((line, i) => {
      const m = /^(\w) \| (\w) (\d{6}) (x*)$/.exec(line);
      assert.ok(m !== null && m[1] === name && m[2] === name && Number(m[3]) === i + 1, `${name}: line ${i + 1} whole and in order: ${line.slice(0, 80)}`);
      const n = i + 1;
      assert.equal(m[4]?.length, (n * 37) % 300 + (n % 1000 === 0 ? 4500 : 0));
    });
    const errs = run.err.filter((l) => l.startsWith(`${name} | `));
    assert.equal(errs.length, LINES / 100, `${name}: stderr lines on stderr`);
    assert.ok(errs.every((l, i) => l === `${name} | ${name} err ${String((i + 1) * 100).padStart(6, '0')}`));
  }
  await waitFor(() => run.out.includes('c | logged: to the logger'), 10_000, `c's line through its log/run\n${run.out.filter((l) => l.startsWith('c')).join('\n')}`);
  assert.deepEqual(run.out.filter((l) => !/^[ab] \| /.test(l)), ['c | logged: to the logger'], 'prefixed once, with the service\'s name; nothing else on stdout');
  assert.ok(run.err.includes('c | c err'));
});

test('--log-format json: every line of stdout and stderr parses, one schema for services and svinit; a line over 16 KiB is split, marked, and whole', { timeout: 60_000 }, async (t) => {
  const tree = new Tree({
    a: { run: '#!/bin/sh\necho "hello"\necho "héllo ✓"\necho "oops" >&2\nhead -c 40000 /dev/zero | tr "\\000" y\necho\nexec sleep 1000\n' },
  });
  t.after(() => tree.cleanup());
  const run = start(['--log-format', 'json', '--dir', tree.sv]);
  t.after(() => stopTree(run.child, 15_000));
  await waitFor(() => run.out.length >= 5, 15_000, `the lines (${run.out.length})`);
  run.child.kill('SIGTERM');
  assert.equal(await exitOf(run), 0);
  const out = run.out.map((l) => JSON.parse(l) as Record<string, unknown>);
  const err = run.err.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(out[0] && { ...out[0], time: 'T' }, { time: 'T', source: 'service', service: 'a', stream: 'stdout', line: 'hello' });
  assert.match(String(out[0]?.['time']), /^\d{4}-\d\d-\d\dT/);
  assert.equal(out[1]?.['line'], 'héllo ✓', 'UTF-8 as characters');
  const long = out.slice(2).filter((o) => o['service'] === 'a');
  assert.equal(long.map((o) => String(o['line'])).join(''), 'y'.repeat(40_000), 'the long line, whole once joined');
  assert.deepEqual(long.map((o) => o['partial'] === true), [true, true, false]);
  assert.ok(err.some((o) => o['source'] === 'service' && o['stream'] === 'stderr' && o['line'] === 'oops'));
  assert.ok(err.some((o) => o['source'] === 'svinit' && o['level'] === 'report' && /stopped/.test(String(o['line']))), 'the report too');
});

test('--log-prefix: the last line a service writes while it stops is out before svinit exits', { timeout: 60_000 }, async (t) => {
  const tree = new Tree({ a: { run: `#!/bin/sh\ntrap 'echo "last words, é ✓"; exit 0' TERM\necho ready > $M/a.ready\n${idleLoop('a')}\n` } });
  t.after(() => tree.cleanup());
  for (let i = 0; i < 3; i++) {
    rmSync(tree.marker('a.ready'), { force: true });
    const run = start(['--log-prefix', '--dir', tree.sv]);
    t.after(() => stopTree(run.child, 15_000));
    await waitFor(() => tree.has('a.ready'), 15_000, 'ready');
    run.child.kill('SIGTERM');
    assert.equal(await exitOf(run), 0);
    assert.ok(run.out.includes('a | last words, é ✓'), `run ${i}: ${JSON.stringify(run.out)}`);
  }
});

test('a slow reader (10 KB/s for 60 s) of --log-prefix output: svinit\'s memory stays bounded and the service\'s writes block', { timeout: 120_000 }, async (t) => {
  const tree = new Tree({ fast: { run: '#!/bin/sh\necho $$ > $M/fast.pid\nexec yes "a line of about forty bytes from yes, again"\n' } });
  const child = track(spawn(BIN, ['--log-prefix', '--dir', tree.sv], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, SVINIT_NODE: process.execPath } }));
  // svinit first, then its directory: the tree goes only once nothing writes into it.
  t.after(async () => { child.stdout.resume(); await stopTree(child, 15_000); tree.cleanup(); });
  const stdout = child.stdout;
  stdout.pause();
  await waitFor(() => tree.has('fast.pid') && tree.read('fast.pid') !== '', 15_000, 'the service runs');
  const yes = Number(tree.read('fast.pid'));
  const rss = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid ?? 0}/status`, 'utf8'))?.[1] ?? 0);
  const written = (): number => Number(/^wchar: (\d+)$/m.exec(readFileSync(`/proc/${yes}/io`, 'utf8'))?.[1] ?? 0);
  let read = 0;
  const samples: number[] = [];
  const t0 = Date.now();
  while (Date.now() - t0 < 60_000) {
    await new Promise((r) => setTimeout(r, 1000));
    let chunk: Buffer | null;
    let got = 0;
    while (got < 10_240 && (chunk = stdout.read() as Buffer | null) !== null) {
      got += chunk.length;
      if (got > 10_240) stdout.unshift(chunk.subarray(chunk.length - (got - 10_240)));
    }
    read += Math.min(got, 10_240);
    samples.push(rss());
  }
  const ahead = written() - read;
  t.diagnostic(`slow reader: read ${read} bytes in 60 s; the service wrote ${written()} (${ahead} ahead); svinit's RSS ${samples[0]}-${Math.max(...samples)} kB`);
  assert.ok(read > 300_000, `the reader got its 10 KB/s (${read})`);
  assert.ok(ahead < 4 * 1024 * 1024, `the service's writes blocked: it is only ${ahead} bytes ahead of the reader`);
  assert.ok(Math.max(...samples) - (samples[0] ?? 0) < 16 * 1024, `svinit's RSS bounded: ${samples.join(',')} kB`);
  child.kill('SIGTERM');
  stdout.resume();
});
