// The last step of a shutdown: processes that belong to no service (orphans, double-forked
// daemons) get SIGTERM, then SIGKILL at the deadline. As PID 1 that is kill(-1), which reaches
// every process in the container but svinit. As a subreaper svinit never signals anything but its
// own children (kill(-1) there would hit the whole host): adopted orphans show up as children.
import { readdirSync, readFileSync } from 'node:fs';
import { kill } from '../native/native.js';

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

/** Sends `sig` to every stray: all processes (PID 1) or svinit's children (subreaper); returns how many. */
export function signalStrays(
  isPid1: boolean, sig: number, except: ReadonlySet<number> = new Set(), record?: Set<number>,
): number {
  if (isPid1) {
    const n = countOthers();
    if (n > 0) kill(-1, sig);
    return n;
  }
  let n = 0;
  for (const pid of listChildren()) {
    if (except.has(pid)) continue;
    if (kill(pid, sig)) {
      n++;
      record?.add(pid);
    }
  }
  return n;
}
