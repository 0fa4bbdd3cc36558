// The transition table: for every state and every event, what changes and which effects follow.
// A keyed record so that the compiler rejects a missing (state, event) cell (s6-supervise's
// `actions` table is the model). docs/state-machine.md describes each cell in prose.
import type { ControlEvent, EventKey, EventOf, ServiceState, ShutdownEvent, StateName } from './fsm-types.js';
import { SIG } from '../process/signals.js';
import type { Tx } from './fsm-actions.js';
import {
  EXEC_FAILED_STATUS, cancelTimer, clearFailed, enterFailed, goDown, idle, noteSpawnError, runEnded, setPaused,
  killAfterMs, setWant, signal, spawnRun, started, startRun, stop, stopNotReady,
} from './fsm-actions.js';

/** One cell: mutate the step accumulator (the table as a whole stays pure). */
export type Handler<E> = (tx: Tx, ev: E) => void;
/** One row: a handler for every column. */
export type Row = { readonly [K in EventKey]: Handler<EventOf<K>> };

const SIGNAL_OF = { k: SIG.KILL, p: SIG.STOP, c: SIG.CONT, h: SIG.HUP, a: SIG.ALRM, i: SIG.INT, q: SIG.QUIT, '1': SIG.USR1, '2': SIG.USR2 } as const;

/**
 * Which control/<letter> script the layer must consult (if it exists) before feeding a command
 * byte, per runit §1.1: only for a main service in state run; d, x and t all consult control/t.
 * For the shutdown event, ask for 'x'.
 */
export function overrideFor(s: Pick<ServiceState, 'state' | 'isLog'>, c: string): string | null {
  if (s.isLog || s.state !== 'run' || c.length !== 1) return null;
  if ('dxt'.includes(c)) return 't';
  return 'kpchaiq12'.includes(c) ? c : null;
}

/** The event's handled flag counts only where an override was actually due. */
function handled(s: ServiceState, c: string, ev: ControlEvent | ShutdownEvent): boolean {
  return ev.handled && overrideFor(s, c) !== null;
}

const noop: Handler<unknown> = () => undefined;

/** The timer fired, so it is no longer armed, whatever the state. */
function fired(tx: Tx, flag: 'throttled' | 'killArmed' | 'finishArmed'): boolean {
  const was = tx.s[flag];
  tx.set({ [flag]: false });
  return was;
}

/** A control command that only sends a signal, and only in state run. */
const sendIfRun = (c: keyof typeof SIGNAL_OF): Handler<ControlEvent> => (tx, ev) => {
  if (!handled(tx.s, c, ev)) signal(tx, SIGNAL_OF[c]);
};

function up(tx: Tx): void {
  setWant(tx, 'up');
  if (!tx.s.shutdown && idle(tx.s)) startRun(tx);
}

function once(tx: Tx): void {
  setWant(tx, 'down');
  if (!tx.s.shutdown && idle(tx.s)) startRun(tx);
}

/**
 * Supervision has ended: down, want exit, nothing being spawned. The machine emitted `done` on
 * the step that got here (goDown, or exitWhileDown), and emits it never again.
 */
function ended(s: ServiceState): boolean {
  return s.state === 'down' && s.want === 'exit' && s.pending === null;
}

/** want is exit while down: a scheduled restart is dropped and supervision ends. */
function endWhileDown(tx: Tx): void {
  cancelTimer(tx, 'throttle');
  if (tx.s.pending === null) tx.emit({ type: 'done' });
}

/** want=exit while down (once: a repeated x changes nothing). */
function exitWhileDown(tx: Tx): void {
  if (ended(tx.s)) return;
  setWant(tx, 'exit');
  endWhileDown(tx);
}

function beginShutdown(tx: Tx): void {
  setWant(tx, 'exit');
  tx.set({ shutdown: true });
}

/**
 * A failed exec of ./run is runit's "./run exited 111", started and ended at this instant. A start
 * the service's own settings make impossible (its user is unknown) is not retried: failed.
 */
function runFailed(tx: Tx, code: string, unusable: string | undefined): void {
  if (unusable !== undefined) {
    const fresh = tx.s.lastSpawnError.run !== unusable;
    // An attempt all the same: the next one (after sv up) is still at least 1 s later.
    tx.set({ lastSpawnError: { ...tx.s.lastSpawnError, run: unusable }, stampUs: tx.ctx.nowUs, runStartUs: tx.ctx.nowUs, lastStatus: EXEC_FAILED_STATUS });
    if (tx.s.want === 'up') {
      enterFailed(tx, unusable, EXEC_FAILED_STATUS, fresh);
      return;
    }
    // sv once (want down): plainly down, and failed for good as any end of a once.
    if (fresh) tx.emit({ type: 'log', level: 'warning', message: unusable });
    if (tx.s.want === 'down' && !tx.s.shutdown) tx.emit({ type: 'failed', status: EXEC_FAILED_STATUS, reason: unusable });
    goDown(tx);
    return;
  }
  noteSpawnError(tx, 'run', code);
  tx.set({ runStartUs: tx.ctx.nowUs, stampUs: tx.ctx.nowUs });
  runEnded(tx, EXEC_FAILED_STATUS);
}

const DOWN: Row = {
  u: up,
  o: once,
  d: (tx) => { setWant(tx, 'down'); cancelTimer(tx, 'throttle'); },
  x: (tx) => { if (!tx.s.isLog) exitWhileDown(tx); },
  t: noop, k: noop, h: noop, a: noop, i: noop, q: noop, 1: noop, 2: noop,
  p: (tx) => setPaused(tx, true),
  c: (tx) => setPaused(tx, false),
  spawned: (tx, ev) => { if (tx.s.pending === 'run') started(tx, 'run', ev.pid); },
  spawnFailed: (tx, ev) => { if (tx.s.pending === 'run') runFailed(tx, ev.code, ev.unusable); },
  exited: noop,
  'timer:throttle': (tx) => { if (fired(tx, 'throttled')) spawnRun(tx); },
  'timer:kill': (tx) => { fired(tx, 'killArmed'); },
  'timer:finish': (tx) => { fired(tx, 'finishArmed'); },
  notReady: noop,
  shutdown: (tx) => {
    const over = ended(tx.s);
    beginShutdown(tx);
    if (!over) endWhileDown(tx);
  },
};

const RUN: Row = {
  u: (tx) => setWant(tx, 'up'),
  o: (tx) => setWant(tx, 'down'),
  d: (tx, ev) => { const h = handled(tx.s, 'd', ev); setWant(tx, 'down'); stop(tx, h); },
  x: (tx, ev) => {
    if (tx.s.isLog) return;
    const h = handled(tx.s, 'x', ev);
    setWant(tx, 'exit');
    stop(tx, h);
  },
  t: (tx, ev) => stop(tx, handled(tx.s, 't', ev)),
  // runit also forces state=down here, so that a u/o before the reap would start a second
  // ./run beside the dying one; we keep state run until the exit is reaped (docs, difference 4).
  k: (tx, ev) => { if (!handled(tx.s, 'k', ev)) tx.set({ stopAsked: true }); sendIfRun('k')(tx, ev); },
  p: (tx, ev) => { sendIfRun('p')(tx, ev); setPaused(tx, true); },
  c: (tx, ev) => { sendIfRun('c')(tx, ev); setPaused(tx, false); },
  h: sendIfRun('h'), a: sendIfRun('a'), i: sendIfRun('i'), q: sendIfRun('q'), 1: sendIfRun('1'), 2: sendIfRun('2'),
  spawned: noop,
  spawnFailed: noop,
  exited: (tx, ev) => runEnded(tx, ev.status),
  'timer:throttle': (tx) => { fired(tx, 'throttled'); },
  'timer:kill': (tx) => {
    if (!fired(tx, 'killArmed')) return;
    const { downSignal } = tx.ctx.config;
    tx.emit({
      type: 'log', level: 'warning',
      message: `unable to stop ./run (pid ${tx.s.pid}) with signal ${downSignal} within ${killAfterMs(tx.s, tx.ctx)} ms: sending SIGKILL to its process group`,
    });
    signal(tx, SIG.KILL, 'group');
  },
  'timer:finish': (tx) => { fired(tx, 'finishArmed'); },
  notReady: (tx, ev) => { if (!tx.s.isLog) stopNotReady(tx, ev.reason); },
  shutdown: (tx, ev) => {
    const h = handled(tx.s, 'x', ev);
    beginShutdown(tx);
    // The log stops when its stdin reaches EOF (runit §2.11); the layer escalates with t or k.
    if (!tx.s.isLog) stop(tx, h);
  },
};

const FINISH: Row = {
  u: (tx) => setWant(tx, 'up'),
  o: (tx) => setWant(tx, 'down'),
  d: (tx) => setWant(tx, 'down'),
  x: (tx) => { if (!tx.s.isLog) setWant(tx, 'exit'); },
  t: noop, h: noop, a: noop, i: noop, q: noop, 1: noop, 2: noop,
  // svinit: k kills ./finish's group (runit sends nothing and later runs ./finish again, §9 #6).
  k: (tx) => signal(tx, SIG.KILL, 'group'),
  p: (tx) => setPaused(tx, true),
  c: (tx) => setPaused(tx, false),
  spawned: (tx, ev) => { if (tx.s.pending === 'finish') started(tx, 'finish', ev.pid); },
  spawnFailed: (tx, ev) => {
    if (tx.s.pending !== 'finish') return;
    noteSpawnError(tx, 'finish', ev.code);
    goDown(tx);
  },
  exited: (tx) => {
    if (tx.s.pid === 0) return;
    cancelTimer(tx, 'finish');
    goDown(tx);
  },
  'timer:throttle': (tx) => { fired(tx, 'throttled'); },
  'timer:kill': (tx) => { fired(tx, 'killArmed'); },
  'timer:finish': (tx) => {
    if (!fired(tx, 'finishArmed') || tx.s.pid === 0) return;
    tx.emit({
      type: 'log', level: 'warning',
      message: `unable to wait for ./finish (pid ${tx.s.pid}): still running after ${tx.ctx.config.timeoutFinishMs} ms, sending SIGKILL to its process group`,
    });
    signal(tx, SIG.KILL, 'group');
  },
  notReady: noop,
  shutdown: beginShutdown,
};

/**
 * Failed: down, want up, nothing scheduled (given up, or unusable settings). sv up or sv once
 * starts it again with the count afresh; sv down makes it plainly down; x and the shutdown end it.
 */
const FAILED: Row = {
  u: (tx) => { clearFailed(tx); up(tx); },
  o: (tx) => { clearFailed(tx); once(tx); },
  d: (tx) => { clearFailed(tx); setWant(tx, 'down'); },
  x: (tx) => { if (tx.s.isLog) return; clearFailed(tx); exitWhileDown(tx); },
  t: noop, k: noop, h: noop, a: noop, i: noop, q: noop, 1: noop, 2: noop,
  p: (tx) => setPaused(tx, true),
  c: (tx) => setPaused(tx, false),
  spawned: noop,
  spawnFailed: noop,
  exited: noop,
  'timer:throttle': (tx) => { fired(tx, 'throttled'); },
  'timer:kill': (tx) => { fired(tx, 'killArmed'); },
  'timer:finish': (tx) => { fired(tx, 'finishArmed'); },
  notReady: noop,
  shutdown: (tx) => {
    clearFailed(tx);
    beginShutdown(tx);
    endWhileDown(tx);
  },
};

/** The whole machine: every (state, event) cell. */
export const TABLE: { readonly [S in StateName]: Row } = { down: DOWN, run: RUN, finish: FINISH, failed: FAILED };
