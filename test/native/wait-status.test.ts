// Exact wait statuses of real children, decoded: exits, signals, and the core-dump flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, readFileSync, readdirSync } from 'node:fs';
import { spawn } from '../../src/process/spawn.js';
import { kill, pipeCloexec, waitpid } from '../../src/native/native.js';
import { decodeStatus, describeStatus, finishArgs, shellCode } from '../../src/process/exit-status.js';
import { procFixture, scratchDir } from '../helpers/fixtures.js';
import { LineReader } from '../helpers/lines.js';
import { zombiesOf } from '../helpers/proc.js';

function run(args: string[], cwd?: string): number {
  const fixture = procFixture();
  const pid = spawn({ file: fixture, argv: [fixture, ...args], stdio: ['null', 'null', 'inherit'], ...(cwd === undefined ? {} : { cwd }) });
  return (waitpid(pid, false) as { status: number }).status;
}

test('exit codes 0, 3 and 255 come back exactly', () => {
  for (const code of [0, 3, 255]) {
    const raw = run(['exit', String(code)]);
    const status = decodeStatus(raw);
    assert.deepEqual(status, { kind: 'exited', code });
    assert.deepEqual(finishArgs(raw), [String(code), '0']);
    assert.equal(shellCode(status), code);
  }
  assert.deepEqual(zombiesOf(process.pid), []);
});

test('deaths by TERM and KILL come back with their signal', async () => {
  for (const [sig, name] of [[15, 'SIGTERM'], [9, 'SIGKILL']] as const) {
    const fixture = procFixture();
    const [outR, outW] = pipeCloexec();
    const [inR, inW] = pipeCloexec();
    const pid = spawn({ file: fixture, argv: [fixture, 'hold'], stdio: [inR, outW, 'inherit'] });
    closeSync(outW);
    closeSync(inR);
    const reader = new LineReader(outR);
    assert.equal(await reader.next(), `ready ${pid}`);
    assert.equal(kill(pid, sig), true);
    const raw = (waitpid(pid, false) as { status: number }).status;
    const status = decodeStatus(raw);
    reader.close();
    closeSync(inW);
    assert.deepEqual(status, { kind: 'signaled', signal: sig, core: false });
    assert.deepEqual(finishArgs(raw), ['-1', String(sig)]);
    assert.equal(shellCode(status), 128 + sig);
    assert.equal(describeStatus(status), `killed by ${name}`);
    assert.equal(kill(pid, 0), false, 'a reaped pid is gone (ESRCH)');
  }
});

test('SIGSEGV with a core dump sets the core flag', (t) => {
  const dir = scratchDir();
  const raw = run(['segv'], dir);
  const status = decodeStatus(raw);
  assert.equal(status.kind, 'signaled');
  assert.equal(status.kind === 'signaled' && status.signal, 11);
  const pattern = readFileSync('/proc/sys/kernel/core_pattern', 'utf8').trim();
  if (status.kind === 'signaled' && !status.core) {
    // The fixture raised RLIMIT_CORE to its hard limit; a hard limit of 0 or a core_pattern the
    // kernel cannot write here prevents a dump, and that is the machine, not svinit.
    t.skip(`no core was produced (core_pattern '${pattern}', RLIMIT_CORE hard limit of this process may be 0)`);
    return;
  }
  assert.deepEqual(status, { kind: 'signaled', signal: 11, core: true });
  assert.deepEqual(finishArgs(raw), ['-1', String(11 + 128)]);
  assert.equal(raw & 0xff, 11 + 128);
  assert.equal(describeStatus(status), 'killed by SIGSEGV (core dumped)');
  if (!pattern.startsWith('|')) {
    assert.ok(readdirSync(dir).some((f) => f.startsWith('core')), `a core file in ${dir}`);
  }
});
