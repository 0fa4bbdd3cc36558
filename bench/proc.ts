// Readers for /proc, as seen from the host: process state, children, CPU time, memory, wake-ups.
// Every reader tolerates a process that vanishes mid-read (returns null or skips it).
import { readdirSync, readFileSync } from 'node:fs';

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The fields of /proc/PID/stat the bench uses. */
export interface ProcStat {
  readonly state: string;
  readonly ppid: number;
  /** Task flags (PF_*): PF_EXITING is 0x4. */
  readonly flags: number;
  /** utime + stime in clock ticks, all threads included (dead ones too). */
  readonly cpuTicks: number;
}

/** Parses /proc/PID/stat; null when the process is gone. */
export function readStat(pid: number): ProcStat | null {
  const text = read(`/proc/${pid}/stat`);
  if (text === null) return null;
  // comm may hold spaces and parentheses: the fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const num = (i: number): number => Number(fields[i] ?? 'NaN');
  return { state: fields[0] ?? '?', ppid: num(1), flags: num(6), cpuTicks: num(11) + num(12) };
}

/**
 * Whether SIGTERM would reach the process's code rather than be dropped, from /proc/PID/status:
 * caught (SigCgt) or blocked (SigBlk: a blocked signal stays pending, as tini's sigtimedwait
 * relies on) and not ignored. Null when the process is gone.
 */
export function termHandled(pid: number): boolean | null {
  const text = read(`/proc/${pid}/status`);
  if (text === null) return null;
  // SIGTERM is signal 15: bit 14 of the masks, in their last 8 hex digits.
  const bit = (name: string): boolean => (parseInt(new RegExp(`^${name}:\\s+([0-9a-f]+)`, 'm').exec(text)?.[1]?.slice(-8) ?? '0', 16) & 0x4000) !== 0;
  return (bit('SigCgt') || bit('SigBlk')) && !bit('SigIgn');
}

/** Thread ids of a process (empty when it is gone). */
export function threadsOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [];
  }
}

/** Children of a process over all its threads, zombies included (they stay listed until reaped). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const tid of threadsOf(pid)) {
    const text = read(`/proc/${pid}/task/${tid}/children`);
    if (text === null) continue;
    for (const word of text.split(' ')) if (word !== '' && word !== '\n') out.push(Number(word));
  }
  return out;
}

/** The pid a process has inside its innermost pid namespace (last NSpid entry), or null. */
export function innerPid(pid: number): number | null {
  const text = read(`/proc/${pid}/status`);
  const line = text?.split('\n').find((l) => l.startsWith('NSpid:'));
  const last = line?.trim().split(/\s+/).pop();
  return last === undefined ? null : Number(last);
}

/** Every descendant of pid (breadth first, pid itself excluded). */
export function descendantsOf(pid: number): number[] {
  const out: number[] = [];
  const queue = [pid];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of childrenOf(next)) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** The init and every process under it outside the services' subtrees (given by inner pids). */
export function supervisionTree(root: number, serviceInnerPids: ReadonlySet<number>): number[] {
  const out = [root];
  const queue = [root];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of childrenOf(next)) {
      const inner = innerPid(child);
      if (inner !== null && serviceInnerPids.has(inner)) continue;
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** Finds the host pid of the namespace process whose inner pid is `inner`, searching under root. */
export function hostPidOf(root: number, inner: number): number | null {
  if (inner === 1) return root;
  return descendantsOf(root).find((pid) => innerPid(pid) === inner) ?? null;
}

/** CPU time in ns summed over the live threads (first field of /proc/PID/task/TID/schedstat). */
export function cpuNs(pid: number): number | null {
  let total = 0;
  let seen = false;
  for (const tid of threadsOf(pid)) {
    const text = read(`/proc/${pid}/task/${tid}/schedstat`);
    if (text === null) continue;
    seen = true;
    total += Number(text.split(' ')[0]);
  }
  return seen ? total : null;
}

/** Voluntary + involuntary context switches summed over all threads: each one is a wake-up. */
export function contextSwitches(pid: number): number | null {
  let total = 0;
  let seen = false;
  for (const tid of threadsOf(pid)) {
    const text = read(`/proc/${pid}/task/${tid}/status`);
    if (text === null) continue;
    seen = true;
    for (const m of text.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm)) total += Number(m[1]);
  }
  return seen ? total : null;
}

/** Memory of one process from /proc/PID/smaps_rollup, in kB. */
export interface Memory {
  readonly rss: number;
  readonly pss: number;
  /** Private_Clean + Private_Dirty: what exists only for this process. */
  readonly private: number;
  readonly anonymous: number;
}

/** Reads /proc/PID/smaps_rollup; null when the process is gone. */
export function readMemory(pid: number): Memory | null {
  const text = read(`/proc/${pid}/smaps_rollup`);
  if (text === null) return null;
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return {
    rss: kb('Rss'),
    pss: kb('Pss'),
    private: kb('Private_Clean') + kb('Private_Dirty'),
    anonymous: kb('Anonymous'),
  };
}

/** The command name (comm) of a process, or null. */
export function commOf(pid: number): string | null {
  return read(`/proc/${pid}/comm`)?.trim() ?? null;
}

/** Clock ticks per second for ProcStat.cpuTicks (USER_HZ, 100 on Linux). */
export const TICKS_PER_SECOND = 100;

/** Pids of processes whose command line mentions `text` (the bench's own process excluded). */
export function processesMentioning(text: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const cmdline = read(`/proc/${pid}/cmdline`);
    if (cmdline !== null && cmdline.includes(text)) out.push(pid);
  }
  return out;
}
