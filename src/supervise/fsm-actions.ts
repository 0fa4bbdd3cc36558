// The building blocks the transition table is written with: a per-step accumulator and runit's
// recurring actions (stop, start with throttle, child exit, transition to down).
import type {
  ChildKind, Effect, ServiceState, StatusSnapshot, StepContext, StepResult, TimerName, Want,
} from './fsm-types.js';
import { finishArgs } from '../process/exit-status.js';
import { SIG } from '../process/signals.js';

const SECOND_US = 1_000_000;

/** Accumulates one step: the state replaced field by field, the effects in order. */
export class Tx {
  s: ServiceState;
  readonly ctx: StepContext;
  private readonly effects: Effect[] = [];
  private statusAt = -1;

  constructor(s: ServiceState, ctx: StepContext) {
    this.s = s;
    this.ctx = ctx;
  }

  set(patch: Partial<ServiceState>): void {
    this.s = { ...this.s, ...patch };
  }

  emit(effect: Effect): void {
    this.effects.push(effect);
  }

  /** Ask for a status write; one per step, at the first change, carrying the step's final state. */
  status(): void {
    if (this.statusAt >= 0) return;
    this.statusAt = this.effects.length;
    this.effects.push({ type: 'writeStatus', status: snapshot(this.s) });
  }

  result(): StepResult {
    if (this.statusAt >= 0) this.effects[this.statusAt] = { type: 'writeStatus', status: snapshot(this.s) };
    return { state: this.s, effects: this.effects };
  }
}

/** The fields of the status file, as of `s`. */
export function snapshot(s: ServiceState): StatusSnapshot {
  return { state: s.state, want: s.want, paused: s.paused, gotTerm: s.gotTerm, pid: s.pid, stampUs: s.stampUs };
}

/** Change want, writing status only when it really changes; after shutdown want stays 'exit'. */
export function setWant(tx: Tx, want: Want): void {
  if (tx.s.shutdown || tx.s.want === want) return;
  tx.set({ want });
  tx.status();
}

/** Set or clear the paused flag (status byte 16). */
export function setPaused(tx: Tx, paused: boolean): void {
  if (tx.s.paused === paused) return;
  tx.set({ paused });
  tx.status();
}

/** Send a signal to the live child; the table only calls this while pid != 0. */
export function signal(tx: Tx, sig: number, target: 'pid' | 'group' = 'pid'): void {
  if (tx.s.pid !== 0) tx.emit({ type: 'signal', sig, pid: tx.s.pid, target });
}

export function cancelTimer(tx: Tx, name: TimerName): void {
  const flag = TIMER_FLAG[name];
  if (!tx.s[flag]) return;
  tx.set({ [flag]: false });
  tx.emit({ type: 'cancelTimer', name });
}

const TIMER_FLAG = { throttle: 'throttled', kill: 'killArmed', finish: 'finishArmed' } as const;

/**
 * runit's stopservice (§4.3) for d, x, t in state run: the down signal unless control/t handled
 * it, then CONT and control/d or control/x when want is down or exit (not for a plain t).
 */
export function stop(tx: Tx, handled: boolean): void {
  const { config } = tx.ctx;
  if (!handled) {
    signal(tx, config.downSignal);
    if (!tx.s.gotTerm) {
      tx.set({ gotTerm: true });
      tx.status();
    }
    if (config.timeoutKillMs > 0 && !tx.s.killArmed) {
      tx.set({ killArmed: true });
      tx.emit({ type: 'armTimer', name: 'kill', ms: config.timeoutKillMs });
    }
  }
  if (tx.s.want === 'up') return;
  signal(tx, SIG.CONT);
  if (!tx.s.isLog) tx.emit({ type: 'runOverride', script: tx.s.want === 'exit' ? 'x' : 'd' });
}

/** Start ./run now, or schedule it so that two starts are at least one second apart. */
export function startRun(tx: Tx): void {
  const { nowUs } = tx.ctx;
  const last = tx.s.runStartUs;
  if (last !== null && nowUs < last + SECOND_US) {
    const ms = Math.ceil((last + SECOND_US - nowUs) / 1000);
    tx.set({ throttled: true });
    tx.emit({ type: 'armTimer', name: 'throttle', ms });
    return;
  }
  spawnRun(tx);
}

/** Emit the spawn of ./run (control/u first for a main service). */
export function spawnRun(tx: Tx): void {
  tx.set({ pending: 'run' });
  tx.emit({ type: 'spawn', what: 'run', controlU: !tx.s.isLog });
}

/** A start is possible: nothing running, nothing being spawned, no start already scheduled. */
export function idle(s: ServiceState): boolean {
  return s.state === 'down' && s.pid === 0 && s.pending === null && !s.throttled;
}

/** ./run ended (exited, or never started): go to finish if there is one, else down (§2.6). */
export function runEnded(tx: Tx, status: number): void {
  cancelTimer(tx, 'kill');
  tx.set({ pid: 0, lastStatus: status, gotTerm: false, pending: null });
  if (tx.ctx.hasFinish && !tx.s.isLog) {
    // No status write here: the next one (finish's pid, same stamp) follows the finish spawn.
    tx.set({ state: 'finish', pending: 'finish' });
    tx.emit({ type: 'spawn', what: 'finish', args: finishArgs(status) });
    return;
  }
  goDown(tx);
}

/** The transition to down (§2.6): new stamp, pid 0; then restart, or end if want is exit. */
export function goDown(tx: Tx): void {
  tx.set({ state: 'down', pid: 0, gotTerm: false, pending: null, stampUs: tx.ctx.nowUs });
  tx.status();
  if (tx.s.want === 'up') startRun(tx);
  else if (tx.s.want === 'exit') tx.emit({ type: 'done' });
}

/** The child being spawned started: a new ./run (new stamp) or ./finish (same stamp). */
export function started(tx: Tx, what: ChildKind, pid: number): void {
  const { nowUs, config } = tx.ctx;
  tx.set({ pid, pending: null, paused: false, gotTerm: false });
  if (what === 'run') {
    tx.set({
      state: 'run', stampUs: nowUs, runStartUs: nowUs, lastSpawnError: { ...tx.s.lastSpawnError, run: null },
    });
  } else if (config.timeoutFinishMs > 0) {
    tx.set({ finishArmed: true });
    tx.emit({ type: 'armTimer', name: 'finish', ms: config.timeoutFinishMs });
  }
  tx.status();
}

/** Log a spawn failure only when its reason differs from the last one for that child kind. */
export function noteSpawnError(tx: Tx, what: ChildKind, code: string): void {
  if (tx.s.lastSpawnError[what] === code) return;
  tx.set({ lastSpawnError: { ...tx.s.lastSpawnError, [what]: code } });
  const retry = what === 'run' ? 'retrying at most once a second' : 'treated as ./finish exiting 111';
  tx.emit({ type: 'log', level: 'warning', message: `unable to start ./${what}: ${code} (${retry})` });
}

/** The raw wait status of a child that exited with code 111, runit's "could not exec". */
export const EXEC_FAILED_STATUS = 111 << 8;
