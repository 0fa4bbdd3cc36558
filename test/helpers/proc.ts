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
  return { pid, state: rest[0] ?? '?', ppid: Number(rest[1]), pgrp: Number(rest[2]), session: Number(rest[3]) };
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

/** SIGKILLs `pid` and every descendant (teardown); returns how many were signalled. */
export function killTree(pid: number): number {
  let n = 0;
  for (const p of descendants(pid).reverse()) {
    try {
      process.kill(p, 'SIGKILL');
      n++;
    } catch {
      // already gone
    }
  }
  return n;
}
