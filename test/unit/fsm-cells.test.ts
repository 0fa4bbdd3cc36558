// Every (state, event) cell of the supervision table, asserted on next state and exact effects.
// The CELLS record has the table's own type shape, so a new state or event that lacks a test here
// fails to compile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG } from '../../src/service/service-config.js';
import { EVENT_KEYS, initialState, step } from '../../src/supervise/fsm.js';
import type { Effect, EventKey, ServiceState, StateName, StepContext, SvEvent } from '../../src/supervise/fsm.js';
import { T0, snap } from './fsm-harness.js';

const R = T0 + 1_000_000; // when ./run started in the fixtures
const N = T0 + 10_000_000; // "now" in every case unless overridden

interface Case {
  readonly name?: string;
  readonly base?: Partial<ServiceState>;
  readonly ev?: SvEvent;
  readonly ctx?: Partial<StepContext>;
  readonly expect: Partial<ServiceState>;
  /** Effects, with 'W' standing for the writeStatus of the resulting state. */
  readonly effects: readonly (Effect | 'W')[];
}
type Cases = Case | readonly Case[];

const BASE: Record<StateName, ServiceState> = {
  down: { ...initialState({ isLog: false, downFile: true, nowUs: T0 }), stampUs: R + 500_000, runStartUs: R, lastStatus: 0x300 },
  run: { ...initialState({ isLog: false, downFile: false, nowUs: T0 }), state: 'run', pid: 100, stampUs: R, runStartUs: R },
  finish: {
    ...initialState({ isLog: false, downFile: false, nowUs: T0 }),
    state: 'finish', pid: 200, stampUs: R, runStartUs: R, lastStatus: 0x300, finishArmed: true,
  },
  failed: {
    ...initialState({ isLog: false, downFile: false, nowUs: T0 }),
    state: 'failed', stampUs: R + 500_000, runStartUs: R, lastStatus: 0x300, failures: 3, failureTimesUs: [R - 2_000_000, R - 1_000_000, R],
    failedReason: 'gave up',
  },
};

const sig = (n: number, pid: number, target: 'pid' | 'group' = 'pid'): Effect => ({ type: 'signal', sig: n, pid, target });
const spawnRun: Effect = { type: 'spawn', what: 'run', controlU: true };
const log = (message: string): Effect => ({ type: 'log', level: 'warning', message });
const nop = (base?: Partial<ServiceState>): Case => (base === undefined ? { expect: {}, effects: [] } : { base, expect: {}, effects: [] });

function defaultEvent(key: EventKey): SvEvent {
  if (key.startsWith('timer:')) return { type: 'timer', name: key.slice(6) as 'throttle' | 'kill' | 'finish' };
  switch (key) {
    case 'spawned': return { type: 'spawned', pid: 321 };
    case 'spawnFailed': return { type: 'spawnFailed', code: 'ENOENT', errno: 2 };
    case 'exited': return { type: 'exited', status: 0x300 };
    case 'shutdown': return { type: 'shutdown', handled: false };
    case 'notReady': return { type: 'notReady', reason: 'not ready within 500 ms' };
    default: return { type: 'control', c: key, handled: false };
  }
}

const DOWN: Record<EventKey, Cases> = {
  u: [
    { expect: { want: 'up', pending: 'run' }, effects: ['W', spawnRun] },
    { name: 'within 1 s of the last start', base: { runStartUs: N - 300_000 }, expect: { want: 'up', throttled: true }, effects: ['W', { type: 'armTimer', name: 'throttle', ms: 700 }] },
    { name: 'after shutdown', base: { want: 'exit', shutdown: true }, expect: {}, effects: [] },
    { name: 'log service: no control/u', base: { isLog: true }, expect: { want: 'up', pending: 'run' }, effects: ['W', { ...spawnRun, controlU: false }] },
  ],
  o: [
    { base: { want: 'up' }, expect: { want: 'down', pending: 'run' }, effects: ['W', spawnRun] },
    { name: 'during throttle', base: { want: 'up', throttled: true }, expect: { want: 'down' }, effects: ['W'] },
  ],
  d: [
    { base: { want: 'up', throttled: true }, expect: { want: 'down', throttled: false }, effects: ['W', { type: 'cancelTimer', name: 'throttle' }] },
    { name: 'already down', ...nop() },
  ],
  x: [
    { expect: { want: 'exit' }, effects: ['W', { type: 'done' }] },
    { name: 'during throttle', base: { want: 'up', throttled: true }, expect: { want: 'exit', throttled: false }, effects: ['W', { type: 'cancelTimer', name: 'throttle' }, { type: 'done' }] },
    { name: 'log service ignores x', ...nop({ isLog: true }) },
  ],
  t: nop(), k: nop(), h: nop(), a: nop(), i: nop(), q: nop(), 1: nop(), 2: nop(),
  p: { expect: { paused: true }, effects: ['W'] },
  c: [{ base: { paused: true }, expect: { paused: false }, effects: ['W'] }, { name: 'not paused', ...nop() }],
  spawned: [
    { base: { want: 'up', pending: 'run', paused: true }, expect: { state: 'run', pid: 321, pending: null, paused: false, stampUs: N, runStartUs: N }, effects: ['W'] },
    { name: 'no spawn pending', ...nop() },
  ],
  spawnFailed: [
    {
      base: { want: 'up', pending: 'run' }, ctx: { hasFinish: true },
      expect: { state: 'finish', pending: 'finish', stampUs: N, runStartUs: N, lastStatus: 0x6f00, lastSpawnError: { run: 'ENOENT', finish: null }, failures: 1 },
      effects: [log('unable to start ./run: ENOENT (retrying at most once a second)'), { type: 'spawn', what: 'finish', args: ['111', '0'] }],
    },
    {
      name: 'no finish, same reason as before: no log, throttled', base: { want: 'up', pending: 'run', lastSpawnError: { run: 'ENOENT', finish: null } },
      expect: { pending: null, stampUs: N, runStartUs: N, lastStatus: 0x6f00, throttled: true, failures: 1 }, effects: ['W', { type: 'armTimer', name: 'throttle', ms: 1000 }],
    },
    {
      name: 'the second failed start in a row with a back-off: 2 s after the start', base: { want: 'up', pending: 'run', failures: 1, lastSpawnError: { run: 'ENOENT', finish: null } },
      ctx: { config: { ...DEFAULT_CONFIG, restartDelayMaxMs: 30_000 } },
      expect: { pending: null, stampUs: N, runStartUs: N, lastStatus: 0x6f00, throttled: true, failures: 2 }, effects: ['W', { type: 'armTimer', name: 'throttle', ms: 2000 }],
    },
    {
      name: 'unusable settings (unknown user): failed, logged once, no retry', base: { want: 'up', pending: 'run' }, ev: { type: 'spawnFailed', code: 'ERR_USER_UNKNOWN', errno: 22, unusable: 'no such user' },
      expect: { state: 'failed', pending: null, stampUs: N, runStartUs: N, lastStatus: 0x6f00, lastSpawnError: { run: 'no such user', finish: null }, failedReason: 'no such user' },
      effects: ['W', log('no such user; it stays down until sv up'), { type: 'failed', status: 0x6f00, reason: 'no such user' }],
    },
    {
      name: 'unusable, the same reason again (after sv up): not logged again', base: { want: 'up', pending: 'run', lastSpawnError: { run: 'no such user', finish: null } },
      ev: { type: 'spawnFailed', code: 'ERR_USER_UNKNOWN', errno: 22, unusable: 'no such user' },
      expect: { state: 'failed', pending: null, stampUs: N, runStartUs: N, lastStatus: 0x6f00, failedReason: 'no such user' },
      effects: ['W', { type: 'failed', status: 0x6f00, reason: 'no such user' }],
    },
    { name: 'no spawn pending', ...nop() },
  ],
  exited: nop(),
  'timer:throttle': { base: { want: 'up', throttled: true }, expect: { throttled: false, pending: 'run' }, effects: [spawnRun] },
  'timer:kill': nop(),
  'timer:finish': nop(),
  notReady: nop(),
  shutdown: [
    { expect: { want: 'exit', shutdown: true }, effects: ['W', { type: 'done' }] },
    { name: 'log service', base: { isLog: true, want: 'up', throttled: true }, expect: { want: 'exit', shutdown: true, throttled: false }, effects: ['W', { type: 'cancelTimer', name: 'throttle' }, { type: 'done' }] },
  ],
};

const RUN: Record<EventKey, Cases> = {
  u: { base: { want: 'down' }, expect: { want: 'up' }, effects: ['W'] },
  o: { expect: { want: 'down' }, effects: ['W'] },
  d: [
    { expect: { want: 'down', gotTerm: true, stopAsked: true }, effects: ['W', sig(15, 100), sig(18, 100), { type: 'runOverride', script: 'd' }] },
    { name: 'control/t handled', ev: { type: 'control', c: 'd', handled: true }, expect: { want: 'down', stopAsked: true }, effects: ['W', sig(18, 100), { type: 'runOverride', script: 'd' }] },
    {
      name: 'down signal HUP and kill timeout', ctx: { config: { ...DEFAULT_CONFIG, downSignal: 1, timeoutKillMs: 3000 } },
      expect: { want: 'down', gotTerm: true, killArmed: true, stopAsked: true },
      effects: ['W', sig(1, 100), { type: 'armTimer', name: 'kill', ms: 3000 }, sig(18, 100), { type: 'runOverride', script: 'd' }],
    },
    { name: 'log service: handled is meaningless, no override', base: { isLog: true }, ev: { type: 'control', c: 'd', handled: true }, expect: { want: 'down', gotTerm: true, stopAsked: true }, effects: ['W', sig(15, 100), sig(18, 100)] },
  ],
  x: [
    { expect: { want: 'exit', gotTerm: true, stopAsked: true }, effects: ['W', sig(15, 100), sig(18, 100), { type: 'runOverride', script: 'x' }] },
    { name: 'log service ignores x', ...nop({ isLog: true }) },
  ],
  t: [
    { expect: { gotTerm: true, stopAsked: true }, effects: [sig(15, 100), 'W'] },
    { name: 'want down: CONT and control/d too', base: { want: 'down', gotTerm: true }, expect: { stopAsked: true }, effects: [sig(15, 100), sig(18, 100), { type: 'runOverride', script: 'd' }] },
    { name: 'kill timer already armed is kept', base: { gotTerm: true, killArmed: true }, ctx: { config: { ...DEFAULT_CONFIG, timeoutKillMs: 3000 } }, expect: { stopAsked: true }, effects: [sig(15, 100)] },
  ],
  k: [
    { expect: { stopAsked: true }, effects: [sig(9, 100)] },
    { name: 'control/k handled', ...nop(), ev: { type: 'control', c: 'k', handled: true } },
  ],
  p: [
    { expect: { paused: true }, effects: [sig(19, 100), 'W'] },
    { name: 'control/p handled: flag still set', ev: { type: 'control', c: 'p', handled: true }, expect: { paused: true }, effects: ['W'] },
  ],
  c: { base: { paused: true }, expect: { paused: false }, effects: [sig(18, 100), 'W'] },
  h: [{ expect: {}, effects: [sig(1, 100)] }, { name: 'handled', ...nop(), ev: { type: 'control', c: 'h', handled: true } }],
  a: { expect: {}, effects: [sig(14, 100)] },
  i: { expect: {}, effects: [sig(2, 100)] },
  q: { expect: {}, effects: [sig(3, 100)] },
  1: { expect: {}, effects: [sig(10, 100)] },
  2: { expect: {}, effects: [sig(12, 100)] },
  spawned: nop(),
  spawnFailed: nop(),
  exited: [
    { ctx: { hasFinish: true }, expect: { state: 'finish', pid: 0, pending: 'finish', lastStatus: 0x300, failures: 1 }, effects: [{ type: 'spawn', what: 'finish', args: ['3', '0'] }] },
    {
      name: 'no finish, within 1 s: down and throttled', base: { runStartUs: N - 200_000, stampUs: N - 200_000, gotTerm: true, killArmed: true },
      expect: { state: 'down', pid: 0, gotTerm: false, killArmed: false, stampUs: N, lastStatus: 0x300, throttled: true, failures: 1 },
      effects: [{ type: 'cancelTimer', name: 'kill' }, 'W', { type: 'armTimer', name: 'throttle', ms: 800 }],
    },
    {
      name: 'stopped on request, within 1 s: no failed start counted', base: { runStartUs: N - 200_000, stampUs: N - 200_000, gotTerm: true, stopAsked: true, failures: 2 },
      expect: { state: 'down', pid: 0, gotTerm: false, stampUs: N, lastStatus: 0x300, throttled: true },
      effects: ['W', { type: 'armTimer', name: 'throttle', ms: 800 }],
    },
    {
      name: 'up longer than restart-reset: the back-off starts afresh', base: { runStartUs: N - 10_000_000, failures: 5, failureTimesUs: [N - 20_000_000] },
      ctx: { config: { ...DEFAULT_CONFIG, restartDelayMaxMs: 30_000, giveUpAfter: 3 } },
      expect: { state: 'down', pid: 0, stampUs: N, lastStatus: 0x300, pending: 'run', failures: 0, failureTimesUs: [] },
      effects: ['W', spawnRun],
    },
    {
      name: 'stopped as not ready after longer than restart-reset: still a failed start, backed off',
      base: { runStartUs: N - 20_000_000, failures: 2, notReady: 'not ready within 20000 ms', gotTerm: true, killArmed: true },
      ctx: { config: { ...DEFAULT_CONFIG, restartDelayMaxMs: 30_000 } },
      expect: { state: 'down', pid: 0, gotTerm: false, killArmed: false, stampUs: N, lastStatus: 0x300, notReady: null, failures: 3, pending: 'run' },
      effects: [{ type: 'cancelTimer', name: 'kill' }, 'W', spawnRun],
    },
    {
      name: 'the fourth failed start in a row with a back-off capped at 5 s: 5 s after the start', base: { runStartUs: N - 1_000_000, failures: 3 },
      ctx: { config: { ...DEFAULT_CONFIG, restartDelayMaxMs: 5000 } },
      expect: { state: 'down', pid: 0, stampUs: N, lastStatus: 0x300, throttled: true, failures: 4 },
      effects: ['W', { type: 'armTimer', name: 'throttle', ms: 4000 }],
    },
    {
      name: 'give-up-after 3 reached within the window: failed, nothing scheduled', base: { runStartUs: N - 100_000, failures: 2, failureTimesUs: [N - 3_000_000, N - 1_000_000] },
      ctx: { config: { ...DEFAULT_CONFIG, giveUpAfter: 3, giveUpWindowMs: 60_000 } },
      expect: {
        state: 'failed', pid: 0, stampUs: N, lastStatus: 0x300, failures: 3, failureTimesUs: [N - 3_000_000, N - 1_000_000, N],
        failedReason: 'gave up after 3 failed starts within 60000 ms (./run exited 3)',
      },
      effects: ['W', log('gave up after 3 failed starts within 60000 ms (./run exited 3); it stays down until sv up'),
        { type: 'failed', status: 0x300, reason: 'gave up after 3 failed starts within 60000 ms (./run exited 3)' }],
    },
    {
      name: 'give-up-after 3, but the oldest of the three is outside the window: restarted', base: { runStartUs: N - 100_000, failures: 2, failureTimesUs: [N - 70_000_000, N - 1_000_000] },
      ctx: { config: { ...DEFAULT_CONFIG, giveUpAfter: 3, giveUpWindowMs: 60_000 } },
      expect: { state: 'down', pid: 0, stampUs: N, lastStatus: 0x300, failures: 3, failureTimesUs: [N - 70_000_000, N - 1_000_000, N], throttled: true },
      effects: ['W', { type: 'armTimer', name: 'throttle', ms: 900 }],
    },
    {
      name: 'sv once: ended by itself with want down, reported as failed for good', base: { want: 'down' },
      expect: { state: 'down', pid: 0, stampUs: N, lastStatus: 0x300, failures: 1 },
      effects: [{ type: 'failed', status: 0x300, reason: './run exited 3 after sv once' }, 'W'],
    },
    { name: 'no finish, want exit: done', base: { want: 'exit' }, expect: { state: 'down', pid: 0, stampUs: N, lastStatus: 0x300, failures: 1 }, effects: ['W', { type: 'done' }] },
    {
      name: 'log service never runs finish', base: { isLog: true, want: 'down', stopAsked: true }, ctx: { hasFinish: true },
      expect: { state: 'down', pid: 0, stampUs: N, lastStatus: 0x300 }, effects: ['W'],
    },
  ],
  'timer:throttle': nop(),
  'timer:kill': {
    base: { want: 'down', gotTerm: true, killArmed: true }, ctx: { config: { ...DEFAULT_CONFIG, timeoutKillMs: 3000 } }, expect: { killArmed: false },
    effects: [log('unable to stop ./run (pid 100) with signal 15 within 3000 ms: sending SIGKILL to its process group'), sig(9, 100, 'group')],
  },
  'timer:finish': nop(),
  notReady: [
    {
      expect: { notReady: 'not ready within 500 ms', gotTerm: true, killArmed: true },
      effects: [log('not ready within 500 ms: stopping ./run (pid 100) with signal 15, SIGKILL after 1000 ms'), sig(15, 100), 'W', { type: 'armTimer', name: 'kill', ms: 1000 }],
    },
    {
      name: 'timeout-kill set', ctx: { config: { ...DEFAULT_CONFIG, timeoutKillMs: 3000 } },
      expect: { notReady: 'not ready within 500 ms', gotTerm: true, killArmed: true },
      effects: [log('not ready within 500 ms: stopping ./run (pid 100) with signal 15, SIGKILL after 3000 ms'), sig(15, 100), 'W', { type: 'armTimer', name: 'kill', ms: 3000 }],
    },
    { name: 'a stop already asked', ...nop({ want: 'down', stopAsked: true, gotTerm: true }) },
    { name: 'during shutdown', ...nop({ want: 'exit', shutdown: true, stopAsked: true }) },
    { name: 'log service', ...nop({ isLog: true }) },
  ],
  shutdown: [
    { expect: { want: 'exit', shutdown: true, gotTerm: true, stopAsked: true }, effects: ['W', sig(15, 100), sig(18, 100), { type: 'runOverride', script: 'x' }] },
    { name: 'log service: want exit, no signal', base: { isLog: true }, expect: { want: 'exit', shutdown: true }, effects: ['W'] },
  ],
};

const FINISH: Record<EventKey, Cases> = {
  u: [{ base: { want: 'down' }, expect: { want: 'up' }, effects: ['W'] }, { name: 'after shutdown', ...nop({ want: 'exit', shutdown: true }) }],
  o: { expect: { want: 'down' }, effects: ['W'] },
  d: { expect: { want: 'down' }, effects: ['W'] },
  x: { expect: { want: 'exit' }, effects: ['W'] },
  t: nop(), h: nop(), a: nop(), i: nop(), q: nop(), 1: nop(), 2: nop(),
  k: [{ expect: {}, effects: [sig(9, 200, 'group')] }, { name: 'finish not yet spawned', ...nop({ pid: 0, pending: 'finish', finishArmed: false }) }],
  p: { expect: { paused: true }, effects: ['W'] },
  c: { base: { paused: true }, expect: { paused: false }, effects: ['W'] },
  spawned: [
    { base: { pid: 0, pending: 'finish', finishArmed: false, gotTerm: true }, expect: { pid: 321, pending: null, finishArmed: true, gotTerm: false }, effects: [{ type: 'armTimer', name: 'finish', ms: 5000 }, 'W'] },
    { name: 'no finish timeout', base: { pid: 0, pending: 'finish', finishArmed: false }, ctx: { config: { ...DEFAULT_CONFIG, timeoutFinishMs: 0 } }, expect: { pid: 321, pending: null }, effects: ['W'] },
    { name: 'no spawn pending', ...nop() },
  ],
  spawnFailed: [
    {
      base: { pid: 0, pending: 'finish', finishArmed: false }, ev: { type: 'spawnFailed', code: 'EACCES', errno: 13 },
      expect: { state: 'down', pending: 'run', stampUs: N, lastSpawnError: { run: null, finish: 'EACCES' } },
      effects: [log('unable to start ./finish: EACCES (treated as ./finish exiting 111)'), 'W', spawnRun],
    },
    { name: 'no spawn pending', ...nop() },
  ],
  exited: [
    { expect: { state: 'down', pid: 0, finishArmed: false, stampUs: N, pending: 'run' }, effects: [{ type: 'cancelTimer', name: 'finish' }, 'W', spawnRun] },
    { name: 'want exit: done', base: { want: 'exit', finishArmed: false }, expect: { state: 'down', pid: 0, stampUs: N }, effects: ['W', { type: 'done' }] },
    { name: 'want down, within 1 s: no throttle, no restart', base: { want: 'down', finishArmed: false, runStartUs: N - 10_000 }, expect: { state: 'down', pid: 0, stampUs: N }, effects: ['W'] },
  ],
  'timer:throttle': nop(),
  'timer:kill': nop(),
  'timer:finish': {
    expect: { finishArmed: false },
    effects: [log('unable to wait for ./finish (pid 200): still running after 5000 ms, sending SIGKILL to its process group'), sig(9, 200, 'group')],
  },
  notReady: nop(),
  shutdown: { expect: { want: 'exit', shutdown: true }, effects: ['W'] },
};

const CLEARED = { state: 'down', failures: 0, failureTimesUs: [], failedReason: null } as const;

const FAILED: Record<EventKey, Cases> = {
  u: [
    { name: 'sv up: the count starts afresh and ./run starts', expect: { ...CLEARED, pending: 'run' }, effects: ['W', spawnRun] },
    { name: 'sv up within 1 s of the last start: runit\'s throttle still holds', base: { runStartUs: N - 400_000 }, expect: { ...CLEARED, throttled: true }, effects: ['W', { type: 'armTimer', name: 'throttle', ms: 600 }] },
  ],
  o: { expect: { ...CLEARED, want: 'down', pending: 'run' }, effects: ['W', spawnRun] },
  d: { expect: { ...CLEARED, want: 'down' }, effects: ['W'] },
  x: [
    { expect: { ...CLEARED, want: 'exit' }, effects: ['W', { type: 'done' }] },
    { name: 'log service ignores x', ...nop({ isLog: true }) },
  ],
  t: nop(), k: nop(), h: nop(), a: nop(), i: nop(), q: nop(), 1: nop(), 2: nop(),
  p: { expect: { paused: true }, effects: ['W'] },
  c: [{ base: { paused: true }, expect: { paused: false }, effects: ['W'] }, { name: 'not paused', ...nop() }],
  spawned: nop(),
  spawnFailed: nop(),
  exited: nop(),
  'timer:throttle': nop(),
  'timer:kill': nop(),
  'timer:finish': nop(),
  notReady: nop(),
  shutdown: { expect: { ...CLEARED, want: 'exit', shutdown: true }, effects: ['W', { type: 'done' }] },
};

const CELLS: Record<StateName, Record<EventKey, Cases>> = { down: DOWN, run: RUN, finish: FINISH, failed: FAILED };

for (const stateName of Object.keys(CELLS) as StateName[]) {
  for (const key of EVENT_KEYS) {
    const cases = CELLS[stateName][key];
    for (const c of Array.isArray(cases) ? (cases as readonly Case[]) : [cases as Case]) {
      test(`fsm cell ${stateName} × ${key}${c.name === undefined ? '' : ` (${c.name})`}`, () => {
        const base: ServiceState = { ...BASE[stateName], ...c.base };
        const ctx: StepContext = { nowUs: N, hasFinish: false, config: DEFAULT_CONFIG, ...c.ctx };
        const r = step(base, c.ev ?? defaultEvent(key), ctx);
        const want: ServiceState = { ...base, ...c.expect };
        assert.deepEqual(r.state, want);
        const effects = c.effects.map((e) => (e === 'W' ? { type: 'writeStatus', status: snap(want) } : e));
        assert.deepEqual(r.effects, effects);
      });
    }
  }
}

test('fsm: bytes runit ignores are no-ops in every state', () => {
  for (const stateName of Object.keys(BASE) as StateName[]) {
    for (const c of ['\n', 'z', 'U', 'D', ' ', '', 'du']) {
      const r = step(BASE[stateName], { type: 'control', c, handled: true }, { nowUs: N, hasFinish: true, config: DEFAULT_CONFIG });
      assert.equal(r.state, BASE[stateName], `state ${stateName}, byte ${JSON.stringify(c)}`);
      assert.deepEqual(r.effects, []);
    }
  }
});
