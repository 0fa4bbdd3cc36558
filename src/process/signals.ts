// Signal names <-> numbers for Linux x86_64 and arm64 (the same table on both), including the
// real-time range that Node has no names for (SIGRTMIN = 34 as glibc reports it, SIGRTMAX = 64).

/** The first real-time signal a program may use (glibc keeps 32 and 33 for itself). */
export const SIGRTMIN = 34;
/** The last real-time signal. */
export const SIGRTMAX = 64;

/**
 * The classic signals 1-31 by name without "SIG" (x86-64 and arm64 agree on every one): the one
 * table of signal numbers in svinit. Send SIG.TERM, never a bare 15.
 */
export const SIG = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11,
  USR2: 12, PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20,
  TTIN: 21, TTOU: 22, URG: 23, XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, PWR: 30,
  SYS: 31,
} as const;

/** Other names the kernel headers give the same numbers. */
const ALIASES: Readonly<Record<string, number>> = { IOT: SIG.ABRT, CLD: SIG.CHLD, POLL: SIG.IO };

const NAME_OF = new Map<number, string>();
for (const [name, num] of Object.entries(SIG)) NAME_OF.set(num, name);
const BY_NAME = new Map<string, number>([...Object.entries(SIG), ...Object.entries(ALIASES)]);

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
  if (num <= SIG.SYS) return `SIG${NAME_OF.get(num) as string}`;
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

/**
 * The signals of a /proc/PID/status mask ("SigBlk:", "SigIgn:": 16 hex digits, bit n-1 for
 * signal n), as numbers; an empty or malformed text is the empty set.
 */
export function signalsOfMask(hex: string | undefined): number[] {
  if (hex === undefined || !/^[0-9a-fA-F]{1,16}$/.test(hex)) return [];
  const mask = BigInt(`0x${hex}`);
  const out: number[] = [];
  for (let n = 1; n <= SIGRTMAX; n++) if (((mask >> BigInt(n - 1)) & 1n) === 1n) out.push(n);
  return out;
}
