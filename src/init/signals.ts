// The init's signal handling. Listeners go in before anything else runs, because Node as PID 1
// silently drops any signal that has no listener (the kernel discards SIG_DFL signals for a
// namespace's init), and because Node opens its inspector on an unhandled SIGUSR1. Signals that
// arrive before the init is ready are queued and delivered, in order, once it is.

/**
 * Every signal svinit catches. SIGCHLD belongs to the reaper. Left out on purpose: SIGKILL and
 * SIGSTOP (cannot be caught); SIGSEGV, SIGBUS, SIGILL and SIGFPE (a handler that returns from a
 * genuine fault re-runs the faulting instruction forever; as PID 1 the kernel already drops these
 * when they are sent from inside the container); SIGTSTP, SIGTTIN, SIGTTOU (job control stops, never
 * kills); SIGWINCH, SIGURG, SIGCONT (ignored by default).
 */
export const CAUGHT_SIGNALS = [
  'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTRAP', 'SIGABRT', 'SIGUSR1', 'SIGUSR2', 'SIGPIPE', 'SIGALRM',
  'SIGTERM', 'SIGSTKFLT', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGIO', 'SIGPWR', 'SIGSYS',
] as const satisfies readonly NodeJS.Signals[];

export type CaughtSignal = (typeof CAUGHT_SIGNALS)[number];
export type SignalHandler = (signal: CaughtSignal) => void;

let queue: CaughtSignal[] | null = null;
let handler: SignalHandler | null = null;

function onSignal(signal: NodeJS.Signals): void {
  const sig = signal as CaughtSignal;
  if (handler !== null) handler(sig);
  else queue?.push(sig);
}

/** Installs a listener for every caught signal; signals are queued until `handleSignals`. */
export function installEarlySignals(): void {
  if (queue !== null || handler !== null) return;
  queue = [];
  for (const sig of CAUGHT_SIGNALS) process.on(sig, onSignal);
}

/** Routes every caught signal to `fn`, first delivering those that arrived before now. */
export function handleSignals(fn: SignalHandler): void {
  handler = fn;
  const early = queue ?? [];
  queue = null;
  for (const sig of early) fn(sig);
}
