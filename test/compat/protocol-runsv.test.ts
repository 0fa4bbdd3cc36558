// The protocol layer against the real runit: our client drives Debian's runsv, and Debian's sv
// reads and drives supervise/ directories written by our supervise-writer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, probeService, readStatus, sendControl } from '../../src/protocol/client.js';
import { encodeStatus, pidText, statText } from '../../src/protocol/status-file.js';
import type { SuperviseStatus } from '../../src/protocol/status-file.js';
import type { LogView } from '../../src/protocol/sv-format.js';
import { statusOutput } from '../../src/protocol/sv-format.js';
import { stopTree, track } from '../helpers/teardown.js';
import { haveExecutable, removeDir, tempDir, waitFor } from './protocol-fixtures.js';

const RUNSV = '/usr/bin/runsv';
const skip = haveExecutable(RUNSV) ? false : `${RUNSV} is not installed (Debian package runit)`;

const RUN_SCRIPT = `#!/bin/sh
exec 2>&1
trap 'echo "term $$" >> term-marker; kill "$child" 2>/dev/null; exit 0' TERM
sleep 1000 </dev/null >/dev/null 2>&1 &
child=$!
echo "$child" >> children
echo "ready $$"
echo "$$" > ready.new && mv ready.new ready
wait "$child"
`;

const LOG_SCRIPT = `#!/bin/sh
echo "$$" > ../log-ready.new && mv ../log-ready.new ../log-ready
exec cat >> ../logged
`;

/** A timer that does not keep the test process alive once the test is over. */
function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

function readInt(path: string): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function statusOf(dir: string): SuperviseStatus | undefined {
  const r = readStatus(dir);
  return r.kind === 'ok' ? r.status : undefined;
}

function killQuietly(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Every candidate `sv status` output for the given probes, one per second sv may have seen. */
function expectedOutputs(name: string, main: SuperviseStatus, log: LogView, fromMs: number, toMs: number): string[] {
  const out: string[] = [];
  for (let s = Math.floor(fromMs / 1000); s <= Math.floor(toMs / 1000); s++) out.push(statusOutput(name, { status: main, downExists: false }, log, s * 1000));
  return out;
}

async function runCapture(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
  return { stdout, stderr, code };
}

test('our client reads and drives a real runsv (with a log service)', { skip, timeout: 120_000 }, async (t) => {
  const root = tempDir('runsv');
  const svc = join(root, 'svc');
  mkdirSync(join(svc, 'log'), { recursive: true });
  writeFileSync(join(svc, 'run'), RUN_SCRIPT, { mode: 0o755 });
  writeFileSync(join(svc, 'log', 'run'), LOG_SCRIPT, { mode: 0o755 });

  const runsv: ChildProcess = track(spawn(RUNSV, ['svc'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] }));
  let runsvErr = '';
  runsv.stderr?.on('data', (d: Buffer) => (runsvErr += d.toString()));
  const exited = new Promise<number | null>((res) => runsv.on('exit', (code) => res(code)));
  t.after(async () => {
    await stopTree(runsv, 10_000); // runsv, its services, the log service and the run script's child
    removeDir(root);
  });

  // Up: status shows the run script's own pid, state run, want up.
  const pid1 = await waitFor('the run script to be ready', () => readInt(join(svc, 'ready')));
  const up = await waitFor('runsv to report the run script', () => {
    const s = statusOf(svc);
    return s?.pid === pid1 && s.state === 'run' ? s : undefined;
  });
  assert.deepEqual(isAlive(svc), { kind: 'alive' });
  assert.equal(up.want, 'u');
  assert.equal(up.paused, false);
  assert.equal(up.gotTerm, false);
  assert.ok(Math.abs(up.seconds - Date.now() / 1000) < 60, `timestamp ${up.seconds} is near now`);
  assert.equal(up.nanos % 1000, 500, 'runsv nanoseconds are 1000*usec + 500');
  // Our encoder reproduces runsv's bytes, and our stat/pid texts match its files.
  assert.equal(encodeStatus(up).toString('hex'), readFileSync(join(svc, 'supervise', 'status')).toString('hex'));
  assert.equal(readFileSync(join(svc, 'supervise', 'stat'), 'utf8'), statText({ ...up, want: 'up' }));
  assert.equal(readFileSync(join(svc, 'supervise', 'pid'), 'utf8'), pidText(pid1));

  // The log service: its own supervise/ and pid, and it received the run script's stdout.
  const logPid = await waitFor('the log service to be ready', () => readInt(join(svc, 'log-ready')));
  const logSt = await waitFor('the log status', () => {
    const s = statusOf(join(svc, 'log'));
    return s?.pid === logPid && s.state === 'run' ? s : undefined;
  });
  assert.equal(logSt.want, 'u');
  assert.deepEqual(isAlive(join(svc, 'log')), { kind: 'alive' });
  await waitFor('the ready line in the log', () => existsSync(join(svc, 'logged')) && readFileSync(join(svc, 'logged'), 'utf8').includes(`ready ${pid1}`));

  // Real `sv status` prints what our formatter prints for the same status files.
  if (haveExecutable('/usr/bin/sv')) {
    const main = probeService(svc);
    const log = probeService(join(svc, 'log'));
    assert.ok(main.kind === 'ok' && log.kind === 'ok');
    const before = Date.now();
    const r = await runCapture('/usr/bin/sv', ['status', 'svc'], { ...process.env, SVDIR: root }, root);
    const after = Date.now();
    assert.equal(r.code, 0, r.stderr);
    assert.ok(expectedOutputs('svc', main.status, { kind: 'ok', status: log.status, downExists: false }, before, after).includes(r.stdout), r.stdout);
  }

  // Pause and continue.
  assert.deepEqual(sendControl(svc, 'p'), { kind: 'sent', written: 1 });
  await waitFor('paused', () => statusOf(svc)?.paused === true);
  assert.equal(readFileSync(join(svc, 'supervise', 'stat'), 'utf8'), 'run, paused\n');
  assert.deepEqual(sendControl(svc, 'c'), { kind: 'sent', written: 1 });
  await waitFor('continued', () => statusOf(svc)?.paused === false);

  // Down: TERM reaches the run script (its trap writes the marker), status down, pid 0.
  assert.deepEqual(sendControl(svc, 'd'), { kind: 'sent', written: 1 });
  const down = await waitFor('the service to go down', () => {
    const s = statusOf(svc);
    return s?.state === 'down' ? s : undefined;
  });
  assert.equal(down.pid, 0);
  assert.equal(down.want, 'd');
  assert.equal(down.gotTerm, false);
  assert.equal(readFileSync(join(svc, 'term-marker'), 'utf8'), `term ${pid1}\n`);
  assert.equal(readFileSync(join(svc, 'supervise', 'stat'), 'utf8'), 'down\n');
  assert.equal(readFileSync(join(svc, 'supervise', 'pid'), 'utf8'), '');

  // Up again: a new run script, new pid, state run.
  assert.deepEqual(sendControl(svc, 'u'), { kind: 'sent', written: 1 });
  const pid2 = await waitFor('a new run script', () => {
    const p = readInt(join(svc, 'ready'));
    return p !== undefined && p !== pid1 ? p : undefined;
  });
  const up2 = await waitFor('runsv to report the new pid', () => {
    const s = statusOf(svc);
    return s?.pid === pid2 && s.state === 'run' ? s : undefined;
  });
  assert.equal(up2.want, 'u');
  assert.ok(up2.seconds >= down.seconds);

  // SIGTERM to runsv = exit: the service is stopped, the log sees EOF, runsv exits 0.
  killQuietly(runsv.pid, 'SIGTERM');
  const code = await Promise.race([exited, delay(30_000).then(() => 'hung' as const)]);
  assert.equal(code, 0, `runsv exit (stderr: ${runsvErr})`);
  assert.equal(readFileSync(join(svc, 'term-marker'), 'utf8'), `term ${pid1}\nterm ${pid2}\n`);
  const dead = isAlive(svc);
  assert.equal(dead.kind, 'not-running');
  if (dead.kind === 'not-running') assert.equal(dead.code, 'ENXIO');
  assert.equal(isAlive(join(svc, 'log')).kind, 'not-running');
  assert.equal(sendControl(svc, 'u').kind, 'not-running');
  assert.equal(probeService(svc).kind, 'not-running');
  assert.equal(runsvErr, '');
});
