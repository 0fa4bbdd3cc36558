// Which processes there are besides svinit, read from /proc: the direct children of a process
// (zombies included), and the number of other processes in svinit's PID namespace.
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

/** Counts the processes in this PID namespace other than svinit (meaningful as PID 1). */
export function countOthers(): number {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n) && n !== '1').length;
}
