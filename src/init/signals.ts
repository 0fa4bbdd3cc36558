// The init's signal handling. Listeners go in before anything else runs, because Node as PID 1
// silently drops any signal that has no listener (the kernel discards SIG_DFL signals for a
// namespace's init), and because Node opens its inspector on an unhandled SIGUSR1. Signals that
// arrive before the init is ready are queued and delivered, in order, once it is.
import { closeSync, writeSync } from 'node:fs';
import { constants } from 'node:os';

/**
 * Every signal svinit catches through Node: in command mode each is forwarded to CMD; in service
 * mode TERM, INT and QUIT stop, HUP rescans, the rest is logged and ignored (TSTP, TTIN, TTOU and
 * CONT included: a supervisor never stops). SIGCHLD belongs to the reaper. SIGKILL and SIGSTOP
 * cannot be caught. The rest is caught in C (src/init/native-signals.ts): the real-time signals,
 * which Node cannot listen to; SIGPIPE, to tell one that svinit's own write raised; and SIGSEGV,
 * SIGBUS, SIGILL and SIGFPE, only when another process sent them (a handler that returned from a
 * genuine fault would re-run the faulting instruction forever).
 */
export const CAUGHT_SIGNALS = [
  'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTRAP', 'SIGABRT', 'SIGUSR1', 'SIGUSR2', 'SIGALRM',
  'SIGTERM', 'SIGSTKFLT', 'SIGCONT', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGURG', 'SIGXCPU', 'SIGXFSZ',
  'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO', 'SIGPWR', 'SIGSYS',
] as const satisfies readonly NodeJS.Signals[];

export type CaughtSignal = (typeof CAUGHT_SIGNALS)[number];
/** Gets each caught signal by number (Node's and the native ones alike). */
export type SignalHandler = (signal: number) => void;

interface SignalState {
  installed: boolean;
  /** svinit runs behind the C front (native/front.c), which is PID 1 and holds early signals. */
  front: boolean;
  queue: number[];
  handler: SignalHandler | null;
}

/**
 * The state lives on the process, not in this module: the bundled entry's stage 0 (a tiny file
 * with its own copy of this module, scripts/bundle.js) installs the listeners before Node even
 * parses the main bundle, and the main bundle's copy takes over the same queue.
 */
const STATE: SignalState = ((globalThis as Record<symbol, SignalState | undefined>)[Symbol.for('svinit.signals')] ??=
  { installed: false, front: false, queue: [], handler: null });

/** Hands one caught signal to the init, or queues it until `handleSignals` (bounded: see below). */
export function deliverSignal(num: number): void {
  if (STATE.handler !== null) STATE.handler(num);
  else if (STATE.queue.length < MAX_EARLY) STATE.queue.push(num);
}

/** Signals held before the init is ready: more than this is a flood, and the rest are dropped. */
const MAX_EARLY = 1024;

function onSignal(signal: NodeJS.Signals): void {
  deliverSignal(constants.signals[signal]);
}

/** Installs a listener for every caught signal (once per process); signals are queued until `handleSignals`. */
export function installEarlySignals(): void {
  if (STATE.installed) return;
  STATE.installed = true;
  for (const sig of CAUGHT_SIGNALS) process.on(sig, onSignal);
}

/**
 * Behind the C front, says which signals svinit now handles (Node's and `extra`, the native
 * ones), on the pipe the front gave it ($SVINIT_FRONT_FD): the front forwards what it held until
 * now, then every such signal as it comes, and drops the others (their default action would stop
 * or kill svinit). Called once every handler is in place.
 */
export function tellFront(extra: readonly number[]): void {
  const text = process.env['SVINIT_FRONT_FD'];
  if (text === undefined) return;
  delete process.env['SVINIT_FRONT_FD'];
  const fd = Number(text);
  if (!/^\d+$/.test(text) || fd < 3) return;
  const line = `${[...CAUGHT_SIGNALS.map((name) => constants.signals[name]), ...extra].join(' ')}\n`;
  try {
    writeSync(fd, line);
    closeSync(fd);
    STATE.front = process.ppid === 1;
  } catch {
    // Not the front's pipe after all (a stale variable): svinit is on its own.
  }
}

/** Whether svinit runs behind the C front: the front is PID 1, svinit its child and the container's init. */
export function behindFront(): boolean {
  return STATE.front;
}

/** Routes every caught signal to `fn`, first delivering those that arrived before now. */
export function handleSignals(fn: SignalHandler): void {
  STATE.handler = fn;
  const early = STATE.queue.splice(0);
  for (const sig of early) fn(sig);
}

/** Whether `svinit ARG` runs a control command (sv, status, check) rather than the init. */
export function isCliCommand(arg: string | undefined): boolean {
  return arg === 'sv' || arg === 'status' || arg === 'check';
}
