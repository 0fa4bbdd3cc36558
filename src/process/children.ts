// Listing processes through /proc: svinit's direct children (what a subreaper may signal) and,
// as PID 1, everything else in the namespace.
import { readdirSync, readFileSync } from 'node:fs';

/** The direct children of `pid` (default svinit), zombies included, from /proc/PID/task/TID/children. */
export function listChildren(pid: number | 'self' = 'self'): number[] {
  const pids: number[] = [];
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return pids; // the process is gone
  }
  for (const tid of tids) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch {
      continue; // the thread ended while we looked
    }
    for (const word of text.split(' ')) if (word !== '' && word !== '\n') pids.push(Number(word));
  }
  return pids;
}

/**
 * Counts the processes in this PID namespace other than PID 1 and svinit itself (meaningful as
 * the container's init: PID 1, or PID 2 behind the front), i.e. those kill(-1) reaches.
 */
export function countOthers(): number {
  const self = String(process.pid);
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n) && n !== '1' && n !== self).length;
}

/** The process group and session of `pid` (from /proc/PID/stat), or null once it is gone. */
export function groupOf(pid: number): { readonly pgrp: number; readonly session: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // comm may hold spaces and parentheses: the fields start after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pgrp: Number(rest[2]), session: Number(rest[3]) };
}
