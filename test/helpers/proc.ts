// Looking at processes from the outside, through /proc: status fields, fds, limits, zombies,
// and tearing down a whole descendant tree.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** /proc/PID/status as a map of field -> value. */
export function procStatus(pid: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return out;
}

/** A signal mask from /proc/PID/status (hex) restricted to signals 1..31, as a bitmask. */
export function classicSignalBits(hex: string): number {
  return Number(BigInt(`0x${hex}`) & 0x7fffffffn);
}

export interface ProcStat {
  readonly pid: number;
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
  readonly session: number;
  /** Start time in clock ticks since boot: with the pid, it names one process (pids are reused). */
  readonly start: number;
  /** CPU time used so far (utime + stime), in clock ticks (1/100 s). */
  readonly cpuTicks: number;
}

/** Fields of /proc/PID/stat (comm may contain spaces and parentheses, so parse from the last ')'). */
export function procStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, state: rest[0] ?? '?', ppid: Number(rest[1]), pgrp: Number(rest[2]), session: Number(rest[3]), start: Number(rest[19]),
    cpuTicks: Number(rest[11]) + Number(rest[12]) };
}

/** CPU time `pid` has used so far, in seconds (0 once it is gone). */
export function cpuSeconds(pid: number): number {
  return (procStat(pid)?.cpuTicks ?? 0) / 100;
}

/** Resident set size of `pid` in kB (VmRSS, "12345 kB"), or 0 once it is gone. */
export function rssKb(pid: number): number {
  try {
    return Number.parseInt(procStatus(pid).get('VmRSS') ?? '0', 10);
  } catch {
    return 0;
  }
}

function allPids(): number[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
}

/** Zombies whose parent is `ppid`. */
export function zombiesOf(ppid: number): number[] {
  return allPids().filter((p) => {
    const st = procStat(p);
    return st !== null && st.ppid === ppid && st.state === 'Z';
  });
}

/** Direct children of `pid` (any state). */
export function childrenOf(pid: number): number[] {
  return allPids().filter((p) => procStat(p)?.ppid === pid);
}

/** The fds open in `pid`, sorted. */
export function openFds(pid: number): number[] {
  return readdirSync(`/proc/${pid}/fd`).map(Number).sort((a, b) => a - b);
}

/** What fd `fd` of `pid` points at. */
export function fdTarget(pid: number, fd: number): string {
  return readlinkSync(`/proc/${pid}/fd/${fd}`);
}

/** The open-file flags (octal "flags:" of /proc/PID/fdinfo/FD). */
export function fdFlags(pid: number, fd: number): number {
  const m = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
  if (m === null) throw new Error(`no flags in fdinfo ${pid}/${fd}`);
  return parseInt(m[1] as string, 8);
}

export const O_NONBLOCK = 0o4000;

/** "Max open files" of /proc/PID/limits: [soft, hard] as printed ('unlimited' or a number). */
export function nofileOf(pid: number): [string, string] {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const parts = (line ?? '').slice('Max open files'.length).trim().split(/\s+/);
  return [parts[0] ?? '?', parts[1] ?? '?'];
}

/** `pid` and all its descendants, parents first. */
export function descendants(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...childrenOf(out[i] as number));
  return out;
}

/** One process of a snapshot: its pid and start time (a pid alone may be reused once it is reaped). */
export interface Member {
  readonly pid: number;
  readonly start: number;
}

/** `pid` and its descendants as they are now, parents first. */
export function snapshotTree(pid: number): Member[] {
  const out: Member[] = [];
  for (const p of descendants(pid)) {
    const st = procStat(p);
    if (st !== null) out.push({ pid: p, start: st.start });
  }
  return out;
}

function signalMember(m: Member, sig: NodeJS.Signals): boolean {
  if (procStat(m.pid)?.start !== m.start) return false; // gone, or the pid now names another process
  try {
    process.kill(m.pid, sig);
    return true;
  } catch {
    return false; // already gone
  }
}

/**
 * SIGKILLs every member of `snap` that is still the same process, and (when `root` is given and
 * still alive) whatever it has started since. Everything is SIGSTOPped first, so a supervisor cannot
 * start a replacement between the snapshot and the kill. Returns how many were killed.
 */
export function killMembers(snap: readonly Member[], root?: Member): number {
  const all = new Map(snap.map((m) => [m.pid, m]));
  for (let round = 0; round < 5; round++) {
    for (const m of all.values()) signalMember(m, 'SIGSTOP');
    if (root === undefined || procStat(root.pid)?.start !== root.start) break;
    let added = 0;
    for (const m of snapshotTree(root.pid)) {
      if (!all.has(m.pid)) {
        all.set(m.pid, m);
        added++;
      }
    }
    if (added === 0) break;
  }
  let n = 0;
  for (const m of all.values()) if (signalMember(m, 'SIGKILL')) n++;
  return n;
}

/** SIGKILLs `pid` and every descendant (teardown); returns how many were signalled. */
export function killTree(pid: number): number {
  const snap = snapshotTree(pid);
  return snap.length === 0 ? 0 : killMembers(snap, snap[0]);
}
