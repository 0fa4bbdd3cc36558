// Scenario tests of the supervision machine through a simulated effects layer: crash loops and
// the throttle, once, the down file, finish arguments, status writes, spawn failures, overrides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overrideFor } from '../../src/supervise/fsm.js';
import { Sim, T0, ofType, statText } from './fsm-harness.js';

const EXIT = (code: number): number => code << 8;

test('fsm: a crash-looping ./run starts at most once a second, on the second', () => {
  const sim = new Sim();
  sim.kick();
  for (let i = 0; i < 5; i++) {
    sim.advance(10);
    sim.exit(EXIT(1));
    assert.equal(sim.s.state, 'down');
    assert.equal(sim.s.throttled, true);
    sim.advanceTo(sim.timers.get('throttle')!);
    assert.equal(sim.s.state, 'run');
  }
  const starts = sim.spawns.map((sp) => sp.atUs - T0);
  assert.deepEqual(starts, [0, 1_000_000, 2_000_000, 3_000_000, 4_000_000, 5_000_000]);
  const arms = ofType(sim.effects, 'armTimer').map((e) => e.ms);
  assert.deepEqual(arms, [990, 990, 990, 990, 990]);
});

test('fsm: with ./finish the throttle counts from the start of ./run, and commands work meanwhile', () => {
  const sim = new Sim({ hasFinish: true });
  sim.kick();
  sim.advance(8);
  sim.exit(EXIT(3));
  assert.deepEqual(sim.spawns[1], { atUs: T0 + 8000, what: 'finish', args: ['3', '0'], pid: 1001 });
  sim.advance(10);
  sim.exit(EXIT(0));
  assert.deepEqual(ofType(sim.effects, 'armTimer').at(-1), { type: 'armTimer', name: 'throttle', ms: 982 });
  // A command during the throttle is applied at once (runit would apply it after its sleep).
  sim.advance(100);
  const before = sim.statuses.length;
  sim.control('p');
  assert.equal(sim.statuses.length, before + 1);
  assert.equal(statText(sim.statuses.at(-1)!), 'down, paused');
  // d cancels the pending restart: nothing more starts.
  sim.control('d');
  assert.equal(sim.timers.size, 0);
  sim.advance(5000);
  assert.equal(sim.spawns.length, 2);
  assert.equal(sim.s.state, 'down');
});

test('fsm: once runs ./run one time and leaves it down; u while throttled keeps one start', () => {
  const sim = new Sim({ downFile: true });
  assert.deepEqual(sim.kick().effects, []);
  sim.control('o');
  assert.equal(sim.s.state, 'run');
  assert.equal(sim.s.want, 'down');
  sim.advance(50);
  sim.exit(EXIT(0));
  assert.equal(sim.s.state, 'down');
  assert.equal(sim.timers.size, 0, 'want down: no restart scheduled');
  sim.control('u');
  assert.equal(sim.s.throttled, true, 'u within 1 s of the last start waits for the throttle');
  sim.control('u');
  sim.advance(2000);
  assert.deepEqual(sim.spawns.map((sp) => sp.atUs - T0), [0, 1_000_000]);
  assert.equal(sim.s.state, 'run');
});

test('fsm: a down file keeps the service down until u', () => {
  const sim = new Sim({ downFile: true });
  assert.equal(sim.s.want, 'down');
  assert.deepEqual(sim.kick().effects, []);
  sim.advance(10_000);
  assert.equal(sim.spawns.length, 0);
  sim.control('u');
  assert.deepEqual(sim.spawns.map((sp) => sp.what), ['run']);
  assert.equal(statText(sim.statuses.at(-1)!), 'run');
  assert.equal(sim.statuses.at(-1)!.stampUs, sim.now);
});

test('fsm: finish arguments for exit 3, SIGTERM and SIGSEGV with core', () => {
  for (const [status, args] of [[EXIT(3), ['3', '0']], [15, ['-1', '15']], [0x8b, ['-1', '139']]] as const) {
    const sim = new Sim({ hasFinish: true });
    sim.kick();
    sim.advance(5000);
    sim.exit(status);
    assert.deepEqual(sim.spawns.at(-1)?.args, args);
    assert.equal(sim.s.lastStatus, status);
  }
});

test('fsm: the status writes follow runit through d, finish and down', () => {
  const sim = new Sim({ hasFinish: true });
  sim.kick();
  const started = sim.now;
  sim.advance(3000);
  sim.control('d');
  sim.exit(15);
  assert.equal(sim.s.state, 'finish');
  assert.equal(sim.s.stampUs, started, 'entering finish keeps the stamp');
  sim.advance(20);
  sim.exit(EXIT(0));
  assert.deepEqual(sim.statuses.map(statText), ['run', 'run, got TERM, want down', 'finish, want down', 'down']);
  assert.deepEqual(sim.statuses.map((st) => st.pid), [1000, 1000, 1001, 0]);
  assert.equal(sim.statuses.at(-1)!.stampUs, sim.now);
  assert.deepEqual(sim.spawns[1]?.args, ['-1', '15']);
});

test('fsm: a failing exec is logged once per reason and retried once a second', () => {
  const sim = new Sim();
  let reason = 'ENOENT';
  sim.policy = (what) => (reason === 'ok' ? { pid: 4000 + sim.spawns.length } : { code: reason, errno: what === 'run' ? 2 : 13 });
  sim.kick();
  sim.advance(2500);
  reason = 'EACCES';
  sim.advance(2000);
  reason = 'ok';
  sim.advance(1000);
  sim.exit(EXIT(1));
  reason = 'ENOENT';
  sim.advance(3000);
  const logs = ofType(sim.effects, 'log').map((e) => e.message);
  assert.deepEqual(logs, [
    'unable to start ./run: ENOENT (retrying at most once a second)',
    'unable to start ./run: EACCES (retrying at most once a second)',
    'unable to start ./run: ENOENT (retrying at most once a second)',
  ]);
  const times = sim.spawns.map((sp) => (sp.atUs - T0) / 1000);
  assert.deepEqual(times, [0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000]);
  assert.equal(sim.spawns[5]?.pid, 4005);
  assert.equal(sim.s.lastStatus, EXIT(111));
});

test('fsm: a failing ./run hands "111 0" to ./finish', () => {
  const sim = new Sim({ hasFinish: true });
  sim.policy = (what) => (what === 'run' ? { code: 'ENOENT', errno: 2 } : { pid: 77 });
  sim.kick();
  assert.deepEqual(sim.spawns.map((sp) => [sp.what, sp.args]), [['run', []], ['finish', ['111', '0']]]);
  assert.equal(statText(sim.statuses.at(-1)!), 'finish');
  sim.exit(EXIT(0));
  assert.equal(sim.s.throttled, true);
});

test('fsm: overrideFor names control/<x> only for a main service in state run', () => {
  const run = { state: 'run', isLog: false } as const;
  assert.deepEqual([...'kpchaiq12'].map((c) => overrideFor(run, c)), [...'kpchaiq12']);
  assert.deepEqual([...'dxt'].map((c) => overrideFor(run, c)), ['t', 't', 't']);
  assert.deepEqual([...'uo\nz'].map((c) => overrideFor(run, c)), [null, null, null, null]);
  for (const state of ['down', 'finish'] as const) {
    assert.deepEqual([...'kpchaiq12dxtuo'].map((c) => overrideFor({ state, isLog: false }, c)), Array(14).fill(null));
  }
  assert.equal(overrideFor({ state: 'run', isLog: true }, 'd'), null);
});

test('fsm: sv restart (t, c, u) on a paused service', () => {
  const sim = new Sim();
  sim.kick();
  sim.advance(3000);
  sim.control('p');
  assert.equal(statText(sim.statuses.at(-1)!), 'run, paused');
  sim.control('t');
  sim.control('c');
  sim.control('u');
  assert.deepEqual(ofType(sim.effects, 'signal').map((e) => e.sig), [19, 15, 18]);
  sim.exit(15);
  assert.equal(sim.s.state, 'run');
  assert.equal(sim.s.paused, false);
});
