// The building blocks the transition table is written with: a per-step accumulator and runit's
// recurring actions (stop, start with throttle, child exit, transition to down).
import type {
  ChildKind, Effect, ServiceState, StatusSnapshot, StepContext, StepResult, TimerName, Want,
} from './fsm-types.js';
import { decodeStatus, describeStatus, finishArgs } from '../process/exit-status.js';
import { SIG } from '../process/signals.js';

const SECOND_US = 1_000_000;

/** ms from the down signal of a ./run that was not ready in time to SIGKILL, when timeout-kill is 0. */
export const NOT_READY_KILL_MS = 1000;

/** The raw wait status of a child that exited with code 111, runit's "could not exec". */
export const EXEC_FAILED_STATUS = 111 << 8;

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
  // failed is written as runit's down with want down ("down: NAME: 3s, normally up"): svinit will
  // not start it by itself, and runit's sv sends `u` only when the want byte is not already u,
  // so `sv up` must see want down to reach the machine (docs/state-machine.md).
  const failed = s.state === 'failed';
  return { state: failed ? 'down' : s.state, want: failed ? 'down' : s.want, paused: s.paused, gotTerm: s.gotTerm, pid: s.pid, stampUs: s.stampUs };
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

/** ms from the down signal to SIGKILL: timeout-kill, or NOT_READY_KILL_MS for a ./run not ready in time. */
export function killAfterMs(s: ServiceState, ctx: StepContext): number {
  return ctx.config.timeoutKillMs > 0 || s.notReady === null ? ctx.config.timeoutKillMs : NOT_READY_KILL_MS;
}

/**
 * ./run did not become ready in time: its down signal, SIGKILL after killAfterMs; want stays up,
 * so the restart rules (back-off, give-up) take it from its end on.
 */
export function stopNotReady(tx: Tx, reason: string): void {
  if (tx.s.stopAsked || tx.s.shutdown || tx.s.notReady !== null || tx.s.pid === 0) return;
  tx.set({ notReady: reason });
  const ms = killAfterMs(tx.s, tx.ctx);
  tx.emit({ type: 'log', level: 'warning', message: `${reason}: stopping ./run (pid ${tx.s.pid}) with signal ${tx.ctx.config.downSignal}, SIGKILL after ${ms} ms` });
  signal(tx, tx.ctx.config.downSignal);
  if (!tx.s.gotTerm) {
    tx.set({ gotTerm: true });
    tx.status();
  }
  if (!tx.s.killArmed) {
    tx.set({ killArmed: true });
    tx.emit({ type: 'armTimer', name: 'kill', ms });
  }
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
  tx.set({ stopAsked: true });
  if (!handled) {
    signal(tx, config.downSignal);
    if (!tx.s.gotTerm) {
      tx.set({ gotTerm: true });
      tx.status();
    }
    const killMs = killAfterMs(tx.s, tx.ctx);
    if (killMs > 0 && !tx.s.killArmed) {
      tx.set({ killArmed: true });
      tx.emit({ type: 'armTimer', name: 'kill', ms: killMs });
    }
  }
  if (tx.s.want === 'up') return;
  signal(tx, SIG.CONT);
  if (!tx.s.isLog) tx.emit({ type: 'runOverride', script: tx.s.want === 'exit' ? 'x' : 'd' });
}

/**
 * How far apart two starts of ./run must be: runit's 1 s; with a back-off (restartDelayMaxMs),
 * 1 s doubled for each failed start in a row after the first, up to the cap (never below 1 s).
 */
export function restartDelayUs(s: ServiceState, ctx: StepContext): number {
  const cap = ctx.config.restartDelayMaxMs * 1000;
  if (cap <= SECOND_US || s.failures <= 1) return SECOND_US;
  // 2^30 s is far beyond any cap that fits the file's nine digits of ms.
  return Math.min(cap, SECOND_US * 2 ** Math.min(s.failures - 1, 30));
}

/** Start ./run now, or schedule it so that two starts are at least restartDelayUs apart. */
export function startRun(tx: Tx): void {
  const { nowUs } = tx.ctx;
  const last = tx.s.runStartUs;
  const delay = restartDelayUs(tx.s, tx.ctx);
  if (last !== null && nowUs < last + delay) {
    const ms = Math.ceil((last + delay - nowUs) / 1000);
    tx.set({ throttled: true });
    tx.emit({ type: 'armTimer', name: 'throttle', ms });
    return;
  }
  spawnRun(tx);
}

/** Emit the spawn of ./run (control/u first for a main service). */
export function spawnRun(tx: Tx): void {
  // A new start: no stop has been asked for it yet.
  tx.set({ pending: 'run', stopAsked: false, notReady: null });
  tx.emit({ type: 'spawn', what: 'run', controlU: !tx.s.isLog });
}

/** A start is possible: nothing running, nothing being spawned, no start already scheduled. */
export function idle(s: ServiceState): boolean {
  return s.state === 'down' && s.pid === 0 && s.pending === null && !s.throttled;
}

/**
 * Counts ./run's end for the back-off and the give-up: a failed start when it ended by itself
 * sooner than restartResetMs after its start; an end after that long starts the count afresh; an
 * end that was asked for (a stop) changes nothing.
 */
function countEnd(tx: Tx): void {
  const { nowUs, config } = tx.ctx;
  const up = tx.s.runStartUs === null ? 0 : nowUs - tx.s.runStartUs;
  // Not ready in time is a failed start however long it took (timeout-ready may exceed restart-reset).
  if (up >= config.restartResetMs * 1000 && tx.s.notReady === null) {
    if (tx.s.failures !== 0 || tx.s.failureTimesUs.length > 0) tx.set({ failures: 0, failureTimesUs: [] });
    return;
  }
  if (tx.s.stopAsked && tx.s.notReady === null) return;
  const keep = config.giveUpAfter;
  tx.set({
    // Bounded: past 64 the delay is at its cap anyway.
    failures: Math.min(tx.s.failures + 1, 64),
    failureTimesUs: keep === 0 ? [] : [...tx.s.failureTimesUs, nowUs].slice(-keep),
  });
}

/** Whether the last giveUpAfter failed starts all fell within giveUpWindowMs. */
function givingUp(s: ServiceState, ctx: StepContext): boolean {
  const n = ctx.config.giveUpAfter;
  const first = s.failureTimesUs[0];
  if (n === 0 || s.failureTimesUs.length < n || first === undefined) return false;
  return ctx.nowUs - first <= ctx.config.giveUpWindowMs * 1000;
}

/** The state failed: down, want up, no restart scheduled, until `sv up` (or `sv once`). */
export function enterFailed(tx: Tx, reason: string, status: number, log = true): void {
  tx.set({ state: 'failed', pid: 0, gotTerm: false, pending: null, failedReason: reason });
  tx.status();
  if (log) tx.emit({ type: 'log', level: 'warning', message: `${reason}; it stays down until sv up` });
  tx.emit({ type: 'failed', status, reason });
}

/** The operator starts a failed service again (sv up, sv once): the count starts afresh. */
export function clearFailed(tx: Tx): void {
  tx.set({ state: 'down', failedReason: null, failures: 0, failureTimesUs: [] });
  // The status file showed want down for failed; it shows the machine's want again.
  tx.status();
}

/** ./run ended (exited, or never started): go to finish if there is one, else down (§2.6). */
export function runEnded(tx: Tx, status: number): void {
  cancelTimer(tx, 'kill');
  countEnd(tx);
  // sv once: ./run ended by itself and is not started again (a critical service ends the container).
  if (tx.s.want === 'down' && !tx.s.stopAsked && !tx.s.shutdown) {
    tx.emit({ type: 'failed', status, reason: `./run ${describeStatus(decodeStatus(status))} after sv once` });
  }
  tx.set({ pid: 0, lastStatus: status, gotTerm: false, pending: null, notReady: null });
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
  if (tx.s.want === 'up' && givingUp(tx.s, tx.ctx)) {
    const { giveUpAfter, giveUpWindowMs } = tx.ctx.config;
    const last = describeStatus(decodeStatus(tx.s.lastStatus ?? EXEC_FAILED_STATUS));
    enterFailed(tx, `gave up after ${giveUpAfter} failed starts within ${giveUpWindowMs} ms (./run ${last})`, tx.s.lastStatus ?? EXEC_FAILED_STATUS);
  } else if (tx.s.want === 'up') startRun(tx);
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
