// Scenario tests of stopping: the kill and finish timeouts, k in run and in finish, x and done,
// shutdown, and the log service variant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overrideFor } from '../../src/supervise/fsm.js';
import { Sim, ofType, statText } from './fsm-harness.js';

const EXIT = (code: number): number => code << 8;

test('fsm: the kill timer escalates to SIGKILL on the process group, and is cancelled by an exit', () => {
  const sim = new Sim({ config: { timeoutKillMs: 2000 } });
  sim.kick();
  sim.advance(5000);
  sim.control('d');
  sim.advance(1999);
  assert.deepEqual(ofType(sim.effects, 'signal').map((e) => [e.sig, e.target]), [[15, 'pid'], [18, 'pid']]);
  sim.advance(1);
  const sigs = ofType(sim.effects, 'signal');
  assert.deepEqual(sigs.at(-1), { type: 'signal', sig: 9, pid: 1000, target: 'group' });
  assert.match(ofType(sim.effects, 'log')[0]!.message, /^unable to stop \.\/run \(pid 1000\) with signal 15 within 2000 ms/);
  sim.exit(9);
  assert.equal(sim.s.state, 'down');
  // Second round: the child obeys the down signal in time, the timer is cancelled.
  sim.control('u');
  sim.advance(1000);
  sim.control('t');
  assert.ok(sim.timers.has('kill'));
  sim.exit(15);
  assert.ok(!sim.timers.has('kill'));
  assert.deepEqual(ofType(sim.effects, 'cancelTimer').map((e) => e.name), ['kill']);
});

test('fsm: a hanging ./finish is killed after timeoutFinishMs, then the service restarts', () => {
  const sim = new Sim({ hasFinish: true, config: { timeoutFinishMs: 3000 } });
  sim.kick();
  sim.advance(5000);
  sim.exit(EXIT(1));
  assert.equal(sim.s.state, 'finish');
  sim.advance(2999);
  assert.equal(ofType(sim.effects, 'signal').length, 0);
  sim.advance(1);
  assert.deepEqual(ofType(sim.effects, 'signal'), [{ type: 'signal', sig: 9, pid: 1001, target: 'group' }]);
  assert.match(ofType(sim.effects, 'log')[0]!.message, /^unable to wait for \.\/finish \(pid 1001\): still running after 3000 ms/);
  sim.exit(9);
  assert.equal(sim.s.state, 'run', 'want up: ./run restarted at once (more than 1 s since its start)');
  assert.deepEqual(sim.spawns.map((sp) => sp.what), ['run', 'finish', 'run']);
});

test('fsm: k during finish kills its group and does not run ./finish again', () => {
  const sim = new Sim({ hasFinish: true });
  sim.kick();
  sim.advance(2000);
  sim.control('d');
  sim.exit(15);
  sim.control('k');
  assert.deepEqual(ofType(sim.effects, 'signal').at(-1), { type: 'signal', sig: 9, pid: 1001, target: 'group' });
  sim.exit(9);
  assert.equal(sim.s.state, 'down');
  sim.advance(10_000);
  assert.deepEqual(sim.spawns.map((sp) => sp.what), ['run', 'finish']);
});

test('fsm: k on a running service keeps it in run until reaped, then finishes normally', () => {
  const sim = new Sim({ hasFinish: true });
  sim.kick();
  sim.advance(2000);
  sim.control('k');
  assert.equal(sim.s.state, 'run');
  sim.control('u');
  assert.equal(sim.spawns.length, 1, 'u before the reap starts no second ./run (runit would)');
  sim.exit(9);
  assert.deepEqual(sim.spawns.at(-1), { atUs: sim.now, what: 'finish', args: ['-1', '9'], pid: 1001 });
});

test('fsm: x stops the service, runs control/x, waits for finish, then is done', () => {
  const sim = new Sim({ hasFinish: true });
  sim.kick();
  sim.advance(2000);
  const r = sim.control('x');
  assert.deepEqual(r.effects.map((e) => e.type), ['writeStatus', 'signal', 'signal', 'runOverride']);
  sim.exit(15);
  assert.equal(sim.doneCount, 0);
  sim.exit(EXIT(0));
  assert.equal(sim.doneCount, 1);
  assert.equal(statText(sim.statuses.at(-1)!), 'down');
  assert.equal(sim.statuses.at(-1)!.want, 'exit');
  assert.equal(sim.spawns.length, 2);
});

test('fsm: u after x cancels the exit (runit), but nothing restarts after shutdown', () => {
  const sim = new Sim();
  sim.kick();
  sim.advance(2000);
  sim.control('x');
  sim.control('u');
  sim.exit(15);
  assert.equal(sim.doneCount, 0);
  assert.equal(sim.s.state, 'run');
  sim.advance(2000);
  sim.feed({ type: 'shutdown', handled: false });
  sim.control('u');
  sim.control('o');
  sim.control('d');
  assert.equal(sim.s.want, 'exit');
  sim.exit(15);
  assert.equal(sim.doneCount, 1);
  sim.control('u');
  assert.equal(sim.spawns.length, 2);
});

test('fsm: shutdown during the throttle ends supervision at once', () => {
  const sim = new Sim();
  sim.kick();
  sim.exit(EXIT(1));
  assert.ok(sim.timers.has('throttle'));
  sim.feed({ type: 'shutdown', handled: false });
  assert.equal(sim.timers.size, 0);
  assert.equal(sim.doneCount, 1);
});

test('fsm: the log service ignores x, never runs finish or control/u, and stops on shutdown without a signal', () => {
  const sim = new Sim({ isLog: true, hasFinish: true });
  sim.kick();
  assert.deepEqual(ofType(sim.effects, 'spawn')[0], { type: 'spawn', what: 'run', controlU: false });
  assert.equal(overrideFor(sim.s, 'h'), null);
  sim.advance(2000);
  assert.deepEqual(sim.control('x').effects, []);
  sim.exit(EXIT(0));
  assert.deepEqual(sim.statuses.slice(-2).map(statText), ['down', 'run'], 'no finish; restarted at once (started 2 s ago)');
  assert.deepEqual(sim.spawns.map((sp) => sp.what), ['run', 'run']);
  sim.advance(2000);
  const r = sim.feed({ type: 'shutdown', handled: false });
  assert.deepEqual(r.effects.map((e) => e.type), ['writeStatus']);
  sim.control('t');
  assert.deepEqual(ofType(sim.effects, 'signal').map((e) => e.sig), [15, 18]);
  assert.equal(ofType(sim.effects, 'runOverride').length, 0);
  sim.exit(15);
  assert.equal(sim.doneCount, 1);
});

