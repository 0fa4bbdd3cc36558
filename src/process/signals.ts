// Signal names <-> numbers for Linux x86_64 and arm64 (the same table on both), including the
// real-time range that Node has no names for (SIGRTMIN = 34 as glibc reports it, SIGRTMAX = 64).

/** The first real-time signal a program may use (glibc keeps 32 and 33 for itself). */
export const SIGRTMIN = 34;
/** The last real-time signal. */
export const SIGRTMAX = 64;

const CLASSIC: readonly string[] = [
  '', 'HUP', 'INT', 'QUIT', 'ILL', 'TRAP', 'ABRT', 'BUS', 'FPE', 'KILL', 'USR1', 'SEGV', 'USR2',
  'PIPE', 'ALRM', 'TERM', 'STKFLT', 'CHLD', 'CONT', 'STOP', 'TSTP', 'TTIN', 'TTOU', 'URG',
  'XCPU', 'XFSZ', 'VTALRM', 'PROF', 'WINCH', 'IO', 'PWR', 'SYS',
];

/** Other names the kernel headers give the same numbers. */
const ALIASES: Readonly<Record<string, number>> = { IOT: 6, CLD: 17, POLL: 29 };

const BY_NAME = new Map<string, number>();
CLASSIC.forEach((name, num) => {
  if (num > 0) BY_NAME.set(name, num);
});
for (const [name, num] of Object.entries(ALIASES)) BY_NAME.set(name, num);

/** An error with code ERR_SIGNAL_UNKNOWN: a name or number that is not a usable signal. */
export class SignalError extends Error {
  readonly code = 'ERR_SIGNAL_UNKNOWN';
  constructor(value: string | number) {
    super(
      `unable to parse signal ${JSON.stringify(String(value))}: not a signal; ` +
        `use a name such as TERM, SIGHUP or RTMIN+3, or a number 1-31 or ${SIGRTMIN}-${SIGRTMAX}`,
    );
    this.name = 'SignalError';
  }
}

/** True for the numbers a signal can be sent with: 1-31 and SIGRTMIN..SIGRTMAX. */
export function isSignalNumber(num: number): boolean {
  return Number.isInteger(num) && ((num >= 1 && num <= 31) || (num >= SIGRTMIN && num <= SIGRTMAX));
}

/** The canonical name: 'SIGTERM', 'SIGRTMIN', 'SIGRTMIN+3', 'SIGRTMAX'. Throws ERR_SIGNAL_UNKNOWN. */
export function signalName(num: number): string {
  if (!isSignalNumber(num)) throw new SignalError(num);
  if (num <= 31) return `SIG${CLASSIC[num] as string}`;
  if (num === SIGRTMIN) return 'SIGRTMIN';
  if (num === SIGRTMAX) return 'SIGRTMAX';
  return `SIGRTMIN+${num - SIGRTMIN}`;
}

function parseRealtime(name: string): number | undefined {
  const m = /^RT(MIN|MAX)(?:([+-])(\d{1,2}))?$/.exec(name);
  if (m === null) return undefined;
  const base = m[1] === 'MIN' ? SIGRTMIN : SIGRTMAX;
  const off = m[3] === undefined ? 0 : Number(m[3]);
  if (m[2] === '+' && m[1] === 'MAX') return undefined; // RTMAX+n is past the end
  if (m[2] === '-' && m[1] === 'MIN') return undefined;
  const num = m[2] === '-' ? base - off : base + off;
  return num >= SIGRTMIN && num <= SIGRTMAX ? num : undefined;
}

/**
 * Parses a user-given signal: 'TERM', 'SIGTERM', 'term', '15', 15, 'RTMIN+3', 'SIGRTMAX-1'.
 * Throws SignalError (ERR_SIGNAL_UNKNOWN) for anything else, including 0, 32 and 33.
 */
export function parseSignal(value: string | number): number {
  if (typeof value === 'number') {
    if (isSignalNumber(value)) return value;
    throw new SignalError(value);
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) return parseSignal(Number(text));
  const upper = text.toUpperCase();
  const name = upper.startsWith('SIG') ? upper.slice(3) : upper;
  const num = BY_NAME.get(name) ?? parseRealtime(name);
  if (num === undefined || text === '') throw new SignalError(value);
  return num;
}
