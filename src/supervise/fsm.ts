// One service's supervision as a pure state machine: step(state, event, context) returns the next
// state and the effects (spawn, signal, write status, timers) that a thin layer carries out in
// order. No I/O, no clock: the layer passes the time in. Semantics: runit's runsv (see
// docs/state-machine.md for the table and every deliberate difference).
import type { ControlChar, EventKey, ServiceState, StepContext, StepResult, SvEvent } from './fsm-types.js';
import { CONTROL_CHARS } from './fsm-types.js';
import { Tx } from './fsm-actions.js';
import type { Handler } from './fsm-table.js';
import { TABLE } from './fsm-table.js';

export type * from './fsm-types.js';
export { CONTROL_CHARS, EVENT_KEYS } from './fsm-types.js';
export { overrideFor, TABLE } from './fsm-table.js';

/** What a service looks like when supervision starts. */
export interface InitialOptions {
  readonly isLog: boolean;
  /** A `down` file existed when supervision started (read only then, as runit does). */
  readonly downFile: boolean;
  readonly nowUs: number;
}

/**
 * The state at supervision start (runsv §2.2 step 3): down, want=down if a down file existed
 * else up, stamped now. The layer writes this initial status itself, then feeds nothing until
 * it calls kick() (or feeds 'u').
 */
export function initialState(opts: InitialOptions): ServiceState {
  return {
    state: 'down',
    want: opts.downFile ? 'down' : 'up',
    paused: false,
    gotTerm: false,
    pid: 0,
    stampUs: opts.nowUs,
    runStartUs: null,
    lastStatus: null,
    throttled: false,
    killArmed: false,
    finishArmed: false,
    pending: null,
    shutdown: false,
    isLog: opts.isLog,
    lastSpawnError: { run: null, finish: null },
    stopAsked: false,
    failures: 0,
    failureTimesUs: [],
    failedReason: null,
    notReady: null,
  };
}

/**
 * The first step after initialState: start ./run if want is up (runsv's first loop pass).
 * Equivalent to the top-of-loop restart rule, which the machine otherwise applies itself.
 */
export function kick(s: ServiceState, ctx: StepContext): StepResult {
  if (s.want !== 'up') return { state: s, effects: [] };
  return step(s, { type: 'control', c: 'u', handled: false }, ctx);
}

/** Is this byte one of runit's command characters? */
export function isControlChar(c: string): c is ControlChar {
  return (CONTROL_CHARS as readonly string[]).includes(c);
}

/** The table column for an event; null for a byte that runit ignores (e.g. '\n'). */
export function eventKey(ev: SvEvent): EventKey | null {
  switch (ev.type) {
    case 'control':
      return isControlChar(ev.c) ? ev.c : null;
    case 'timer':
      return `timer:${ev.name}`;
    default:
      return ev.type;
  }
}

/** Feed one event: look up the (state, event) cell and run it on a fresh accumulator. */
export function step(s: ServiceState, ev: SvEvent, ctx: StepContext): StepResult {
  const key = eventKey(ev);
  if (key === null) return { state: s, effects: [] };
  const tx = new Tx(s, ctx);
  // Each column's handler takes exactly its own event type; eventKey() guarantees the match.
  (TABLE[s.state][key] as Handler<SvEvent>)(tx, ev);
  return tx.result();
}
