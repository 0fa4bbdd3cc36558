// The soak's accounting: every ./run start and exit, and every ./finish call, from a service's
// ./events file. ./run appends `start PID` first thing, then (with TERM ignored, so nothing can
// come between the line and the exit) `exit PID CODE` or `kill PID SIG`; ./finish appends
// `finish $1 $2` (runit's arguments: the exit code or -1, and the low byte of the wait status).
// A service runs ./run and ./finish one after the other, so the lines alternate; each run must
// be closed by exactly one finish that carries the code it chose.
import { readFileSync } from 'node:fs';

/** What one service's events add up to. */
export interface Ledger {
  /** ./run starts seen (start lines); the runs stopped before their first line are killedEarly. */
  runs: number;
  /** Runs that exited with a code they chose, and those that killed themselves with a signal. */
  exited: number;
  selfKilled: number;
  /** Runs that svinit stopped with TERM or KILL (no exit line; finish says -1 and the signal). */
  stopped: number;
  /** TERM or KILL before the first line (a finish with no start; the signal is svinit's). */
  killedEarly: number;
  /** Distinct exit codes seen. */
  codes: Set<number>;
  /** Every line that does not add up, with its file and line number. */
  problems: string[];
}

export function emptyLedger(): Ledger {
  return { runs: 0, exited: 0, selfKilled: 0, stopped: 0, killedEarly: 0, codes: new Set(), problems: [] };
}

/** The signals svinit itself sends a service's ./run (its down signal, and SIGKILL at a deadline). */
const SVINIT_SIGNALS = new Set([9, 15]);

interface Open {
  pid: number;
  line: number;
  /** The finish arguments this run must get, once it said how it will end. */
  expect: string | null;
}

/** Adds the events file `file` to `into`. `ended`: the service is gone, so no run may be open. */
export function account(file: string, into: Ledger, ended: boolean): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return; // never started (a directory removed before svinit took it over)
  }
  let open: Open | null = null;
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    const f = line.split(' ');
    const [kind, a, b] = f;
    if (kind === 'start' && f.length === 2) {
      if (open !== null) into.problems.push(`${where}: a start while the run of line ${open.line} had no finish`);
      open = { pid: Number(a), line: i + 1, expect: null };
      into.runs++;
    } else if ((kind === 'exit' || kind === 'kill') && f.length === 3) {
      if (open === null || open.pid !== Number(a) || open.expect !== null) into.problems.push(`${where}: "${line}" without its start`);
      else {
        open.expect = kind === 'exit' ? `${b} 0` : `-1 ${b}`;
        into.codes.add(kind === 'exit' ? Number(b) : 128 + Number(b));
      }
    } else if (kind === 'finish' && f.length === 3) {
      const got = `${a} ${b}`;
      if (open === null) {
        if (a === '-1' && SVINIT_SIGNALS.has(Number(b))) into.killedEarly++;
        else into.problems.push(`${where}: finish ${got} with no run to finish (a second finish?)`);
      } else if (open.expect === null) {
        if (a === '-1' && SVINIT_SIGNALS.has(Number(b))) into.stopped++;
        else into.problems.push(`${where}: finish ${got} for a run that svinit must have stopped (expected -1 15 or -1 9)`);
      } else if (got !== open.expect) {
        into.problems.push(`${where}: finish ${got}, but the run of line ${open.line} ended with ${open.expect}`);
      } else if (a === '-1') into.selfKilled++;
      else into.exited++;
      open = null;
    } else into.problems.push(`${where}: unreadable line "${line}"`);
  });
  const last = open as Open | null;
  if (ended && last !== null) into.problems.push(`${file}:${last.line}: the run of pid ${last.pid} never got its ./finish`);
}

/** Adds `b` into `a`. */
export function merge(a: Ledger, b: Ledger): void {
  a.runs += b.runs;
  a.exited += b.exited;
  a.selfKilled += b.selfKilled;
  a.stopped += b.stopped;
  a.killedEarly += b.killedEarly;
  for (const c of b.codes) a.codes.add(c);
  a.problems.push(...b.problems);
}
