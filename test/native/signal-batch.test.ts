// SignalBatch: everything queued goes out in one native call, every SIGCONT after the other signals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, readFileSync } from 'node:fs';
import { pipeCloexec, waitpid } from '../../src/native/native.js';
import { SignalBatch } from '../../src/process/signal-batch.js';
import { SIG } from '../../src/process/signals.js';
import { spawn } from '../../src/process/spawn.js';
import { procFixture } from '../helpers/fixtures.js';

/** The state letter of /proc/PID/stat (S sleeping, T stopped, Z zombie). */
function stateOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

test('SignalBatch sends the CONTs last, counts what was delivered and empties itself', async () => {
  const fixture = procFixture();
  const [inR, inW] = pipeCloexec();
  const pid = spawn({ file: fixture, argv: [fixture, 'hold'], stdio: [inR, 'null', 'inherit'], pgroup: 0 });
  closeSync(inR);
  try {
    const batch = new SignalBatch();
    // Added CONT first: sent after the STOP, so the process ends up running.
    batch.add(pid, SIG.CONT, false);
    batch.add(pid, SIG.STOP, true);
    assert.equal(batch.size, 2);
    assert.equal(batch.send(), 2);
    assert.equal(batch.size, 0);
    assert.equal(batch.send(), 0);
    for (let i = 0; i < 50 && stateOf(pid) === 'T'; i++) await new Promise((r) => setTimeout(r, 10));
    assert.notEqual(stateOf(pid), 'T');
    batch.add(pid, SIG.KILL, false);
    assert.equal(batch.send(), 1);
    assert.equal(waitpid(pid, false)?.status, SIG.KILL);
    batch.add(pid, SIG.TERM, false);
    assert.equal(batch.send(), 0); // gone: ESRCH is not an error
  } finally {
    closeSync(inW);
  }
});
