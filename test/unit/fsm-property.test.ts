// Property test: long random event sequences (seeded, so a failure replays) through the simulated
// layer; after every step the machine's invariants and the layer-side rules must hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG } from '../../src/service/service-config.js';
import { CONTROL_CHARS, initialState } from '../../src/supervise/fsm.js';
import type { ServiceState, StepResult, SvEvent } from '../../src/supervise/fsm.js';
import { Sim, ofType, snap } from './fsm-harness.js';

/** mulberry32: a tiny deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function checkState(s: ServiceState, sim: Sim): void {
  const why = JSON.stringify(s);
  if (s.state === 'run') assert.ok(s.pid !== 0 && s.pending === null, `run needs a pid: ${why}`);
  if (s.state === 'down') assert.equal(s.pid, 0, `down with a pid: ${why}`);
  if (s.state === 'finish') assert.ok((s.pid !== 0) !== (s.pending === 'finish'), `finish: ${why}`);
  if (s.throttled) assert.ok(s.state === 'down' && s.pending === null, `throttled: ${why}`);
  if (s.killArmed) assert.equal(s.state, 'run', `kill timer: ${why}`);
  if (s.finishArmed) assert.ok(s.state === 'finish' && s.pid !== 0, `finish timer: ${why}`);
  if (s.state === 'failed') {
    assert.ok(s.pid === 0 && s.pending === null && !s.throttled && s.want === 'up' && !s.shutdown, `failed: ${why}`);
    assert.notEqual(s.failedReason, null, `failed without a reason: ${why}`);
  } else assert.equal(s.failedReason, null, `a reason outside failed: ${why}`);
  assert.ok(s.failures <= 64 && s.failureTimesUs.length <= 64, `failure records unbounded: ${why}`);
  if (s.gotTerm) assert.equal(s.state, 'run', `got TERM: ${why}`);
  if (s.shutdown) assert.equal(s.want, 'exit', `shutdown: ${why}`);
  assert.deepEqual(
    [...sim.timers.keys()].sort(),
    [s.throttled && 'throttle', s.killArmed && 'kill', s.finishArmed && 'finish'].filter((x) => x !== false).sort(),
    `armed timers vs flags: ${why}`,
  );
}

/** Per-step rules: one status write carrying the final state, stamps, done, spawns, failure logs. */
function stepChecker(sim: Sim) {
  let runFailure: string | null = null;
  let finishFailure: string | null = null;
  return (before: ServiceState, ev: SvEvent | null, r: StepResult): void => {
    const s = r.state;
    checkState(s, sim);
    const writes = ofType(r.effects, 'writeStatus');
    assert.ok(writes.length <= 1, 'more than one status write in a step');
    if (writes[0] !== undefined) assert.deepEqual(writes[0].status, snap(s));
    if (ofType(r.effects, 'done').length > 0) assert.ok(s.state === 'down' && s.pid === 0 && s.want === 'exit');
    if (s.stampUs !== before.stampUs) {
      assert.equal(s.stampUs, sim.now);
      assert.ok(s.state === 'down' || s.state === 'failed' || (s.state === 'run' && s.pid !== before.pid) || ev?.type === 'spawnFailed');
    }
    if (before.state === 'run' && s.state === 'finish') assert.equal(s.stampUs, before.stampUs);
    const spawns = ofType(r.effects, 'spawn');
    assert.ok(spawns.length <= 1);
    if (spawns[0]?.what === 'run') assert.ok(s.pending === 'run' && s.pid === 0 && s.state === 'down');
    if (spawns[0]?.what === 'finish') {
      assert.ok(s.pending === 'finish' && (before.state === 'run' || (ev?.type === 'spawnFailed' && before.pending === 'run')));
    }
    const failed = ofType(r.effects, 'failed');
    assert.ok(failed.length <= 1, 'failed twice in a step');
    if (failed[0] !== undefined) {
      const entered = s.state === 'failed' && before.state !== 'failed';
      const once = before.want === 'down' && (before.state === 'run' || ev?.type === 'spawnFailed') && !before.stopAsked;
      assert.ok(entered || once, `failed effect without a reason: ${JSON.stringify(before)} ${JSON.stringify(ev)}`);
    }
    if (s.state === 'failed' && before.state !== 'failed') assert.equal(failed.length, 1, 'failed entered without the effect');
    const logs = ofType(r.effects, 'log').filter((e) => e.message.startsWith('unable to start'));
    if (ev?.type === 'spawnFailed' && ev.unusable !== undefined) {
      if (before.pending === 'run') runFailure = ev.unusable;
    } else if (ev?.type === 'spawnFailed' && before.pending !== null) {
      const last = before.pending === 'run' ? runFailure : finishFailure;
      assert.equal(logs.length, last === ev.code ? 0 : 1, `failure log for ${ev.code} after ${last}`);
      if (before.pending === 'run') runFailure = ev.code;
      else finishFailure = ev.code;
    } else assert.equal(logs.length, 0);
    if (ev?.type === 'spawned' && before.pending === 'run') runFailure = null;
  };
}

const STATUSES = [0, 1 << 8, 3 << 8, 111 << 8, 15, 9, 0x8b, 0x83];
const BYTES = [...CONTROL_CHARS, '\n', 'z'];

function runSeed(seed: number, steps: number): { starts: number; signals: number; dones: number; failed: number } {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  let sim = fresh();
  let totals = { starts: 0, signals: 0, dones: 0, failed: 0 };
  function fresh(): Sim {
    const s = new Sim({ isLog: rnd() < 0.25, downFile: rnd() < 0.3, hasFinish: rnd() < 0.5 });
    s.onStep = stepChecker(s);
    s.kick();
    return s;
  }
  for (let i = 0; i < steps; i++) {
    const r = rnd();
    if (r < 0.4) sim.control(pick(BYTES), rnd() < 0.4);
    else if (r < 0.58) { if (sim.live !== 0) sim.exit(pick(STATUSES)); }
    else if (r < 0.75) sim.advance(Math.floor(rnd() * 1500));
    else if (r < 0.85) { const due = Math.min(...sim.timers.values()); if (Number.isFinite(due)) sim.advanceTo(due); }
    else if (r < 0.87) sim.feed({ type: 'shutdown', handled: rnd() < 0.3 });
    else if (r < 0.91) sim.hasFinish = !sim.hasFinish;
    else if (r < 0.95) {
      const mode = pick(['ok', 'ok', 'ENOENT', 'EACCES', 'user']);
      let pid = 10_000 + i * 10;
      sim.policy = () => (mode === 'ok' ? { pid: pid++ }
        : mode === 'user' ? { code: 'ERR_USER_UNKNOWN', errno: 22, unusable: 'unable to run ./run as user nobody2: no such user' }
          : { code: mode, errno: mode === 'ENOENT' ? 2 : 13 });
    } else if (r < 0.98) {
      sim.config = {
        ...DEFAULT_CONFIG, downSignal: pick([15, 1]), timeoutKillMs: pick([0, 500]), timeoutFinishMs: pick([0, 800]),
        restartDelayMaxMs: pick([0, 0, 4000]), restartResetMs: pick([2000, 10_000]), giveUpAfter: pick([0, 0, 3]), giveUpWindowMs: pick([5000, 60_000]),
      };
    } else if (sim.s.shutdown && sim.s.state === 'down') {
      totals = collect(totals, sim);
      sim = fresh();
    }
    // After each full layer cycle nothing is pending and the status file shows the state.
    assert.equal(sim.s.pending, null);
    assert.deepEqual(sim.statuses.at(-1) ?? snap(initialState({ isLog: sim.s.isLog, downFile: sim.s.want === 'down', nowUs: sim.s.stampUs })), snap(sim.s));
    const runs = sim.spawns.filter((sp) => sp.what === 'run');
    if (runs.length >= 2) assert.ok(runs.at(-1)!.atUs - runs.at(-2)!.atUs >= 1_000_000, 'two starts of ./run within 1 s');
  }
  return collect(totals, sim);
}

function collect(t: { starts: number; signals: number; dones: number; failed: number }, sim: Sim) {
  return {
    starts: t.starts + sim.spawns.length,
    signals: t.signals + ofType(sim.effects, 'signal').length,
    dones: t.dones + sim.doneCount,
    failed: t.failed + ofType(sim.effects, 'failed').length,
  };
}

test('fsm property: random event sequences keep every invariant', () => {
  const totals = { starts: 0, signals: 0, dones: 0, failed: 0 };
  for (const seed of [1, 2, 3, 42, 20240601, 0xdeadbeef]) {
    const t = runSeed(seed, 4000);
    totals.starts += t.starts;
    totals.signals += t.signals;
    totals.dones += t.dones;
    totals.failed += t.failed;
  }
  // The walk must really exercise the machine, or the invariants prove nothing.
  assert.ok(totals.starts > 500, `only ${totals.starts} spawns`);
  assert.ok(totals.signals > 500, `only ${totals.signals} signals`);
  assert.ok(totals.dones > 5, `only ${totals.dones} done`);
  assert.ok(totals.failed > 20, `only ${totals.failed} failed`);
});
