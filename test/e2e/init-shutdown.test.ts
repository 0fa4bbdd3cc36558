// svinit's shutdown, end to end, for both engines, as a subreaper and as PID 1: two services
// that need 300 ms of cleanup both finish it and svinit exits right after; a TERM-ignoring
// service is SIGKILLed at the grace deadline (or its own timeout-kill) with exit 102; the report.
// Upper bounds on durations are at least 5x what they measure and far from the alternative they
// rule out (the grace deadline); how fast it really is belongs to the bench.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HAVE_RUNIT, Init, PID1_SKIP, Tree, ignoreRun, trapRun, waitFor } from './init-harness.js';

/** The default grace (7 s): an exit well before it was not held up to the deadline. */
const GRACE_MS = 7000;

interface Mode {
  readonly label: string;
  readonly engine: 'builtin' | 'runit';
  readonly pid1: boolean;
  readonly skip: string | false;
}

const MODES: Mode[] = [];
for (const engine of ['builtin', 'runit'] as const) {
  for (const pid1 of [false, true]) {
    const skip = engine === 'runit' && !HAVE_RUNIT ? 'runit is not installed' : pid1 ? PID1_SKIP : false;
    MODES.push({ label: `${engine}, ${pid1 ? 'PID 1' : 'subreaper'}`, engine, pid1, skip });
  }
}

for (const mode of MODES) {
  test(`two 300 ms cleanups complete and svinit exits 0 right after (${mode.label})`, { skip: mode.skip, timeout: 60_000 }, async (t) => {
    const tree = new Tree({ a: { run: trapRun('a') }, b: { run: trapRun('b') } });
    const init = new Init(['--dir', tree.sv, '--engine', mode.engine], { pid1: mode.pid1 });
    t.after(() => { init.kill(); tree.cleanup(); });
    const startMs = await waitFor(() => tree.has('a.ready') && tree.has('b.ready'), 15_000, 'both services ready');
    const sent = await init.signal('SIGTERM');
    const { code, at } = await init.exit();
    const stopMs = Math.round(at - sent);
    t.diagnostic(`start-up until both ready: ${Math.round(startMs)} ms; SIGTERM to exit: ${stopMs} ms`);
    assert.equal(code, 0, init.stderr);
    assert.ok(tree.has('a.clean') && tree.has('b.clean'), `both cleanups completed\n${init.stderr}`);
    assert.ok(stopMs >= 300, `the cleanup was waited for (${stopMs} ms)`);
    // 5x the 300 ms cleanup, and still far from the 7 s grace deadline it must not wait for.
    assert.ok(stopMs < 5 * 300, `exit soon after the cleanups, not at the ${GRACE_MS} ms deadline: took ${stopMs} ms\n${init.stderr}`);
    const lines = init.reportLines();
    for (const name of ['a', 'b']) {
      const line = lines.find((l) => l.startsWith(`svinit: shutdown: ${name}: `));
      assert.ok(line !== undefined, `report line for ${name}:\n${init.stderr}`);
      assert.match(line, /sent SIGTERM, gone after \d+ ms/, init.stderr);
      assert.doesNotMatch(line, /SIGKILLed/, init.stderr);
      if (mode.engine === 'builtin') assert.match(line, /exited 0/, init.stderr);
    }
    assert.match(lines.at(-1) ?? '', /2 service\(s\) stopped in \d+ ms \(grace 7000 ms\), 0 SIGKILLed.*exit 0$/);
  });

  test(`a TERM-ignoring service is SIGKILLed at the grace deadline, exit 102 (${mode.label})`, { skip: mode.skip, timeout: 60_000 }, async (t) => {
    const tree = new Tree({ good: { run: trapRun('good', '0.1') }, stubborn: { run: ignoreRun('stubborn') } });
    const init = new Init(['--dir', tree.sv, '--engine', mode.engine, '--grace', '1.5', '--report', 'json'], { pid1: mode.pid1 });
    t.after(() => { init.kill(); tree.cleanup(); });
    await waitFor(() => tree.has('good.ready') && tree.has('stubborn.ready'), 15_000, 'both services ready');
    const sent = await init.signal('SIGTERM');
    const { code, at } = await init.exit();
    const stopMs = Math.round(at - sent);
    t.diagnostic(`grace 1500 ms; SIGTERM to exit: ${stopMs} ms`);
    assert.equal(code, 102, init.stderr);
    assert.ok(tree.has('good.clean'), 'the other service still stopped gracefully');
    assert.ok(stopMs >= 1400, `the deadline was waited for (${stopMs} ms)`);
    assert.ok(stopMs < 5 * 1500, `exit soon after the deadline, not hung (${stopMs} ms)`);
    const json = JSON.parse(init.stderr.trim().split('\n').at(-1) ?? '{}') as {
      svinit: string; exitCode: number; graceMs: number; services: Array<{ name: string; killed: boolean; signal: string; ms: number }>;
    };
    assert.equal(json.svinit, 'shutdown');
    assert.equal(json.exitCode, 102);
    assert.equal(json.graceMs, 1500);
    const stubborn = json.services.find((s) => s.name === 'stubborn');
    const good = json.services.find((s) => s.name === 'good');
    assert.equal(stubborn?.killed, true, init.stderr);
    assert.equal(stubborn?.signal, 'SIGTERM', init.stderr);
    assert.equal(good?.killed, false, init.stderr);
    assert.ok((good?.ms ?? 0) < 1000, `good stopped early (${good?.ms} ms)`);
  });
}

test('a shorter timeout-kill SIGKILLs before the grace deadline (builtin)', { timeout: 60_000 }, async (t) => {
  // timeout-kill 400 ms, deadline 10 s: a bound of 5 x 400 ms is still 5x short of the deadline.
  const tree = new Tree({ stubborn: { run: ignoreRun('stubborn'), 'timeout-kill': ['400\n', 0o644] } });
  const init = new Init(['--dir', tree.sv, '--grace', '10']);
  t.after(() => { init.kill(); tree.cleanup(); });
  await waitFor(() => tree.has('stubborn.ready'), 15_000, 'ready');
  const sent = await init.signal('SIGTERM');
  const { code, at } = await init.exit();
  const stopMs = Math.round(at - sent);
  t.diagnostic(`timeout-kill 400 ms, grace 10000 ms: exit after ${stopMs} ms`);
  assert.equal(code, 102, init.stderr);
  assert.ok(stopMs >= 350, `the timeout-kill was waited for (${stopMs} ms)`);
  assert.ok(stopMs < 5 * 400, `killed at its timeout-kill, not at the deadline (${stopMs} ms)\n${init.stderr}`);
  assert.match(init.reportLines().join('\n'), /stubborn: sent SIGTERM, gone after \d+ ms, killed by SIGKILL, SIGKILLed/);
});

test('a second SIGTERM during the shutdown jumps to SIGKILL', { timeout: 60_000 }, async (t) => {
  const tree = new Tree({ stubborn: { run: ignoreRun('stubborn') } });
  const init = new Init(['--dir', tree.sv, '--grace', '20']);
  t.after(() => { init.kill(); tree.cleanup(); });
  await waitFor(() => tree.has('stubborn.ready'), 15_000, 'ready');
  await init.signal('SIGTERM');
  await waitFor(() => init.stderr.includes('stopping every service'), 5000, 'shutdown started');
  const second = await init.signal('SIGTERM');
  const { code, at } = await init.exit();
  t.diagnostic(`second SIGTERM to exit: ${Math.round(at - second)} ms`);
  assert.equal(code, 102, init.stderr);
  // The deadline is 20 s away: 4 s is 5x short of it and far above the tens of ms it takes.
  assert.ok(at - second < 4000, `exit soon after the second SIGTERM, not at the deadline (${Math.round(at - second)} ms)`);
});
